"""HubSpot CRM client: reads the portfolio into typed records and writes corrections back, in batches.

Paths are HubSpot's date-versioned 2026-03 family (`/crm/objects/2026-03/...`,
`/crm/associations/2026-03/...`): the v3 object paths lose support in Sept 2027 and the v4 associations API
on 30 Mar 2027. Owners and pipelines have no dated path in our reference, so they stay on v3.

Requests: lists page at 100 (HubSpot's maximum), associations are read with batch reads of up to 1,000
ids, writes go in batches of 100. A moving-window budget keeps the client under the portal's burst limit
(`requests_per_10s`) and the search API's own per-second limit; 429s and 5xx are retried (services/http.py).

Incremental refresh (`fetch_snapshot_since`): after a full read, only what changed is read.
- Changes: one search per object type of the snapshot (deals, project records, companies, contacts,
  tickets), no filter, newest `hs_lastmodifieddate` first, 200 per page, until a record older than the
  last read less `change_lag` (the search index trails writes by a few seconds, and clocks differ). One
  request per type when fewer than 200 changed; past the 10,000-result cap it gives up (a full read).
- Associations: making or removing an association recalculates both records' association counts
  (num_associated_contacts, num_notes, hs_num_of_associated_line_items...), which moves their
  `hs_lastmodifieddate`; so a deal whose associations changed is among the changed deals, and the
  associations of every changed deal are read again (one batch read per association type).
- Deletions: search never returns archived records and archiving does not move `hs_lastmodifieddate`,
  so each search's `total` (the type's live records) is checked against the previous read plus the new
  records. When it is short, the type's archived list names the deleted ones; when that still does not
  add up, a full read. Links to deleted companies, contacts, tickets and project records are dropped.
- Owners and deal stages are read again only when a changed deal names one the previous read lacks.
What this cannot see (an association change a portal does not count, say) lasts until the next full read,
which the caller schedules (dashboard/usecases.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import httpx

from services.errors import (
    AuthError,
    BadResponseError,
    NotFoundError,
    RateLimitError,
    RejectedError,
    ServiceError,
    UnavailableError,
)
from services.http import RequestBudget, build_client, parse_retry_after, retrying, transport_error
from services.models import (
    Company,
    Contact,
    CrmDealId,
    CrmProjectRecord,
    CrmRecordId,
    CrmSnapshot,
    Deal,
    LineItem,
    Note,
    Owner,
    Ticket,
    TicketKind,
)

SYSTEM = "HubSpot"
OBJECTS = "/crm/objects/2026-03"
ASSOCIATIONS = "/crm/associations/2026-03"
PAGE_SIZE = 100
BATCH_SIZE = 100
ASSOCIATION_BATCH = 1000
SEARCH_PAGE = 200
SEARCH_CAP = 10_000
PRIMARY_LABEL = "primary contact"

DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "dealstage",
    "pipeline",
    "closedate",
    "createdate",
    "hs_lastmodifieddate",
    "hubspot_owner_id",
    "deal_currency_code",
)
PROJECT_PROPERTIES = (
    "project_name",
    "project_status",
    "percent_complete",
    "milestones_total",
    "milestones_done",
    "next_milestone",
    "next_milestone_date",
    "hs_lastmodifieddate",
)
DEAL_ASSOCIATIONS = ("companies", "contacts", "line_items", "tickets", "notes")
COMPANY_PROPERTIES = ("name", "domain")
CONTACT_PROPERTIES = ("firstname", "lastname", "email", "jobtitle")
TICKET_PROPERTIES = ("subject", "ticket_kind", "hs_pipeline_stage", "createdate", "closed_date")
MODIFIED_PROPERTY = {"contacts": "lastmodifieddate"}  # every other type calls it hs_lastmodifieddate
SNAPSHOT_THREADS = 12  # requests in flight at once; the rate budget, not this, sets the pace
SEARCH_LAG = timedelta(seconds=60)
"""How far before the last read a refresh looks again (search indexing lag and clock differences)."""

R = TypeVar("R")


@dataclass(frozen=True)
class PropertyNames:
    """The portal's names for the properties Throughline reads; every portal names them differently."""

    project_id: str = "erp_project_id"
    estimated_margin: str = "estimated_margin_at_close"
    scope: str = "scope_summary"
    proposal_version: str = "signed_proposal_version"
    project_object_type: str = "p_projects"
    project_record_id: str = "erp_project_id"


@dataclass(frozen=True)
class WriteResult:
    """Outcome of a batch write: the ids written and, per failed id, HubSpot's message."""

    written: dict[str, dict[str, str | None]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    requests: int = 0


class HubSpotClient:
    """One HubSpot portal. Thread-safe; reuse one instance (it holds the connection pool and rate budget)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        names: PropertyNames | None = None,
        requests_per_10s: int = 100,
        search_requests_per_s: int = 4,
        timeout: float = 30.0,
        max_retries: int = 5,
        policy_waits: Mapping[str, float] | None = None,
        transport: httpx.BaseTransport | None = None,
        change_lag: timedelta = SEARCH_LAG,
    ) -> None:
        self.names = names or PropertyNames()
        self._change_lag = change_lag
        self._base_url = base_url.rstrip("/")
        self._http = build_client(
            self._base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )
        self._budget = RequestBudget(requests_per_10s, 10, "hubspot")
        self._search_budget = RequestBudget(search_requests_per_s, 1, "hubspot-search")
        # HubSpot sends no Retry-After; its policyName says which window was hit. Our own moving window
        # already keeps us under the burst limit, so a TEN_SECONDLY_ROLLING 429 means HubSpot counted a
        # request a moment later than we did: a second's wait, then the budget again, is enough (the Node
        # SDK waits the whole 10 s, which stalled a 10,000-deal load by 10 s per edge hit).
        waits = {"TEN_SECONDLY_ROLLING": 1.0, "SECONDLY": 1.0}
        waits.update(policy_waits or {})
        self._policy_waits = waits
        self._max_retries = max_retries
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubSpotClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------------

    def _policy_wait(self, error: ServiceError) -> float | None:
        policy = getattr(error, "policy", None)
        return self._policy_waits.get(policy) if isinstance(policy, str) else None

    def _request(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: Any = None,
        json: Any = None,
        search: bool = False,
        allow_multi_status: bool = False,
    ) -> Any:
        def once() -> Any:
            (self._search_budget if search else self._budget).acquire()
            if search:
                self._budget.acquire()
            self.requests += 1
            try:
                response = self._http.request(method, path, params=params, json=json)
            except httpx.TransportError as error:
                raise transport_error(SYSTEM, operation, error, self._base_url) from None
            return _read(response, operation, allow_multi_status)

        return retrying(self._max_retries, self._policy_wait)(once)

    # -- reads ---------------------------------------------------------------------------------------

    def list_objects(
        self, object_type: str, properties: Sequence[str], *, archived: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every record of `object_type` (or every archived one), following `paging.next.after`, 100 each."""
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE_SIZE, "properties": ",".join(properties)}
            if archived:
                params["archived"] = "true"
            if after:
                params["after"] = after
            body = self._request("GET", f"{OBJECTS}/{object_type}", f"list {object_type}", params=params)
            yield from _results(body, f"list {object_type}")
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return

    def read_objects(
        self, object_type: str, ids: Sequence[str], properties: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Records by id through batch reads of 100; ids HubSpot does not know are left out."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), BATCH_SIZE):
            body = self._request(
                "POST",
                f"{OBJECTS}/{object_type}/batch/read",
                f"read {object_type}",
                json={"inputs": [{"id": i} for i in chunk], "properties": list(properties)},
                allow_multi_status=True,
            )
            for record in _results(body, f"read {object_type}"):
                found[str(record["id"])] = record
        return found

    def read_associations(
        self, from_type: str, to_type: str, ids: Sequence[str]
    ) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        """For each `from` id: the associated `to` ids with their labels, batch-read 1,000 ids at a time."""
        out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for chunk in _chunks(list(ids), ASSOCIATION_BATCH):
            operation = f"read {from_type}->{to_type} associations"
            body = self._request(
                "POST",
                f"{ASSOCIATIONS}/{from_type}/{to_type}/batch/read",
                operation,
                json={"inputs": [{"id": i} for i in chunk]},
                allow_multi_status=True,
            )
            for row in _results(body, operation):
                source = str(row["from"]["id"])
                targets = out.setdefault(source, [])
                for target in row.get("to") or []:
                    labels = tuple(
                        str(t.get("label") or "").lower() for t in target.get("associationTypes") or []
                    )
                    targets.append((str(target["toObjectId"]), labels))
        return out

    def search(
        self, object_type: str, filters: list[dict[str, Any]], properties: Sequence[str]
    ) -> Iterator[dict[str, Any]]:
        """Records matching one AND-group of filters, 200 per request, within the 10,000-result cap."""
        after = "0"
        while True:
            payload = {
                "filterGroups": [{"filters": filters}],
                "properties": list(properties),
                "limit": SEARCH_PAGE,
                "after": after,
                "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
            }
            body = self._request(
                "POST", f"{OBJECTS}/{object_type}/search", f"search {object_type}", json=payload, search=True
            )
            yield from _results(body, f"search {object_type}")
            next_after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not next_after or int(next_after) >= SEARCH_CAP:
                return
            after = str(next_after)

    def fetch_owners(self) -> list[Owner]:
        """Every active owner (the v3 path, with the trailing slash HubSpot's SDK uses)."""
        owners: list[Owner] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE_SIZE}
            if after:
                params["after"] = after
            body = self._request("GET", "/crm/v3/owners/", "list owners", params=params)
            for row in _results(body, "list owners"):
                name = " ".join(p for p in (row.get("firstName"), row.get("lastName")) if p) or row.get(
                    "email"
                )
                teams = row.get("teams") or []
                owners.append(
                    Owner(
                        owner_id=str(row["id"]),
                        email=str(row.get("email") or ""),
                        name=str(name or row["id"]),
                        team=teams[0].get("name") if teams else None,
                    )
                )
            after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not after:
                return owners

    def fetch_stages(self) -> dict[str, tuple[str, bool, bool]]:
        """Deal stage id -> (label, is_closed, is_won) across the portal's deal pipelines."""
        body = self._request("GET", "/crm/v3/pipelines/deals", "list deal pipelines")
        stages: dict[str, tuple[str, bool, bool]] = {}
        for pipeline in _results(body, "list deal pipelines"):
            for stage in pipeline.get("stages") or []:
                meta = stage.get("metadata") or {}
                closed = str(meta.get("isClosed", "false")).lower() == "true"
                probability = _decimal(meta.get("probability"))
                won = closed and probability is not None and probability >= 1
                stages[str(stage["id"])] = (str(stage.get("label") or stage["id"]), closed, won)
        return stages

    def fetch_snapshot(self, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> CrmSnapshot:
        """The whole portfolio: deals with their associations, project records, companies, contacts,
        tickets and owners. Line items and notes are counted through associations here and read in full
        only for one deal (`fetch_deal_details`)."""
        start_requests = self.requests
        n = self.names
        links = (*DEAL_ASSOCIATIONS, n.project_object_type)
        project_props = self._project_properties()
        with ThreadPoolExecutor(max_workers=SNAPSHOT_THREADS) as pool:
            projects_f = pool.submit(lambda: list(self.list_objects(n.project_object_type, project_props)))
            companies_f = pool.submit(lambda: list(self.list_objects("companies", COMPANY_PROPERTIES)))
            contacts_f = pool.submit(lambda: list(self.list_objects("contacts", CONTACT_PROPERTIES)))
            tickets_f = pool.submit(lambda: list(self.list_objects("tickets", TICKET_PROPERTIES)))
            owners_f = pool.submit(self.fetch_owners)
            stages_f = pool.submit(self.fetch_stages)
            # Deals are listed here, and each 1,000 deals' associations are read while the listing goes
            # on: the association reads need the deal ids, so they would otherwise all queue at the end.
            raw_deals: list[dict[str, Any]] = []
            chunks: list[dict[str, Future[dict[str, list[tuple[str, tuple[str, ...]]]]]]] = []
            for raw in self.list_objects("deals", self._deal_properties()):
                raw_deals.append(raw)
                if len(raw_deals) % ASSOCIATION_BATCH == 0:
                    chunks.append(self._submit_associations(pool, links, raw_deals[-ASSOCIATION_BATCH:]))
            if len(raw_deals) % ASSOCIATION_BATCH:
                rest = raw_deals[len(raw_deals) - len(raw_deals) % ASSOCIATION_BATCH :]
                chunks.append(self._submit_associations(pool, links, rest))
            associations: dict[str, dict[str, list[tuple[str, tuple[str, ...]]]]] = {to: {} for to in links}
            for chunk in chunks:
                for to, future in chunk.items():
                    associations[to].update(future.result())
            stages = stages_f.result()
            deals = tuple(
                _deal(raw, n, stages, {to: a.get(str(raw["id"]), []) for to, a in associations.items()})
                for raw in raw_deals
            )
            project_deals: dict[str, list[CrmDealId]] = {}
            for deal_id, targets in associations[n.project_object_type].items():
                for target, _labels in targets:
                    project_deals.setdefault(target, []).append(CrmDealId(deal_id))
            return CrmSnapshot(
                deals=deals,
                projects=tuple(
                    _project(p, n, project_deals.get(str(p["id"]), [])) for p in projects_f.result()
                ),
                companies=tuple(_company(c) for c in companies_f.result()),
                contacts=tuple(_contact(c) for c in contacts_f.result()),
                tickets=tuple(_ticket(t) for t in tickets_f.result()),
                owners=tuple(owners_f.result()),
                read_at=now(),
                requests=self.requests - start_requests,
            )

    def _submit_associations(
        self, pool: ThreadPoolExecutor, links: Sequence[str], deals: Sequence[dict[str, Any]]
    ) -> dict[str, Future[dict[str, list[tuple[str, tuple[str, ...]]]]]]:
        ids = [str(d["id"]) for d in deals]
        return {to: pool.submit(self.read_associations, "deals", to, ids) for to in links}

    def _deal_properties(self) -> tuple[str, ...]:
        n = self.names
        return (*DEAL_PROPERTIES, n.project_id, n.estimated_margin, n.scope, n.proposal_version)

    def _project_properties(self) -> tuple[str, ...]:
        return (*PROJECT_PROPERTIES, self.names.project_record_id)

    # -- incremental refresh (see the module docstring) ----------------------------------------------

    def fetch_snapshot_since(
        self,
        previous: CrmSnapshot,
        since: datetime,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> CrmSnapshot | None:
        """`previous` brought up to date with what changed since `since` (when the read that made it began);
        None when only a full read can (more changes than search can page, unexplained deletions)."""
        start_requests = self.requests
        n = self.names
        cutoff = since - self._change_lag
        kinds = {
            "deals": self._deal_properties(),
            n.project_object_type: self._project_properties(),
            "companies": COMPANY_PROPERTIES,
            "contacts": CONTACT_PROPERTIES,
            "tickets": TICKET_PROPERTIES,
        }
        links = (*DEAL_ASSOCIATIONS, n.project_object_type)
        with ThreadPoolExecutor(max_workers=len(kinds) + len(links)) as pool:
            searches = {
                kind: pool.submit(self._modified, kind, props, cutoff) for kind, props in kinds.items()
            }
            deals = searches["deals"].result()
            changed_deals = sorted(deals.ids) if deals else []
            # the associations of changed deals are read while the other searches wait for the search limit
            reads = {to: pool.submit(self.read_associations, "deals", to, changed_deals) for to in links}
            changes = {kind: future.result() for kind, future in searches.items()}
            associations = {to: future.result() for to, future in reads.items()}
        removed: dict[str, set[str]] = {}
        for kind, found in changes.items():
            gone = self._removed(kind, _previous_ids(previous, kind, n), found) if found else None
            if gone is None:
                return None
            removed[kind] = gone
        updated = {kind: found.records for kind, found in changes.items() if found}
        return self._updated_snapshot(previous, updated, associations, removed, now, start_requests)

    def _modified(self, object_type: str, properties: Sequence[str], cutoff: datetime) -> _Modified | None:
        """The type's records modified at or after `cutoff`, newest first, and its live record count;
        None when they are more than search can page through."""
        stamp = MODIFIED_PROPERTY.get(object_type, "hs_lastmodifieddate")
        found: list[dict[str, Any]] = []
        after = 0
        while True:
            payload = {
                "properties": [*properties, stamp],
                "limit": SEARCH_PAGE,
                "after": str(after),
                "sorts": [{"propertyName": stamp, "direction": "DESCENDING"}],
            }
            operation = f"search {object_type}"
            body = self._request(
                "POST", f"{OBJECTS}/{object_type}/search", operation, json=payload, search=True
            )
            total = int(body.get("total") or 0)
            for row in _results(body, operation):
                if not _modified_since(row, stamp, cutoff):
                    return _Modified(found, total)
                found.append(row)
            next_after = ((body.get("paging") or {}).get("next") or {}).get("after")
            if not next_after:
                return _Modified(found, total)
            if int(next_after) >= SEARCH_CAP:
                return None
            after = int(next_after)

    def _removed(self, object_type: str, previous_ids: set[str], found: _Modified) -> set[str] | None:
        """Which of `previous_ids` were archived since; None when the live count cannot be explained."""
        expected = len(previous_ids | found.ids)
        if found.total == expected:
            return set()
        if found.total > expected:  # live records neither read before nor changed (a restore, say)
            return None
        archived = {str(r["id"]) for r in self.list_objects(object_type, ("hs_object_id",), archived=True)}
        gone = archived & (previous_ids - found.ids)
        return gone if expected - len(gone) == found.total else None

    def _updated_snapshot(
        self,
        previous: CrmSnapshot,
        updated: Mapping[str, list[dict[str, Any]]],
        associations: Mapping[str, dict[str, list[tuple[str, tuple[str, ...]]]]],
        removed: Mapping[str, set[str]],
        now: Callable[[], datetime],
        start_requests: int,
    ) -> CrmSnapshot:
        """The previous snapshot with the changed records parsed in and the removed ones dropped."""
        n = self.names
        stages = {
            d.stage: (d.stage_label or d.stage, d.is_closed, d.is_won) for d in previous.deals if d.stage
        }
        named = {_text((r.get("properties") or {}).get("dealstage")) for r in updated["deals"]}
        if any(stage and stage not in stages for stage in named):  # a stage no deal had before
            stages = self.fetch_stages()
        fresh = {
            str(r["id"]): _deal(r, n, stages, {to: a.get(str(r["id"]), []) for to, a in associations.items()})
            for r in updated["deals"]
        }
        owners = previous.owners
        known = {o.owner_id for o in owners}
        if any(d.owner_id and d.owner_id not in known for d in fresh.values()):
            owners = tuple(self.fetch_owners())
        deals = tuple(
            _without_links(d, removed, n)
            for d in _merge(previous.deals, lambda d: d.crm_deal_id, fresh, removed["deals"])
        )
        ptype = n.project_object_type
        projects = _merge(
            previous.projects,
            lambda p: p.project_record_id,
            {str(r["id"]): _project(r, n, []) for r in updated[ptype]},
            removed[ptype],
        )
        return CrmSnapshot(
            deals=deals,
            projects=_with_deal_ids(projects, deals),
            companies=_merge(
                previous.companies,
                lambda c: c.company_id,
                {str(r["id"]): _company(r) for r in updated["companies"]},
                removed["companies"],
            ),
            contacts=_merge(
                previous.contacts,
                lambda c: c.contact_id,
                {str(r["id"]): _contact(r) for r in updated["contacts"]},
                removed["contacts"],
            ),
            tickets=_merge(
                previous.tickets,
                lambda t: t.ticket_id,
                {str(r["id"]): _ticket(r) for r in updated["tickets"]},
                removed["tickets"],
            ),
            line_items=previous.line_items,
            notes=previous.notes,
            owners=owners,
            read_at=now(),
            requests=self.requests - start_requests,
        )

    def fetch_deal_details(self, deal: Deal) -> tuple[list[LineItem], list[Note]]:
        """One deal's line items and notes, for the project page (two batch reads)."""
        items = self.read_objects("line_items", deal.line_item_ids, ("name", "quantity", "price", "amount"))
        notes = self.read_objects("notes", deal.note_ids, ("hs_note_body", "hs_timestamp"))
        return [_line_item(r) for r in items.values()], [_note(r) for r in notes.values()]

    def read_values(
        self, object_type: str, ids: Sequence[str], properties: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Current property values of some records (for the conflict check right before a write)."""
        return {
            i: r.get("properties") or {} for i, r in self.read_objects(object_type, ids, properties).items()
        }

    # -- writes --------------------------------------------------------------------------------------

    def update_objects(
        self, object_type: str, updates: Mapping[str, Mapping[str, str | None]]
    ) -> WriteResult:
        """Write property values, 100 records per batch; per-record failures are reported, not raised.

        A whole batch that fails (after retries) marks each of its records failed with the error's message,
        and the other batches still apply.
        """
        result = WriteResult()
        start = self.requests
        for chunk in _chunks(list(updates.items()), BATCH_SIZE):
            inputs = [
                {"id": record_id, "properties": {k: ("" if v is None else v) for k, v in props.items()}}
                for record_id, props in chunk
            ]
            try:
                body = self._request(
                    "POST",
                    f"{OBJECTS}/{object_type}/batch/update",
                    f"update {object_type}",
                    json={"inputs": inputs},
                    allow_multi_status=True,
                )
            except ServiceError as error:
                for record_id, _ in chunk:
                    result.failed[record_id] = str(error)
                continue
            for record in body.get("results") or []:
                result.written[str(record["id"])] = dict(record.get("properties") or {})
            for problem in body.get("errors") or []:
                message = str(problem.get("message") or "rejected")
                for failed_id in _error_ids(problem, [record_id for record_id, _ in chunk]):
                    result.failed[failed_id] = message
        return WriteResult(written=result.written, failed=result.failed, requests=self.requests - start)

    def create_objects(
        self, object_type: str, records: Sequence[tuple[str, Mapping[str, str], str | None]]
    ) -> WriteResult:
        """Create records, 100 per batch: (caller's key, properties, deal id to associate or None).

        Each input carries the caller's key as `objectWriteTraceId`, which HubSpot echoes, so results (in any
        order) pair with their inputs; `written` maps key -> new record id, `failed` key -> message. The new
        records are then associated with their deals by default associations, in batches.
        """
        result = WriteResult()
        start = self.requests
        for chunk in _chunks(list(records), BATCH_SIZE):
            inputs = [
                {
                    "properties": {k: v for k, v in props.items() if v not in (None, "")},
                    "objectWriteTraceId": key,
                }
                for key, props, _ in chunk
            ]
            keys = [key for key, _, _ in chunk]
            try:
                body = self._request(
                    "POST",
                    f"{OBJECTS}/{object_type}/batch/create",
                    f"create {object_type}",
                    json={"inputs": inputs},
                    allow_multi_status=True,
                )
            except ServiceError as error:
                result.failed.update(dict.fromkeys(keys, str(error)))
                continue
            created = {str(r.get("objectWriteTraceId")): str(r["id"]) for r in body.get("results") or []}
            for problem in body.get("errors") or []:
                for key in _error_ids(problem, keys):
                    result.failed[key] = str(problem.get("message") or "rejected")
            for key in keys:
                if key in created:
                    result.written[key] = {"id": created[key]}
                elif key not in result.failed:
                    result.failed[key] = "HubSpot did not confirm the new record"
            links = [
                {"from": {"id": created[key]}, "to": {"id": deal_id}}
                for key, _, deal_id in chunk
                if deal_id and key in created
            ]
            if links:
                self._request(
                    "POST",
                    f"{ASSOCIATIONS}/{object_type}/deals/batch/associate/default",
                    f"associate {object_type} with deals",
                    json={"inputs": links},
                    allow_multi_status=True,
                )
        return WriteResult(written=result.written, failed=result.failed, requests=self.requests - start)


# -- wire → records ---------------------------------------------------------------------------------


def _read(response: httpx.Response, operation: str, allow_multi_status: bool) -> Any:
    """The JSON body of a successful response, or the project's error for this status."""
    request_id = response.headers.get("x-hubspot-correlation-id")
    if response.status_code < 300 and (response.status_code != 207 or allow_multi_status):
        if response.status_code == 204:
            return {}
        try:
            body = response.json()
        except ValueError:
            raise BadResponseError(
                SYSTEM,
                operation,
                "the answer was not valid JSON",
                status=response.status_code,
                request_id=request_id,
            ) from None
        if not isinstance(body, dict):
            raise BadResponseError(
                SYSTEM, operation, "the answer was not a JSON object", request_id=request_id
            )
        return body
    raise _error(response, operation, request_id)


def _error(response: httpx.Response, operation: str, request_id: str | None) -> ServiceError:
    """One place that maps a HubSpot status to the project's error, with what to check."""
    status = response.status_code
    try:
        body = response.json()
        message = str(body.get("message") or "") if isinstance(body, dict) else ""
    except ValueError:
        body, message = {}, ""
    message = _redact(message)[:300]
    if status == 401:
        return AuthError(
            SYSTEM,
            operation,
            "HubSpot rejected the token: check the HubSpot token setting",
            status=status,
            request_id=request_id,
        )
    if status == 403:
        return AuthError(
            SYSTEM,
            operation,
            f"the token lacks a scope for this call: {message or 'forbidden'}",
            status=status,
            request_id=request_id,
        )
    if status == 404:
        return NotFoundError(SYSTEM, operation, message or "not found", status=status, request_id=request_id)
    if status == 429:
        error = RateLimitError(
            SYSTEM, operation, message or "rate limit reached", status=status, request_id=request_id
        )
        error.retry_after = parse_retry_after(response)  # type: ignore[attr-defined]
        error.policy = body.get("policyName") if isinstance(body, dict) else None  # type: ignore[attr-defined]
        # the daily limit resets at midnight: waiting inside a page load would not help
        error.retryable = error.policy != "DAILY"  # type: ignore[attr-defined]
        return error
    if status >= 500:
        error_5xx = UnavailableError(
            SYSTEM,
            operation,
            message or "HubSpot had an internal error",
            status=status,
            request_id=request_id,
        )
        error_5xx.retry_after = parse_retry_after(response)  # type: ignore[attr-defined]
        return error_5xx
    return RejectedError(
        SYSTEM, operation, message or "the request was refused", status=status, request_id=request_id
    )


def _redact(text: str) -> str:
    return re.sub(r"(pat-[a-z0-9-]+|Bearer\s+\S+)", "[redacted]", text, flags=re.IGNORECASE)


def _results(body: dict[str, Any], operation: str) -> Iterator[dict[str, Any]]:
    results = body.get("results")
    if not isinstance(results, list):
        raise BadResponseError(SYSTEM, operation, "the answer has no 'results' list")
    for row in results:
        if not isinstance(row, dict) or ("id" not in row and "from" not in row):
            raise BadResponseError(SYSTEM, operation, "a result has no id")
        yield row


def _error_ids(problem: Mapping[str, Any], chunk_ids: list[str]) -> list[str]:
    context = problem.get("context") or {}
    ids = context.get("ids") or context.get("id") or []
    if isinstance(ids, str):
        ids = [ids]
    found = [str(i) for i in ids if str(i) in chunk_ids]
    return found or chunk_ids


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- incremental refresh helpers ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Modified:
    """One object type's records modified since a moment, and how many live records the type has."""

    records: list[dict[str, Any]]
    total: int

    @property
    def ids(self) -> set[str]:
        return {str(r["id"]) for r in self.records}


def _modified_since(row: Mapping[str, Any], stamp: str, cutoff: datetime) -> bool:
    try:
        when = _datetime((row.get("properties") or {}).get(stamp))
    except ValueError:
        return True  # an unreadable stamp: read the record again rather than miss a change
    return when is None or when >= cutoff


def _previous_ids(previous: CrmSnapshot, kind: str, n: PropertyNames) -> set[str]:
    if kind == "deals":
        return {d.crm_deal_id for d in previous.deals}
    if kind == n.project_object_type:
        return {p.project_record_id for p in previous.projects}
    if kind == "companies":
        return {c.company_id for c in previous.companies}
    if kind == "contacts":
        return {c.contact_id for c in previous.contacts}
    return {t.ticket_id for t in previous.tickets}


def _merge(
    previous: Sequence[R], key: Callable[[R], str], changed: Mapping[str, R], removed: set[str]
) -> tuple[R, ...]:
    """`previous` with changed records replaced or added and removed ones left out, in id order (as lists
    return them)."""
    merged = {key(r): r for r in previous if key(r) not in removed}
    merged.update(changed)
    return tuple(sorted(merged.values(), key=lambda r: int(key(r))))


def _without_links(deal: Deal, removed: Mapping[str, set[str]], n: PropertyNames) -> Deal:
    """The deal without its links to records archived since the last read (a full read would not see them)."""
    fields = {
        "company_ids": "companies",
        "contact_ids": "contacts",
        "ticket_ids": "tickets",
        "project_record_ids": n.project_object_type,
    }
    update: dict[str, Any] = {}
    for name, kind in fields.items():
        ids: tuple[CrmRecordId, ...] = getattr(deal, name)
        kept = tuple(i for i in ids if i not in removed[kind])
        if kept != ids:
            update[name] = kept
    if deal.primary_contact_id in removed["contacts"]:
        update["primary_contact_id"] = None
    return deal.model_copy(update=update) if update else deal


def _with_deal_ids(
    projects: Sequence[CrmProjectRecord], deals: Sequence[Deal]
) -> tuple[CrmProjectRecord, ...]:
    """Each project record with the deals now associated with it."""
    deals_of: dict[str, list[CrmDealId]] = {}
    for deal in deals:
        for record_id in deal.project_record_ids:
            deals_of.setdefault(record_id, []).append(deal.crm_deal_id)
    out = []
    for project in projects:
        ids = tuple(deals_of.get(project.project_record_id, ()))
        same = sorted(ids) == sorted(project.deal_ids)
        out.append(project if same else project.model_copy(update={"deal_ids": ids}))
    return tuple(out)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _decimal(value: Any) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(str(value)) from None
    if not number.is_finite():
        raise ValueError(str(value))
    return number


def _datetime(value: Any) -> datetime | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _date(value: Any) -> date | None:
    parsed = _datetime(value)
    return parsed.date() if parsed else None


class _Reader:
    """Reads one record's properties, collecting what could not be read instead of failing the page."""

    def __init__(self, kind: str, record_id: str, props: Mapping[str, Any]) -> None:
        self.kind, self.record_id, self.props = kind, record_id, props
        self.problems: list[str] = []

    def number(self, name: str) -> Decimal | None:
        try:
            return _decimal(self.props.get(name))
        except ValueError:
            self.problems.append(
                f"{self.kind} {self.record_id}: {name} '{self.props.get(name)}' is not a number"
            )
            return None

    def when(self, name: str) -> datetime | None:
        try:
            return _datetime(self.props.get(name))
        except ValueError:
            self.problems.append(
                f"{self.kind} {self.record_id}: {name} '{self.props.get(name)}' is not a date"
            )
            return None

    def day(self, name: str) -> date | None:
        value = self.when(name)
        return value.date() if value else None

    def integer(self, name: str) -> int | None:
        number = self.number(name)
        return int(number) if number is not None else None


def _ids(targets: Iterable[tuple[str, tuple[str, ...]]]) -> tuple[CrmRecordId, ...]:
    return tuple(dict.fromkeys(CrmRecordId(t) for t, _ in targets))


def _deal(
    raw: dict[str, Any],
    n: PropertyNames,
    stages: Mapping[str, tuple[str, bool, bool]],
    assoc: Mapping[str, list[tuple[str, tuple[str, ...]]]],
) -> Deal:
    deal_id = str(raw["id"])
    props = raw.get("properties") or {}
    r = _Reader("deal", deal_id, props)
    stage = _text(props.get("dealstage"))
    label, closed, won = stages.get(stage or "", (stage, False, False))
    margin = r.number(n.estimated_margin)
    contacts = assoc.get("contacts", [])
    primary = next((c for c, labels in contacts if PRIMARY_LABEL in labels), None)
    return Deal(
        crm_deal_id=CrmDealId(deal_id),
        name=_text(props.get("dealname")),
        stage=stage,
        stage_label=label,
        pipeline=_text(props.get("pipeline")),
        is_closed=closed,
        is_won=won,
        amount=r.number("amount"),
        currency=(_text(props.get("deal_currency_code")) or None),
        close_date=r.day("closedate"),
        created_at=r.when("createdate"),
        updated_at=r.when("hs_lastmodifieddate"),
        owner_id=_text(props.get("hubspot_owner_id")),
        raw_project_id=props.get(n.project_id) if props.get(n.project_id) not in (None, "") else None,
        estimated_margin_pct=(margin / 100 if margin is not None else None),
        scope_summary=_text(props.get(n.scope)),
        proposal_version=_text(props.get(n.proposal_version)),
        company_ids=_ids(assoc.get("companies", [])),
        contact_ids=_ids(contacts),
        primary_contact_id=CrmRecordId(primary) if primary else None,
        line_item_ids=_ids(assoc.get("line_items", [])),
        ticket_ids=_ids(assoc.get("tickets", [])),
        note_ids=_ids(assoc.get("notes", [])),
        project_record_ids=_ids(assoc.get(n.project_object_type, [])),
        problems=tuple(r.problems),
    )


def _project(raw: dict[str, Any], n: PropertyNames, deal_ids: list[CrmDealId]) -> CrmProjectRecord:
    record_id = str(raw["id"])
    props = raw.get("properties") or {}
    r = _Reader("project record", record_id, props)
    percent = r.number("percent_complete")
    return CrmProjectRecord(
        project_record_id=CrmRecordId(record_id),
        name=_text(props.get("project_name")),
        raw_project_id=_text(props.get(n.project_record_id)),
        status=_text(props.get("project_status")),
        percent_complete=(percent / 100 if percent is not None else None),
        milestones_total=r.integer("milestones_total"),
        milestones_done=r.integer("milestones_done"),
        next_milestone=_text(props.get("next_milestone")),
        next_milestone_date=r.day("next_milestone_date"),
        updated_at=r.when("hs_lastmodifieddate"),
        deal_ids=tuple(deal_ids),
        problems=tuple(r.problems),
    )


def _company(raw: dict[str, Any]) -> Company:
    props = raw.get("properties") or {}
    return Company(
        company_id=CrmRecordId(str(raw["id"])),
        name=_text(props.get("name")),
        domain=_text(props.get("domain")),
    )


def _contact(raw: dict[str, Any]) -> Contact:
    props = raw.get("properties") or {}
    name = " ".join(p for p in (_text(props.get("firstname")), _text(props.get("lastname"))) if p)
    return Contact(
        contact_id=CrmRecordId(str(raw["id"])),
        name=name or str(props.get("email") or raw["id"]),
        email=_text(props.get("email")),
        job_title=_text(props.get("jobtitle")),
    )


TICKET_KINDS: dict[str, TicketKind] = {
    "presales": "presales",
    "incident": "incident",
    "change_request": "change_request",
}
CLOSED_TICKET_STAGES = frozenset({"4", "closed"})


def _ticket(raw: dict[str, Any]) -> Ticket:
    props = raw.get("properties") or {}
    r = _Reader("ticket", str(raw["id"]), props)
    stage = str(props.get("hs_pipeline_stage") or "").lower()
    return Ticket(
        ticket_id=CrmRecordId(str(raw["id"])),
        subject=_text(props.get("subject")),
        kind=TICKET_KINDS.get(str(props.get("ticket_kind") or "").lower(), "other"),
        is_open=stage not in CLOSED_TICKET_STAGES,
        created_at=r.when("createdate"),
        closed_at=r.when("closed_date"),
    )


def _line_item(raw: dict[str, Any]) -> LineItem:
    props = raw.get("properties") or {}
    r = _Reader("line item", str(raw["id"]), props)
    return LineItem(
        line_item_id=CrmRecordId(str(raw["id"])),
        name=_text(props.get("name")),
        quantity=r.number("quantity"),
        price=r.number("price"),
        amount=r.number("amount"),
        problems=tuple(r.problems),
    )


def _note(raw: dict[str, Any]) -> Note:
    props = raw.get("properties") or {}
    r = _Reader("note", str(raw["id"]), props)
    return Note(
        note_id=CrmRecordId(str(raw["id"])),
        body=_text(props.get("hs_note_body")),
        timestamp=r.when("hs_timestamp"),
    )


def new_batch_id() -> str:
    """A fresh id for one batch of corrections."""
    return uuid.uuid4().hex[:12]
