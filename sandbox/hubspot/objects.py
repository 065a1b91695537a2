"""CRM objects: list, read, create, update and archive, the batch endpoints and search, for every object type.

ObjectsApi serves `/crm/v3/objects/{t}` and `/crm/objects/2026-03/{t}` (and the v3 per-record association
list). HubSpot's quirks a client must cope with live here: batch results out of input order, a 207 when
some inputs fail (missing ids, or the ids the fault settings name in batch_fail_ids) while the rest are
applied, upserts that say which records are `new`, and search paged by offset up to 10,000 results. See
/work/shared/reference/hubspot-api.md, sections 1.2 to 1.4.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import uuid4

from fastapi import Request
from starlette.responses import Response

from sandbox.crm_schema import CUSTOM_OBJECT, SINGULAR, UNIQUE_PROPERTIES, association_category
from sandbox.faults import Faults
from sandbox.hubspot.associations import TYPE_TARGETS, V4_PAGE_MAX, type_label, v3_entries, v3_key
from sandbox.hubspot.bodies import (
    AssociationInput,
    BatchArchive,
    BatchCreate,
    BatchRead,
    BatchUpdate,
    CreateInput,
    PropertiesBody,
    SearchBody,
    check_batch_size,
)
from sandbox.hubspot.errors import HubSpotError, not_found, ok
from sandbox.hubspot.instants import instant, now_utc
from sandbox.hubspot.params import QueryArgs, association_targets, check_id_property, numeric_id, resolve_type
from sandbox.hubspot.portal import DEFAULT, Portal
from sandbox.hubspot.ratelimit import HubSpotLimits
from sandbox.hubspot.records import record_json
from sandbox.hubspot.search import Filter, SearchError, Sort
from sandbox.hubspot.store import HubSpotStore, Record
from sandbox.hubspot.validation import derived, validate_write

SEARCH_LIMIT_MAX = 200
RECORD_ID_PROPERTY = "erp_project_id"  # the project object's ERP project ID (sandbox/crm_schema.py)
SEARCH_RESULTS_CAP = 10_000


class ObjectsApi:
    """`/crm/v3/objects/{t}` and `/crm/objects/2026-03/{t}`: list, read, write, batch, search."""

    def __init__(
        self, store: HubSpotStore, faults: Faults, limits: HubSpotLimits, seed: int, portal: Portal = DEFAULT
    ) -> None:
        self.store, self.faults, self.limits, self.portal = store, faults, limits, portal
        self._rng = random.Random(seed)

    def _unique_conflicts(
        self, kind: str, writes: list[tuple[int | None, dict[str, str | None]]]
    ) -> dict[int, HubSpotError]:
        """On a portal that enforces unique project IDs on its project object: for each write (by index)
        that would give a value another record holds, or an earlier input of the same request, HubSpot's
        409 CONFLICT naming the value and the record that has it ("… already exists. Existing ID: …",
        HubSpot/hubspot-api-python#51; errors[].in names the property)."""
        if not self.portal.unique_record_ids or kind != CUSTOM_OBJECT:
            return {}
        name = RECORD_ID_PROPERTY
        shown = self.portal.renamed.get(kind, {}).get(name, name)
        values = [v for _, props in writes if (v := props.get(name))]
        held = self.store.find_many(kind, name, values)
        seen: dict[str, int | None] = {}
        conflicts: dict[int, HubSpotError] = {}
        for index, (record_id, props) in enumerate(writes):
            value = props.get(name)
            if not value:
                continue
            other = held.get(value)
            if other is not None and other.id != record_id:
                existing = str(other.id)
            elif value in seen and seen[value] != record_id:
                existing = "another input of this request"
            else:
                seen[value] = record_id
                continue
            message = f"A {SINGULAR[kind]} with {shown} {value} already exists. Existing ID: {existing}"
            conflicts[index] = HubSpotError(
                409,
                message,
                "CONFLICT",
                context={"propertyName": [shown], "value": [value]},
                errors=[{"message": message, "in": shown}],
            )
        return conflicts

    def _check_unique(self, kind: str, writes: list[tuple[int | None, dict[str, str | None]]]) -> None:
        """The whole request refused over its first unique-value conflict (HubSpot fails a batch that has
        not opted into multi-status, naming the first conflict only: hubspot-api-python#51)."""
        conflicts = self._unique_conflicts(kind, writes)
        if conflicts:
            raise conflicts[min(conflicts)]

    # -- helpers ------------------------------------------------------------------------------------

    def _lookup(self, object_type: str, raw_id: str, id_property: str | None, archived: bool) -> Record:
        prop = check_id_property(object_type, id_property)
        if prop:
            found = self.store.find_many(object_type, prop, [raw_id], archived).get(raw_id)
        else:
            record_id = numeric_id(raw_id)
            if record_id is None:
                raise not_found("Object not found. objectId are usually numeric.", id=[raw_id])
            found = self.store.get_many(object_type, [record_id], archived).get(record_id)
        if found is None:
            raise not_found(id=[raw_id])
        return found

    def _find(self, kind: str, raw: str, prop: str | None) -> Record | None:
        try:
            return self._lookup(kind, raw, prop, False)
        except HubSpotError:
            return None

    def _v3_associations(
        self, object_type: str, records: list[Record], targets: list[str]
    ) -> dict[int, dict[str, Any]]:
        maps: dict[int, dict[str, Any]] = {record.id: {} for record in records}
        for target in targets:
            links = self.store.links(object_type, maps, target)
            for record_id, found in links.items():
                entries = v3_entries(object_type, target, found)
                maps[record_id][v3_key(target)] = {"results": entries}
        return maps

    def _batch(
        self,
        started: datetime,
        results: list[dict[str, Any]],
        errors: list[dict[str, Any]],
        status: int = 200,
    ) -> Response:
        if self.limits.shuffle_batches and len(results) > 1:
            shuffled = results[:]
            self._rng.shuffle(shuffled)
            if shuffled == results:  # the point is that clients never rely on input order
                shuffled = shuffled[1:] + shuffled[:1]
            results = shuffled
        body: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body |= {"numErrors": len(errors), "errors": errors}
        body |= {"startedAt": instant(started), "completedAt": instant(now_utc())}
        return ok(body, 207 if errors else status)

    def _failing(self, ids: Iterable[str | None]) -> bool:
        fail = set(self.faults.settings.batch_fail_ids)
        return bool(fail) and any(value in fail for value in ids if value)

    def _link_specs(
        self, object_type: str, inputs: list[AssociationInput] | None
    ) -> list[tuple[str, int, int, int, str]]:
        """(to type, to id, type id, reverse type id, category) for each association of a create."""
        specs = []
        for item in inputs or []:
            to_id = numeric_id(item.to.id)
            for kind in item.types:
                target = TYPE_TARGETS.get((object_type, kind.associationTypeId))
                if target is None:
                    raise HubSpotError(
                        400, f"associationTypeId {kind.associationTypeId} does not start at {object_type}"
                    )
                to_type, reverse = target
                if to_id is None or not self.store.get_many(to_type, [to_id]):
                    raise HubSpotError(
                        400, f"Cannot associate with {to_type} {item.to.id}: it does not exist"
                    )
                category = association_category(object_type, to_type, kind.associationTypeId)
                specs.append((to_type, to_id, kind.associationTypeId, reverse, category))
        return specs

    def _create(self, object_type: str, values: dict[str, str | None], specs: list[Any]) -> Record:
        record = self.store.create(object_type, values, now_utc())
        for to_type, to_id, type_id, reverse, category in specs:
            self.store.associate(
                (object_type, record.id, to_type, to_id),
                (type_id, category, type_label(type_id)),
                (reverse, category, type_label(reverse)),
            )
        return record

    @staticmethod
    def _error(category: str, message: str, ids: list[str]) -> dict[str, Any]:
        return {
            "status": "error",
            "category": category,
            "message": message,
            "context": {"ids": ids},
            "errors": [],
            "links": {},
        }

    def _missing(self, object_type: str, ids: list[str]) -> dict[str, Any]:
        kind = SINGULAR[object_type].upper()
        message = (
            f"Could not get some {kind} objects, they may be deleted or not exist. Check that ids are valid."
        )
        return self._error("OBJECT_NOT_FOUND", message, ids)

    def _injected(self, object_type: str, raw_id: str, verb: str) -> dict[str, Any]:
        message = (
            f"{SINGULAR[object_type].upper()} {raw_id} could not be {verb}; the other inputs were applied."
        )
        error = self._error("VALIDATION_ERROR", message, [raw_id])
        return error | {"subCategory": "sandbox.BATCH_FAIL_ID"}

    # -- single-record endpoints --------------------------------------------------------------------

    def list_objects(self, object_type: str, request: Request) -> Response:
        """GET /{t}: a page in id order; paging.next.after is the last id + 1."""
        kind = resolve_type(object_type)
        args = QueryArgs(request)
        history = args.names("propertiesWithHistory")
        limit = args.number("limit", 10, 50 if history else 100)
        targets = association_targets(args)
        records, more = self.store.page(kind, args.cursor(), limit, args.flag("archived"))
        maps = self._v3_associations(kind, records, targets) if targets else {}
        properties = args.names("properties")
        body: dict[str, Any] = {
            "results": [
                record_json(kind, r, properties, history=history, associations=maps.get(r.id))
                for r in records
            ]
        }
        if more and records:
            after = str(records[-1].id + 1)
            link = str(request.url.include_query_params(after=after))
            body["paging"] = {"next": {"after": after, "link": link}}
        return ok(body)

    def read_object(self, object_type: str, object_id: str, request: Request) -> Response:
        """GET /{t}/{id}, by record id or by a unique property (`idProperty`)."""
        kind = resolve_type(object_type)
        args = QueryArgs(request)
        record = self._lookup(kind, object_id, args.text("idProperty"), args.flag("archived"))
        targets = association_targets(args)
        maps = self._v3_associations(kind, [record], targets) if targets else {}
        history = args.names("propertiesWithHistory")
        body = record_json(
            kind, record, args.names("properties"), history=history, associations=maps.get(record.id)
        )
        return ok(body)

    def create_object(self, object_type: str, body: CreateInput) -> Response:
        """POST /{t}: 201 with the new record."""
        kind = resolve_type(object_type)
        values = validate_write(kind, body.properties, creating=True)
        self._check_unique(kind, [(None, values)])
        record = self._create(kind, values, self._link_specs(kind, body.associations))
        return ok(record_json(kind, record, full=True), 201)

    def update_object(
        self, object_type: str, object_id: str, body: PropertiesBody, request: Request
    ) -> Response:
        """PATCH /{t}/{id}: "" clears a value; unknown or read-only properties are a 400."""
        kind = resolve_type(object_type)
        if not body.properties:
            raise HubSpotError(
                400,
                "No properties found to update, please provide at least one.",
                context={"properties": ["{}"]},
            )
        changes = validate_write(kind, body.properties)
        record = self._lookup(kind, object_id, QueryArgs(request).text("idProperty"), False)
        self._check_unique(kind, [(record.id, changes)])
        updated = self.store.update(kind, record.id, changes, now_utc())
        if updated is None:
            raise not_found(id=[object_id])
        return ok(record_json(kind, updated, full=True))

    def archive_object(self, object_type: str, object_id: str) -> Response:
        """DELETE /{t}/{id}: archive; 204 even when there is nothing to archive."""
        kind = resolve_type(object_type)
        record_id = numeric_id(object_id)
        if record_id is not None:
            self.store.archive(kind, [record_id], now_utc())
        return Response(status_code=204)

    # -- batch endpoints ----------------------------------------------------------------------------

    def batch_read(self, object_type: str, body: BatchRead, request: Request) -> Response:
        """POST /{t}/batch/read: by id or idProperty; missing ids make a 207 with OBJECT_NOT_FOUND."""
        started, kind = now_utc(), resolve_type(object_type)
        check_batch_size(len(body.inputs))
        archived = QueryArgs(request).flag("archived")
        prop = check_id_property(kind, body.idProperty)
        keys = list(dict.fromkeys(item.id.strip() for item in body.inputs))
        if prop:
            found = self.store.find_many(kind, prop, keys, archived)
        else:
            numeric = {key: numeric_id(key) for key in keys}
            records = self.store.get_many(kind, [i for i in numeric.values() if i is not None], archived)
            found = {key: records[i] for key, i in numeric.items() if i is not None and i in records}
        history = body.propertiesWithHistory or []
        results = [
            record_json(kind, found[key], body.properties, history=history) for key in keys if key in found
        ]
        missing = [key for key in keys if key not in found]
        return self._batch(started, results, [self._missing(kind, missing)] if missing else [])

    def batch_create(self, object_type: str, body: BatchCreate) -> Response:
        """POST /{t}/batch/create: 201, or 207 when batch_fail_ids names an input."""
        started, kind = now_utc(), resolve_type(object_type)
        check_batch_size(len(body.inputs))
        checked = [
            (
                item,
                validate_write(kind, item.properties, creating=True),
                self._link_specs(kind, item.associations),
            )
            for item in body.inputs
        ]
        # With every input tagged by an objectWriteTraceId, a batch create answers 207 with the inputs that
        # failed and creates the others ("To do so, include a unique objectWriteTraceId value for each
        # input", developers.hubspot.com/docs/api-reference/error-handling, Multi-status errors); untagged,
        # one conflict refuses the whole batch.
        writes: list[tuple[int | None, dict[str, str | None]]] = [(None, v) for _, v, _ in checked]
        traced = all(item.objectWriteTraceId for item, _, _ in checked)
        conflicts = self._unique_conflicts(kind, writes) if traced else {}
        if not traced:
            self._check_unique(kind, writes)
        results, errors = [], []
        for index, (item, values, specs) in enumerate(checked):
            if index in conflicts:
                trace = str(item.objectWriteTraceId)
                error = conflicts[index].body(str(uuid4()))
                errors.append(error | {"context": error.get("context", {}) | {"objectWriteTraceId": [trace]}})
                continue
            # A create has no record id yet: it is named by its trace id or a unique property's value.
            names = [item.objectWriteTraceId, *(values.get(p) for p in UNIQUE_PROPERTIES.get(kind, ()))]
            if self._failing(names):
                errors.append(self._injected(kind, next(n for n in names if n), "created"))
                continue
            result = record_json(kind, self._create(kind, values, specs), full=True)
            if item.objectWriteTraceId:  # echoed, so a client can pair results with its inputs
                result["objectWriteTraceId"] = item.objectWriteTraceId
            results.append(result)
        return self._batch(started, results, errors, 201)

    def _update_many(self, kind: str, body: BatchUpdate, upsert: bool) -> tuple[list[Any], list[Any]]:
        # Every input is checked before anything is written: one bad input is a 400 for the whole batch.
        checked = [
            (
                item,
                validate_write(kind, item.properties, creating=upsert),
                check_id_property(kind, item.idProperty),
            )
            for item in body.inputs
        ]
        if self.portal.unique_record_ids and kind == CUSTOM_OBJECT:
            found = [(self._find(kind, item.id.strip(), prop), changes) for item, changes, prop in checked]
            self._check_unique(kind, [(r.id if r else None, changes) for r, changes in found])
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for item, changes, prop in checked:
            raw = item.id.strip()
            try:
                record: Record | None = self._lookup(kind, raw, prop, False)
            except HubSpotError:
                record = None
            if self._failing([raw, str(record.id) if record else None]):
                errors.append(self._injected(kind, raw, "upserted" if upsert else "updated"))
            elif record is not None:
                updated = self.store.update(kind, record.id, changes, now_utc())
                if updated is not None:
                    results.append(record_json(kind, updated, full=True) | ({"new": False} if upsert else {}))
            elif upsert and prop:
                created = self.store.create(kind, derived(kind, changes | {prop: raw}, True), now_utc())
                results.append(record_json(kind, created, full=True) | {"new": True})
            else:
                errors.append(self._missing(kind, [raw]))
        return results, errors

    def batch_update(self, object_type: str, body: BatchUpdate) -> Response:
        """POST /{t}/batch/update: 200, or 207 for missing ids and batch_fail_ids (the rest applied)."""
        started, kind = now_utc(), resolve_type(object_type)
        check_batch_size(len(body.inputs))
        results, errors = self._update_many(kind, body, upsert=False)
        return self._batch(started, results, errors)

    def batch_upsert(self, object_type: str, body: BatchUpdate) -> Response:
        """POST /{t}/batch/upsert: update by idProperty, or create with it; results carry `new`."""
        started, kind = now_utc(), resolve_type(object_type)
        check_batch_size(len(body.inputs))
        results, errors = self._update_many(kind, body, upsert=True)
        return self._batch(started, results, errors)

    def batch_archive(self, object_type: str, body: BatchArchive) -> Response:
        """POST /{t}/batch/archive: 204."""
        kind = resolve_type(object_type)
        check_batch_size(len(body.inputs))
        ids = [i for i in (numeric_id(item.id) for item in body.inputs) if i is not None]
        self.store.archive(kind, ids, now_utc())
        return Response(status_code=204)

    # -- search -------------------------------------------------------------------------------------

    def _filters(self, body: SearchBody) -> list[list[Filter]]:
        groups = body.filterGroups or []
        total = sum(len(group.filters) for group in groups)
        limits = self.limits
        if len(groups) > limits.filter_groups:
            raise HubSpotError(400, f"Too many filter groups: {len(groups)} (at most {limits.filter_groups})")
        if any(len(group.filters) > limits.filters_per_group for group in groups):
            raise HubSpotError(400, f"Too many filters in a group (at most {limits.filters_per_group})")
        if total > limits.filters_total:
            raise HubSpotError(
                400, f"Too many filters: {total} (at most {limits.filters_total} in all groups)"
            )
        return [
            [
                Filter(f.propertyName, f.operator, f.value, f.highValue, tuple(f.values or ()))
                for f in group.filters
            ]
            for group in groups
        ]

    @staticmethod
    def _sorts(body: SearchBody) -> list[Sort]:
        sorts = []
        for sort in body.sorts or []:
            if isinstance(sort, str):
                sorts.append(Sort(sort.lstrip("-"), sort.startswith("-")))
            else:
                sorts.append(Sort(sort.propertyName, sort.direction == "DESCENDING"))
        return sorts

    def search(self, object_type: str, body: SearchBody) -> Response:
        """POST /{t}/search: filter groups, sorts, query; offset paging capped at 10,000 results."""
        kind = resolve_type(object_type)
        limit = 10 if body.limit is None else body.limit
        if not 0 <= limit <= SEARCH_LIMIT_MAX:
            raise HubSpotError(400, f"limit must be between 0 and {SEARCH_LIMIT_MAX}; got {limit}")
        after_text = (body.after or "0").strip() or "0"
        if not after_text.isdigit():
            raise HubSpotError(400, f"Invalid paging cursor after={after_text!r}: use paging.next.after")
        after = int(after_text)
        if after >= SEARCH_RESULTS_CAP:
            raise HubSpotError(
                400,
                f"Search can page through at most {SEARCH_RESULTS_CAP} results (after={after}); "
                "narrow the filters, e.g. by hs_lastmodifieddate, and search again.",
                context={"after": [after_text]},
            )
        try:
            found = self.store.search(kind, self._filters(body), self._sorts(body), body.query)
        except SearchError as error:
            raise HubSpotError(400, str(error)) from error
        end = min(after + limit, SEARCH_RESULTS_CAP)
        properties = body.properties or None
        result: dict[str, Any] = {
            "total": len(found),
            "results": [record_json(kind, r, properties) for r in found[after:end]],
        }
        if end < len(found):
            result["paging"] = {"next": {"after": str(end)}}
        return ok(result)

    def v3_associations(self, object_type: str, object_id: str, to_type: str, request: Request) -> Response:
        """GET /crm/v3/objects/{t}/{id}/associations/{to}: the v3 shape, [{id, type}]."""
        kind, target = resolve_type(object_type), resolve_type(to_type)
        args = QueryArgs(request)
        limit = args.number("limit", V4_PAGE_MAX, V4_PAGE_MAX)
        record_id = numeric_id(object_id)
        links = self.store.links(kind, [record_id], target).get(record_id, []) if record_id else []
        entries = [e for e in v3_entries(kind, target, links) if int(e["id"]) >= args.cursor()]
        body: dict[str, Any] = {"results": entries[: limit * 2]}
        if len(entries) > limit * 2:
            after = entries[limit * 2]["id"]
            body["paging"] = {
                "next": {"after": after, "link": str(request.url.include_query_params(after=after))}
            }
        return ok(body)
