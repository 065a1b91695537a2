"""Property writes: the checks HubSpot makes before it stores anything, and the values it fills in itself.

An unknown or read-only property, a number that is not one, a date that is not midnight UTC or a value
outside an enumeration's options fails the whole write with one 400 listing every bad property
(PROPERTY_DOESNT_EXIST, READ_ONLY_VALUE, INVALID_DECIMAL, INVALID_DATE, INVALID_OPTION), as HubSpot
answers. Values are stored normalized (instants as HubSpot writes them, "" as a cleared value), and a deal's
stage brings its probability. See /work/shared/reference/hubspot-api.md, sections 1.6 and 7.
"""

from __future__ import annotations

import json
import math

from sandbox.crm_schema import DEAL_STAGES, PORTAL_ID, PROPERTIES, PROPERTY_OPTIONS, SYSTEM_PROPERTIES
from sandbox.hubspot.errors import HubSpotError
from sandbox.hubspot.instants import instant, midnight, parse_when


def _normalized(object_type: str, name: str, raw: str) -> tuple[str | None, tuple[str, str] | None]:
    """(stored value, None) or (None, (error code, message)) for one non-empty written value."""
    kind, field_type = PROPERTIES[object_type][name]
    text = raw.strip()
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return None, ("INVALID_DECIMAL", f"{raw} was not a valid number.")
        return text, None
    if kind in ("datetime", "date"):
        moment = parse_when(text)
        if moment is None:
            return None, ("INVALID_DATE", f"{raw} was not a valid epoch-millisecond or ISO-8601 {kind}.")
        if kind == "datetime":
            return instant(moment), None
        if moment != midnight(moment.date()):
            return None, ("INVALID_DATE", f"{raw} is not midnight UTC; {name} is a date property.")
        return moment.date().isoformat(), None
    options = PROPERTY_OPTIONS.get((object_type, name))
    if kind == "enumeration" and options:
        chosen = text.split(";") if field_type == "checkbox" else [text]
        wrong = [option for option in chosen if option not in options]
        if wrong:
            allowed = ", ".join(options)
            return None, ("INVALID_OPTION", f"{wrong[0]} was not one of the allowed options: [{allowed}]")
    return raw, None


def derived(object_type: str, values: dict[str, str | None], creating: bool) -> dict[str, str | None]:
    """Values HubSpot fills in itself: a deal's stage probability and its default pipeline."""
    if object_type != "deals" or not values.get("dealstage"):
        return values
    probability = {stage: p for stage, _, p, _ in DEAL_STAGES}[values["dealstage"] or ""]
    extra: dict[str, str | None] = {"hs_deal_stage_probability": str(probability)}
    if creating and not values.get("pipeline"):
        extra["pipeline"] = "default"
    return values | extra


def validate_write(
    object_type: str, values: dict[str, str | None], creating: bool = False
) -> dict[str, str | None]:
    """Normalized values to store ("" clears to None); a 400 listing every invalid property otherwise."""
    defined = PROPERTIES[object_type]
    clean: dict[str, str | None] = {}
    problems: list[tuple[str, str, str]] = []
    for name, raw in values.items():
        if name not in defined:
            problems.append((name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
        elif name in SYSTEM_PROPERTIES:
            problems.append(
                (name, "READ_ONLY_VALUE", f"{name} is a read only property; its value cannot be set.")
            )
        elif raw is None or not raw.strip():
            clean[name] = None
        else:
            value, problem = _normalized(object_type, name, raw)
            if problem:
                problems.append((name, *problem))
            else:
                clean[name] = value
    if problems:
        details = [
            {
                "isValid": False,
                "message": message,
                "error": code,
                "name": name,
                "localizedErrorMessage": message,
                "portalId": PORTAL_ID,
            }
            for name, code, message in problems
        ]
        raise HubSpotError(
            400,
            "Property values were not valid: " + json.dumps(details, separators=(",", ":")),
            errors=[
                {"message": message, "code": code, "context": {"propertyName": [name]}}
                for name, code, message in problems
            ],
        )
    return derived(object_type, clean, creating)
