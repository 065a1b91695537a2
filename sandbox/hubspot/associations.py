"""Associations: type ids and labels, their v3 and v4 wire shapes, and the v4 endpoints that use them.

Every association is stored in both directions; a type id names one direction and TYPE_TARGETS gives the
other. The two wire shapes differ as HubSpot's do: v3 lists each associated id twice (`deal_to_company` and
`deal_to_company_unlabeled`, under a `line items` key with a space), v4 groups the types by associated
record and sends `toObjectId` as a JSON number. AssociationsApi serves the /crm/v4 paths and the 2026-03
ones alike. See /work/shared/reference/hubspot-api.md, sections 1.4 and 2.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi import Request
from starlette.responses import Response

from sandbox.crm_schema import (
    ASSOCIATION_TYPES,
    OBJECT_TYPES,
    PRIMARY_CONTACT_LABEL,
    PRIMARY_CONTACT_REVERSE_TYPE_ID,
    PRIMARY_CONTACT_TYPE_ID,
    SINGULAR,
    association_category,
)
from sandbox.hubspot.bodies import (
    AssociationBatchDefault,
    AssociationBatchRead,
    AssociationSpec,
    check_batch_size,
)
from sandbox.hubspot.errors import HubSpotError, not_found, ok
from sandbox.hubspot.instants import instant, now_utc
from sandbox.hubspot.params import QueryArgs, numeric_id, resolve_type
from sandbox.hubspot.portal import DEFAULT, Portal, cursor, offset
from sandbox.hubspot.store import HubSpotStore, Link

V4_PAGE_MAX = 500
UNLABELED_DEAL_COMPANY, UNLABELED_COMPANY_DEAL = 341, 342
V4_BATCH_MAX = 1000

# (from type, type id) -> to type, and the type id of the same association seen from the other side.
_LABELLED = {
    ("deals", PRIMARY_CONTACT_TYPE_ID): ("contacts", PRIMARY_CONTACT_REVERSE_TYPE_ID),
    ("contacts", PRIMARY_CONTACT_REVERSE_TYPE_ID): ("deals", PRIMARY_CONTACT_TYPE_ID),
    # the unlabeled deal <-> company association of a company that is not the deal's primary one (a
    # partner, a reseller): HubSpot's type table lists deal -> company 341 and company -> deal 342
    # (developers.hubspot.com/docs/guides/api/crm/associations/associations-v4, "Association type id values")
    ("deals", UNLABELED_DEAL_COMPANY): ("companies", UNLABELED_COMPANY_DEAL),
    ("companies", UNLABELED_COMPANY_DEAL): ("deals", UNLABELED_DEAL_COMPANY),
}
TYPE_TARGETS: dict[tuple[str, int], tuple[str, int]] = {
    (a, type_id): (b, ASSOCIATION_TYPES[(b, a)]) for (a, b), type_id in ASSOCIATION_TYPES.items()
} | _LABELLED


def type_label(type_id: int) -> str | None:
    return (
        PRIMARY_CONTACT_LABEL
        if type_id in (PRIMARY_CONTACT_TYPE_ID, PRIMARY_CONTACT_REVERSE_TYPE_ID)
        else None
    )


def _default_type(from_type: str, to_type: str) -> int:
    type_id = ASSOCIATION_TYPES.get((from_type, to_type))
    if type_id is None:
        raise HubSpotError(400, f"{from_type} cannot be associated with {to_type} in this portal")
    return type_id


def v3_key(object_type: str) -> str:
    """The key of the v3 association map: the plural name, with a space in `line items`."""
    return object_type.replace("_", " ") if object_type == "line_items" else object_type


def v3_entries(from_type: str, to_type: str, links: list[Link]) -> list[dict[str, str]]:
    """Each associated id twice, as `a_to_b` and `a_to_b_unlabeled`, as HubSpot lists them."""
    name = f"{SINGULAR[from_type]}_to_{SINGULAR[to_type]}"
    ids = dict.fromkeys(str(link.to_id) for link in links)
    return [{"id": to_id, "type": kind} for to_id in ids for kind in (name, name + "_unlabeled")]


def _v4_targets(links: list[Link]) -> list[dict[str, Any]]:
    """v4 results: one entry per associated record; toObjectId is a JSON number, as HubSpot sends it."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for link in links:
        spec = {"category": link.category, "typeId": link.type_id, "label": link.label}
        grouped.setdefault(link.to_id, []).append(spec)
    return [{"toObjectId": to_id, "associationTypes": specs} for to_id, specs in grouped.items()]


class AssociationsApi:
    """Association reads and default/labelled writes in the v4 shapes."""

    def __init__(self, store: HubSpotStore, portal: Portal = DEFAULT) -> None:
        self.store, self.portal = store, portal

    def _exists(self, object_type: str, raw_id: str) -> int:
        record_id = numeric_id(raw_id)
        if record_id is None or not self.store.get_many(object_type, [record_id]):
            raise not_found(f"{SINGULAR[object_type]} {raw_id} does not exist", id=[raw_id])
        return record_id

    def list_links(self, object_type: str, object_id: str, to_type: str, request: Request) -> Response:
        """GET …/{t}/{id}/associations/{to}: up to 500 per page, paging only when more follow."""
        kind, target = resolve_type(object_type), resolve_type(to_type)
        args = QueryArgs(request)
        limit, offset = args.number("limit", V4_PAGE_MAX, V4_PAGE_MAX), args.cursor()
        record_id = numeric_id(object_id)
        links = self.store.links(kind, [record_id], target).get(record_id, []) if record_id else []
        targets = _v4_targets(links)
        body: dict[str, Any] = {"results": targets[offset : offset + limit]}
        if offset + limit < len(targets):
            after = str(offset + limit)
            body["paging"] = {
                "next": {"after": after, "link": str(request.url.include_query_params(after=after))}
            }
        return ok(body)

    def card_associations(self, object_type: str, object_id: str, to_type: str, request: Request) -> Response:
        """What HubSpot's front end gives an app card's `useAssociations({toObjectType, properties,
        pageLength})` for the record the card is on: `{results: [{toObjectId, associationTypes: [{category,
        typeId, label}], properties}], hasMore, nextOffset}` (@hubspot/ui-extensions 0.17.0,
        dist/shared.synced/types/hooks.synced.d.ts `AssociationsResponse`; the hook: developers.hubspot.com/
        docs/apps/developer-platform/add-features/ui-extensions/ui-extensions-sdk/hooks). HubSpot reads it
        for the viewer, not with the app's token, so it is served on the sandbox's control path, uncounted:
        a test plays the card with it."""
        kind, target = resolve_type(object_type), resolve_type(to_type)
        args = QueryArgs(request)
        length = args.number("pageLength", 10, V4_PAGE_MAX)
        start = args.number("offset", 0, 10**9, minimum=0)
        record_id = numeric_id(object_id)
        links = self.store.links(kind, [record_id], target).get(record_id, []) if record_id else []
        targets = _v4_targets(links)
        page = targets[start : start + length]
        records = self.store.get_many(target, [t["toObjectId"] for t in page])
        wanted = [name for name in (request.query_params.get("properties") or "").split(",") if name]
        results = [
            t | {"properties": {name: records[t["toObjectId"]].properties.get(name) for name in wanted}}
            for t in page
            if t["toObjectId"] in records
        ]
        more = start + length < len(targets)
        return ok({"results": results, "hasMore": more, "nextOffset": start + length if more else start})

    def batch_read(self, from_type: str, to_type: str, body: AssociationBatchRead) -> Response:
        """POST …/{from}/{to}/batch/read: each record's associations, `association_page` at a time, with
        `paging.next.after` on a result that has more (sent back as `{"id", "after"}`; "The 'paging' field
        will only be present if there are more pages", developers.hubspot.com/docs/api-reference/latest/
        crm/associations/associate-records/batch/get-associations). Ids with no associations are 207 errors
        NO_ASSOCIATIONS_FOUND."""
        started, kind, target = now_utc(), resolve_type(from_type), resolve_type(to_type)
        check_batch_size(len(body.inputs), V4_BATCH_MAX)
        wanted: dict[str, int] = {}
        for item in body.inputs:
            start = offset(item.after)
            if start is None:
                raise HubSpotError(400, f"Invalid paging cursor after={item.after!r}: use paging.next.after")
            wanted.setdefault(item.id.strip(), start)
        numeric = {key: numeric_id(key) for key in wanted}
        links = self.store.links(kind, [i for i in numeric.values() if i is not None], target)
        results, errors = [], []
        page = self.portal.association_page
        for key, start in wanted.items():
            targets = _v4_targets(links.get(numeric[key] or -1, []))
            if targets:
                row: dict[str, Any] = {"from": {"id": key}, "to": targets[start : start + page]}
                if start + page < len(targets):
                    row["paging"] = {"next": {"after": cursor(start + page)}}
                results.append(row)
                continue
            message = f"No {SINGULAR[target]} is associated with {SINGULAR[kind]} {key}."
            errors.append(
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                    "message": message,
                    "context": {
                        "fromObjectId": [key],
                        "fromObjectType": [SINGULAR[kind]],
                        "toObjectType": [SINGULAR[target]],
                    },
                    "errors": [],
                    "links": {},
                }
            )
        body_json: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body_json |= {"numErrors": len(errors), "errors": errors}
        body_json |= {"startedAt": instant(started), "completedAt": instant(now_utc())}
        return ok(body_json, 207 if errors else 200)

    def _associate_default(self, kind: str, from_raw: str, target: str, to_raw: str) -> list[dict[str, Any]]:
        from_id, to_id = self._exists(kind, from_raw), self._exists(target, to_raw)
        forward, backward = _default_type(kind, target), _default_type(target, kind)
        category = association_category(kind, target, forward)
        self.store.associate(
            (kind, from_id, target, to_id), (forward, category, None), (backward, category, None)
        )
        return [
            {
                "from": {"id": str(a)},
                "to": {"id": str(b)},
                "associationSpec": {"associationCategory": category, "associationTypeId": type_id},
            }
            for a, b, type_id in ((from_id, to_id, forward), (to_id, from_id, backward))
        ]

    def put_default(self, object_type: str, object_id: str, to_type: str, to_id: str) -> Response:
        """PUT …/{t}/{id}/associations/default/{to}/{toId}: the default association, both directions."""
        started = now_utc()
        results = self._associate_default(resolve_type(object_type), object_id, resolve_type(to_type), to_id)
        body = {"status": "COMPLETE", "results": results, "startedAt": instant(started)}
        return ok(body | {"completedAt": instant(now_utc())})

    def batch_default(self, from_type: str, to_type: str, body: AssociationBatchDefault) -> Response:
        """POST …/{from}/{to}/batch/associate/default: pairs that name a missing record are 207 errors."""
        started, kind, target = now_utc(), resolve_type(from_type), resolve_type(to_type)
        check_batch_size(len(body.inputs), V4_BATCH_MAX)
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for pair in body.inputs:
            try:
                results += self._associate_default(kind, pair.from_.id, target, pair.to.id)
            except HubSpotError as error:
                errors.append(error.body(str(uuid4())) | {"errors": [], "links": {}})
        body_json: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body_json |= {"numErrors": len(errors), "errors": errors}
        body_json |= {"startedAt": instant(started), "completedAt": instant(now_utc())}
        return ok(body_json, 207 if errors else 200)

    def put_labelled(
        self, object_type: str, object_id: str, to_type: str, to_id: str, body: list[AssociationSpec]
    ) -> Response:
        """PUT …/{t}/{id}/associations/{to}/{toId} with [{associationCategory, associationTypeId}]: 201."""
        kind, target = resolve_type(object_type), resolve_type(to_type)
        from_id, target_id = self._exists(kind, object_id), self._exists(target, to_id)
        labels = []
        for spec in body:
            found = TYPE_TARGETS.get((kind, spec.associationTypeId))
            if found is None or found[0] != target:
                raise HubSpotError(
                    400, f"associationTypeId {spec.associationTypeId} does not link {kind} to {target}"
                )
            category = association_category(kind, target, spec.associationTypeId)
            label = type_label(spec.associationTypeId)
            self.store.associate(
                (kind, from_id, target, target_id),
                (spec.associationTypeId, category, label),
                (found[1], category, type_label(found[1])),
            )
            if label:
                labels.append(label)
        return ok(
            {
                "fromObjectTypeId": OBJECT_TYPES[kind][0],
                "fromObjectId": from_id,
                "toObjectTypeId": OBJECT_TYPES[target][0],
                "toObjectId": target_id,
                "labels": labels,
            },
            201,
        )

    def delete_links(self, object_type: str, object_id: str, to_type: str, to_id: str) -> Response:
        """DELETE …/{t}/{id}/associations/{to}/{toId}: remove every association of the pair, 204."""
        kind, target = resolve_type(object_type), resolve_type(to_type)
        from_id, target_id = numeric_id(object_id), numeric_id(to_id)
        if from_id is not None and target_id is not None:
            self.store.unassociate(kind, from_id, target, target_id)
        return Response(status_code=204)

    def labels(self, from_type: str, to_type: str) -> Response:
        """GET …/{from}/{to}/labels: the association types between two object types, with this portal's
        label words and type ids (GET /crm/associations/2026-03/{from}/{to}/labels answers
        `{results: [{category, typeId, label}]}`; the label of an unlabeled type is null)."""
        kind, target = resolve_type(from_type), resolve_type(to_type)
        found = []
        for (a, type_id), (b, _) in TYPE_TARGETS.items():
            if a != kind or b != target:
                continue
            label = type_label(type_id)
            if label is not None:  # a labelled type: the portal's own words and id
                forward = type_id == PRIMARY_CONTACT_TYPE_ID
                type_id = self.portal.primary_contact_type_ids[0 if forward else 1]
                label = self.portal.primary_contact_label
            category = "USER_DEFINED" if label else association_category(kind, target, type_id)
            found.append({"category": category, "typeId": type_id, "label": label})
        return ok({"results": sorted(found, key=lambda spec: spec["typeId"])})
