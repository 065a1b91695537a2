"""What a request names in its path and query: object types, record ids and HubSpot's query conventions.

A path's `{objectType}` may be the plural name, the objectTypeId (`0-3`, `2-…`), `p_<name>` or the fully
qualified name. Query arrays arrive repeated (`properties=a&properties=b`, as the SDK sends them) or
comma-joined, and booleans in any case (the SDK sends `archived=False`). Reading them all here keeps every
endpoint equally lenient, and makes every bad value the same 400. See /work/shared/reference/hubspot-api.md,
sections 1.1, 6 and 8.
"""

from __future__ import annotations

from fastapi import Request

from sandbox.crm_schema import (
    CUSTOM_FULLY_QUALIFIED,
    CUSTOM_OBJECT,
    OBJECT_TYPES,
    PROPERTIES,
    SINGULAR,
    UNIQUE_PROPERTIES,
)
from sandbox.hubspot.errors import HubSpotError


def _type_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for name, (type_id, _, _) in OBJECT_TYPES.items():
        aliases.update({name: name, type_id.lower(): name, SINGULAR[name]: name})
    aliases.update({f"p_{CUSTOM_OBJECT}": CUSTOM_OBJECT, CUSTOM_FULLY_QUALIFIED.lower(): CUSTOM_OBJECT})
    aliases["line items"] = "line_items"
    return aliases


TYPE_ALIASES = _type_aliases()


def resolve_type(raw: str) -> str:
    """The canonical object type for a name, objectTypeId, `p_<name>` or fully qualified name."""
    name = TYPE_ALIASES.get(raw.strip().lower())
    if name is None:
        raise HubSpotError(400, f"Unable to infer object type from: {raw}")
    return name


class QueryArgs:
    """HubSpot's query conventions: arrays repeated or comma-joined, booleans in any case."""

    def __init__(self, request: Request) -> None:
        self._params = request.query_params

    def text(self, name: str) -> str | None:
        """A single-valued parameter, or None when absent or empty."""
        value = self._params.get(name)
        return value.strip() if value and value.strip() else None

    def names(self, name: str) -> list[str]:
        """An array parameter: `a=x&a=y` or `a=x,y`, de-duplicated in order."""
        values = (part.strip() for raw in self._params.getlist(name) for part in raw.split(","))
        return list(dict.fromkeys(value for value in values if value))

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean: `true`/`false` in any case (the SDK sends `False`)."""
        value = self.text(name)
        if value is None:
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise HubSpotError(400, f"Invalid value {value!r} for query parameter {name}: use true or false")

    def number(self, name: str, default: int, maximum: int, minimum: int = 1) -> int:
        """An integer within [minimum, maximum]; out of range is a 400, as HubSpot does."""
        value = self.text(name)
        if value is None:
            return default
        if not value.lstrip("-").isdigit():
            raise HubSpotError(400, f"Invalid value {value!r} for query parameter {name}: use an integer")
        number = int(value)
        if not minimum <= number <= maximum:
            raise HubSpotError(
                400,
                f"{name} must be between {minimum} and {maximum}; got {number}",
                context={name: [value]},
            )
        return number

    def cursor(self, name: str = "after") -> int:
        """A paging cursor: a non-negative integer string."""
        value = self.text(name)
        if value is None:
            return 0
        if not value.isdigit():
            raise HubSpotError(400, f"Invalid paging cursor {name}={value!r}: use the value from paging.next")
        return int(value)


def association_targets(args: QueryArgs) -> list[str]:
    """The object types named by `associations`; unknown ones are ignored, as HubSpot documents."""
    names = (TYPE_ALIASES.get(name.lower()) for name in args.names("associations"))
    return list(dict.fromkeys(name for name in names if name))


def numeric_id(raw: str) -> int | None:
    text = str(raw).strip()
    return int(text) if text.isdigit() else None


def check_id_property(object_type: str, id_property: str | None) -> str | None:
    if id_property in (None, "", "hs_object_id"):
        return None
    if id_property not in PROPERTIES[object_type]:
        raise HubSpotError(400, f"idProperty {id_property!r} does not exist on {object_type}")
    if id_property not in UNIQUE_PROPERTIES.get(object_type, frozenset()):
        raise HubSpotError(
            400,
            f"idProperty {id_property!r} is not a unique property of {object_type}; "
            "use hs_object_id or a property with hasUniqueValue",
        )
    return id_property
