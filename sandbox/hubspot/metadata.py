"""Owners, pipelines, properties and schemas: how the portal describes itself, read-only.

Owners come from the store; pipelines, properties and schemas are built from crm_schema, with the details
a client may rely on: an owner's `id` is the value of hubspot_owner_id (not its `userId`), default pipelines
and stages were created at the epoch, stage metadata are strings, dealstage and pipeline have
`externalOptions`, and the custom object's schema lists its association type ids. See
/work/shared/reference/hubspot-api.md, section 3.
"""

from __future__ import annotations

import zlib
from typing import Any

from fastapi import Request
from starlette.responses import Response

from sandbox.crm_schema import (
    ASSOCIATION_TYPES,
    CUSTOM_FULLY_QUALIFIED,
    CUSTOM_OBJECT_TYPES,
    CUSTOM_PRIMARY_DISPLAY,
    CUSTOM_REQUIRED,
    CUSTOM_SCHEMA_ID,
    CUSTOM_SECONDARY_DISPLAY,
    DEAL_STAGES,
    DEFAULT_PROPERTIES,
    OBJECT_TYPES,
    PORTAL_ID,
    PROPERTIES,
    PROPERTY_GROUPS,
    PROPERTY_LABELS,
    PROPERTY_OPTIONS,
    SEARCHABLE_PROPERTIES,
    SINGULAR,
    SYSTEM_PROPERTIES,
    UNIQUE_PROPERTIES,
)
from sandbox.hubspot.errors import not_found, ok
from sandbox.hubspot.instants import instant
from sandbox.hubspot.params import QueryArgs, numeric_id, resolve_type
from sandbox.hubspot.portal import DEFAULT, Portal
from sandbox.hubspot.store import HubSpotStore, Owner

EPOCH = "1970-01-01T00:00:00Z"  # HubSpot's createdAt for default pipelines and stages
SCHEMA_CREATED = "2025-01-06T09:00:00Z"


def owner_json(owner: Owner) -> dict[str, Any]:
    """A PublicOwner; `hubspot_owner_id` values on records are this `id`, not `userId`."""
    teams = []
    if owner.team:
        teams.append(
            {"id": str(zlib.crc32(owner.team.encode()) % 10**8), "name": owner.team, "primary": True}
        )
    return {
        "id": str(owner.id),
        "email": owner.email,
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "userId": owner.user_id,
        "userIdIncludingInactive": owner.user_id,
        "type": "PERSON",
        "teams": teams,
        "archived": owner.archived,
        "createdAt": instant(owner.created_at),
        "updatedAt": instant(owner.updated_at),
    }


def _stage(stage_id: str, label: str, order: int, metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": metadata,
        "createdAt": EPOCH,
        "updatedAt": EPOCH,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipelines_json(object_type: str, portal: Portal = DEFAULT) -> list[dict[str, Any]]:
    """The object type's pipelines: deals' "default" Sales Pipeline, and the portal's ticket pipelines
    (HubSpot's "0" Support Pipeline first), each stage with its `ticketState`."""
    common = {"createdAt": EPOCH, "updatedAt": EPOCH, "archived": False}
    if object_type == "deals":
        stages = [
            _stage(sid, label, order, {"isClosed": str(closed).lower(), "probability": str(probability)})
            for order, (sid, label, probability, closed) in enumerate(DEAL_STAGES)
        ]
        return [{"id": "default", "label": "Sales Pipeline", "displayOrder": 0, "stages": stages} | common]
    if object_type != "tickets":
        return []
    return [
        {
            "id": pipeline.id,
            "label": pipeline.label,
            "displayOrder": order,
            "stages": [
                _stage(sid, label, i, {"ticketState": state, "isClosed": str(state == "CLOSED").lower()})
                for i, (sid, label, state) in enumerate(pipeline.stages)
            ],
        }
        | common
        for order, pipeline in enumerate(portal.ticket_pipelines)
    ]


def _portal_defined(object_type: str, name: str) -> bool:
    """Properties the portal created (not HubSpot's own)."""
    if name in SYSTEM_PROPERTIES:
        return False
    if object_type in CUSTOM_OBJECT_TYPES:
        return True
    return name in UNIQUE_PROPERTIES.get(object_type, ()) or name in {
        "estimated_margin_at_close",
        "scope_summary",
        "signed_proposal_version",
        "ticket_kind",
    }


def _options(object_type: str, name: str) -> list[dict[str, Any]]:
    if (object_type, name) == ("deals", "dealstage"):
        pairs = [(sid, label) for sid, label, _, _ in DEAL_STAGES]
    elif (object_type, name) == ("deals", "pipeline"):
        pairs = [("default", "Sales Pipeline")]
    else:
        values = PROPERTY_OPTIONS.get((object_type, name), ())
        pairs = [(value, value.replace("_", " ").capitalize()) for value in values]
    return [
        {"label": label, "value": value, "displayOrder": order, "hidden": False}
        for order, (value, label) in enumerate(pairs)
    ]


def property_json(object_type: str, name: str, order: int) -> dict[str, Any]:
    """A Property definition as GET /crm/v3/properties/{t} returns it."""
    kind, field_type = PROPERTIES[object_type][name]
    portal = _portal_defined(object_type, name)
    return {
        "name": name,
        "label": PROPERTY_LABELS.get(name) or name.replace("_", " ").capitalize(),
        "type": kind,
        "fieldType": field_type,
        "description": "",
        "groupName": PROPERTY_GROUPS[object_type],
        "options": _options(object_type, name),
        "displayOrder": order,
        "calculated": False,
        "externalOptions": name in ("dealstage", "pipeline"),
        "hasUniqueValue": name in UNIQUE_PROPERTIES.get(object_type, ()),
        "hidden": False,
        "hubspotDefined": not portal,
        "modificationMetadata": {
            "archivable": portal,
            "readOnlyDefinition": not portal,
            "readOnlyValue": name in SYSTEM_PROPERTIES,
        },
        "formField": portal,
        "createdAt": SCHEMA_CREATED if portal else EPOCH,
        "updatedAt": SCHEMA_CREATED if portal else EPOCH,
        "archived": False,
    }


def schema_json(object_type: str) -> dict[str, Any]:
    """An ObjectSchema (the custom object's, or a standard object's in the same shape)."""
    type_id, singular, plural = OBJECT_TYPES[object_type]
    custom = object_type in CUSTOM_OBJECT_TYPES
    associations = [
        {
            "id": str(type_id_),
            "name": f"{SINGULAR[a]}_to_{SINGULAR[b]}",
            "fromObjectTypeId": OBJECT_TYPES[a][0],
            "toObjectTypeId": OBJECT_TYPES[b][0],
            "createdAt": SCHEMA_CREATED,
            "updatedAt": SCHEMA_CREATED,
        }
        for (a, b), type_id_ in ASSOCIATION_TYPES.items()
        if object_type in (a, b)
    ]
    defaults = DEFAULT_PROPERTIES[object_type]
    return {
        "id": CUSTOM_SCHEMA_ID if custom else type_id.split("-")[1],
        "objectTypeId": type_id,
        "fullyQualifiedName": CUSTOM_FULLY_QUALIFIED if custom else object_type,
        "name": object_type,
        "labels": {"singular": singular, "plural": plural},
        "primaryDisplayProperty": CUSTOM_PRIMARY_DISPLAY
        if custom
        else (defaults[0] if defaults else "hs_object_id"),
        "secondaryDisplayProperties": list(CUSTOM_SECONDARY_DISPLAY) if custom else list(defaults[1:2]),
        "requiredProperties": list(CUSTOM_REQUIRED) if custom else [],
        "searchableProperties": list(SEARCHABLE_PROPERTIES.get(object_type, ())),
        "properties": [property_json(object_type, name, i) for i, name in enumerate(PROPERTIES[object_type])],
        "associations": associations,
        "metaType": "PORTAL_SPECIFIC" if custom else "HUBSPOT",
        "portalId": PORTAL_ID,
        "archived": False,
        "createdAt": SCHEMA_CREATED,
        "updatedAt": SCHEMA_CREATED,
    }


class MetadataApi:
    """Owners, pipelines, properties and schemas."""

    def __init__(self, store: HubSpotStore, portal: Portal = DEFAULT) -> None:
        self.store, self.portal = store, portal

    def owners(self, request: Request) -> Response:
        """GET /crm/v3/owners/: pages of up to 100, optionally one email."""
        args = QueryArgs(request)
        limit = args.number("limit", 100, 100)
        owners, more = self.store.owners(args.cursor(), limit, args.text("email"), args.flag("archived"))
        body: dict[str, Any] = {"results": [owner_json(owner) for owner in owners]}
        if more and owners:
            after = str(owners[-1].id + 1)
            body["paging"] = {
                "next": {"after": after, "link": str(request.url.include_query_params(after=after))}
            }
        return ok(body)

    def owner(self, owner_id: str, request: Request) -> Response:
        """GET /crm/v3/owners/{id}, `idProperty=id|userId`."""
        by_user = (QueryArgs(request).text("idProperty") or "id") == "userId"
        key = numeric_id(owner_id)
        owner = None if key is None else self.store.owner(key, by_user)
        if owner is None:
            raise not_found(f"Owner {owner_id} does not exist", id=[owner_id])
        return ok(owner_json(owner))

    def pipelines(self, object_type: str) -> Response:
        """GET /crm/v3/pipelines/{t}."""
        return ok({"results": pipelines_json(resolve_type(object_type), self.portal)})

    def pipeline(self, object_type: str, pipeline_id: str) -> Response:
        """GET /crm/v3/pipelines/{t}/{pipelineId}."""
        for pipeline in pipelines_json(resolve_type(object_type), self.portal):
            if pipeline["id"] == pipeline_id:
                return ok(pipeline)
        raise not_found(f"Pipeline {pipeline_id} does not exist", id=[pipeline_id])

    def properties(self, object_type: str) -> Response:
        """GET /crm/v3/properties/{t}: every definition, no paging."""
        kind = resolve_type(object_type)
        return ok({"results": [property_json(kind, name, i) for i, name in enumerate(PROPERTIES[kind])]})

    def property(self, object_type: str, name: str) -> Response:
        """GET /crm/v3/properties/{t}/{name}."""
        kind = resolve_type(object_type)
        if name not in PROPERTIES[kind]:
            raise not_found(f"Property {name} does not exist on {kind}", propertyName=[name])
        return ok(property_json(kind, name, list(PROPERTIES[kind]).index(name)))

    def schemas(self) -> Response:
        """GET /crm-object-schemas/v3/schemas: the portal's custom objects."""
        return ok({"results": [schema_json(name) for name in sorted(CUSTOM_OBJECT_TYPES)]})

    def schema(self, object_type: str) -> Response:
        """GET /crm-object-schemas/v3/schemas/{t}."""
        return ok(schema_json(resolve_type(object_type)))
