"""A CRM record on the wire: the SimplePublicObject that reads, writes, batches and searches answer with.

A requested property comes back null when it is defined but unset and is left out when it is not defined;
the properties HubSpot maintains itself (`hs_object_id`, `createdate`, `hs_lastmodifieddate`) are always
there, and writes answer with every property that has a value. See /work/shared/reference/hubspot-api.md,
sections 1.4 and 1.5.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox.crm_schema import DEFAULT_PROPERTIES, PROPERTIES, SYSTEM_PROPERTIES
from sandbox.hubspot.instants import instant
from sandbox.hubspot.store import Record


def record_json(
    object_type: str,
    record: Record,
    requested: list[str] | None = None,
    *,
    history: Iterable[str] = (),
    associations: dict[str, Any] | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """A SimplePublicObject: requested properties (null when defined but unset, omitted when undefined)
    plus the ones HubSpot always adds; `full` returns every set property, as writes do."""
    defined = PROPERTIES[object_type]
    values = record.properties
    if full:
        chosen = {name: value for name, value in values.items() if value is not None}
    else:
        names = requested or DEFAULT_PROPERTIES[object_type]
        chosen = {name: values.get(name) for name in names if name in defined}
        chosen.update({name: values[name] for name in SYSTEM_PROPERTIES if name in values})
    body: dict[str, Any] = {
        "id": str(record.id),
        "properties": chosen,
        "createdAt": instant(record.created_at),
        "updatedAt": instant(record.updated_at),
        "archived": record.archived,
    }
    if record.archived:
        body["archivedAt"] = instant(record.updated_at)
    with_history = [name for name in history if name in defined]
    if with_history:
        stamp = instant(record.updated_at)
        body["propertiesWithHistory"] = {
            name: [{"value": values[name], "timestamp": stamp, "sourceType": "API", "sourceId": "sandbox"}]
            if values.get(name) is not None
            else []
            for name in with_history
        }
    if associations:
        body["associations"] = associations
    return body
