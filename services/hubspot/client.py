"""HubSpot CRM client: reads the portfolio into typed records and writes corrections back, in batches.

Paths are HubSpot's date-versioned ones (`/crm/objects/2026-03/...`, `/crm/associations/2026-03/...`,
`/crm/owners/2026-03`, and `/crm/pipelines/2026-09`, the latest pipelines version): the v3 paths lose
support in Sept 2027 and the v4 associations API on 30 Mar 2027.

Requests: lists page at 100 (HubSpot's maximum), associations are read with batch reads of up to 1,000
ids, writes go in batches of 100. A moving-window budget keeps the client under the portal's burst limit
(`requests_per_10s`) and the search API's own per-second limit; 429s and 5xx are retried (services/http.py).
The incremental refresh is in `services/hubspot/refresh.py`; the portal's names in `names.py`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

import httpx

from services.crm import CrmClient, CrmField, DealSeen, IdSearch, WriteKind, WriteResult
from services.errors import RateLimitError, ServiceError
from services.http import ApiClient, RequestBudget
from services.hubspot import deal as one_deal
from services.hubspot import doctor, parse, refresh, snapshot
from services.hubspot.names import (
    LINE_ITEM_PROPERTIES,
    NOTE_PROPERTIES,
    PortalNames,
)
from services.hubspot.wire import SYSTEM, error_keys, next_after, read_body, results
from services.models import CrmSnapshot, Deal, LineItem, NewProjectRecord, Note, Owner, utcnow

OBJECTS = "/crm/objects/2026-03"
ASSOCIATIONS = "/crm/associations/2026-03"
PIPELINES = "/crm/pipelines/2026-09"  # GA 9 Sep 2026, the latest (changelog: "Pipelines API V1 Sunset")
OWNERS = "/crm/owners/2026-03"
PAGE_SIZE = 100
BATCH_SIZE = 100
ASSOCIATION_BATCH = 1000
SEARCH_PAGE = 200
SEARCH_CAP = 10_000
CHECKS_TTL_S = 600.0  # how long the portal checks a write depends on are trusted
SEARCH_LAG = timedelta(seconds=60)
"""How far before the last read a refresh looks again (search indexing lag and clock differences)."""

Links = dict[str, list[tuple[str, tuple[int, ...]]]]
"""For each `from` id: the associated ids with their association type ids (the portal's own labels are
resolved to type ids once, `association_types`)."""


class HubSpotClient(ApiClient, CrmClient):
    """One HubSpot portal. Thread-safe; reuse one instance (it holds the connection pool and rate budget)."""

    system = SYSTEM
    label = SYSTEM
    reads_deals_alone = True

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        names: PortalNames | None = None,
        requests_per_10s: int = 100,
        search_requests_per_s: int = 5,
        timeout: float = 30.0,
        max_retries: int = 5,
        policy_waits: Mapping[str, float] | None = None,
        transport: httpx.BaseTransport | None = None,
        change_lag: timedelta = SEARCH_LAG,
        daily_reserve: int = 100,
    ) -> None:
        # HubSpot sends no Retry-After; its policyName says which window was hit. Our own moving window
        # keeps us under the burst limit (each request's place held until 10 s after its answer, so never
        # freed before HubSpot counted it), so a TEN_SECONDLY_ROLLING 429 means another app spends the same
        # portal's limit: a second's wait, then the budget again, is enough (the Node SDK waits the whole
        # 10 s, which stalled a 10,000-deal load by 10 s per edge hit).
        super().__init__(
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            transport=transport,
            policy_waits={"TEN_SECONDLY_ROLLING": 1.0, "SECONDLY": 1.0, **(policy_waits or {})},
        )
        self.names = names or PortalNames()
        self.change_lag = change_lag
        self._budget = RequestBudget(requests_per_10s, 10, "hubspot")
        # Search's own limit is 5 requests a second per account (reference/hubspot-api.md 1.3; an older
        # changelog said 4). The full 5 is safe now that a request's place is held until its answer: a
        # refresh's 5 searches go in the same second (at 4 the fifth waited a second: 2.1 s -> 1.5-1.8 s).
        self._search_budget = RequestBudget(search_requests_per_s, 1, "hubspot-search")
        self._labels_lock = threading.Lock()
        self._daily_lock = threading.Lock()
        self._label_types: dict[tuple[str, str, str], tuple[int, ...]] = {}
        self._ticket_states: dict[str, bool] | None = None
        self._token = token
        self.daily_reserve = daily_reserve
        self._checks: tuple[float, list[doctor.Check]] | None = None
        self.association_turn = 0
        """Where the refresh's check of unchanged deals' associations goes on (refresh.py, `_in_turn`)."""
        self.daily: tuple[int, int | None] | None = None
        """(requests left today, the daily limit) as HubSpot last reported them; None when it did not."""

    # -- transport ---------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: Any = None,
        json: Any = None,
        search: bool = False,
        allow_multi_status: bool = False,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """One HubSpot call under the rate budgets and the retry policy; its JSON body. A call that must
        not run twice (a create) passes `idempotent=False`: it is not retried once it may have landed."""

        def once() -> dict[str, Any]:
            self._within_daily_limit(operation)
            with (
                self._search_budget.slot() if search else nullcontext(),
                self._budget.slot(),
            ):
                response = self._send(
                    operation, method, path, idempotent=idempotent, params=params, json=json
                )
            self._note_daily(response)
            return read_body(response, operation, allow_multi_status)

        return self._with_retries(operation, once)

    @property
    def budget(self) -> RequestBudget:
        """The burst-limit budget every request goes through (the full read paces its batch reads by it)."""
        return self._budget

    def _within_daily_limit(self, operation: str) -> None:
        """Stop before the day's quota is gone (HubSpot refuses everything past it until midnight in the
        portal's time zone, and then the dashboard could not even write a correction): `daily_reserve`
        requests are left unspent."""
        if self.daily is not None and self.daily[0] <= self.daily_reserve:
            left, limit = self.daily
            raise RateLimitError(
                SYSTEM,
                operation,
                f"only {left:,} of the portal's {limit or 0:,} daily API requests are left, so Throughline "
                "stops reading until the limit resets at midnight (the portal's time zone)",
                policy="DAILY",
                retryable=False,
            )

    def _note_daily(self, response: httpx.Response) -> None:
        """Keep the daily limit HubSpot reports (`X-HubSpot-RateLimit-Daily` and `-Daily-Remaining`, on
        every answer but search's; OAuth apps have no daily limit and get neither header)."""
        remaining = response.headers.get("x-hubspot-ratelimit-daily-remaining")
        if remaining is None or not remaining.strip().isdigit():
            return
        daily = response.headers.get("x-hubspot-ratelimit-daily", "")
        left = int(remaining)
        with self._daily_lock:
            # answers to parallel requests arrive out of order: keep the lowest count, unless it jumped
            # far up (the daily window reset at midnight)
            if self.daily is None or left < self.daily[0] or left > self.daily[0] + 100:
                self.daily = (left, int(daily) if daily.strip().isdigit() else None)

    # -- generic reads -------------------------------------------------------------------------------

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
            body = self.request("GET", f"{OBJECTS}/{object_type}", f"list {object_type}", params=params)
            yield from results(body, f"list {object_type}")
            after = next_after(body)
            if not after:
                return

    def read_objects(
        self, object_type: str, ids: Sequence[str], properties: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Records by id through batch reads of 100; ids HubSpot does not know are left out."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(list(dict.fromkeys(ids)), BATCH_SIZE):
            body = self.request(
                "POST",
                f"{OBJECTS}/{object_type}/batch/read",
                f"read {object_type}",
                json={"inputs": [{"id": i} for i in chunk], "properties": list(properties)},
                allow_multi_status=True,
            )
            for record in results(body, f"read {object_type}"):
                found[str(record["id"])] = record
        return found

    def read_associations(self, from_type: str, to_type: str, ids: Sequence[str]) -> Links:
        """For each `from` id: the associated `to` ids with their type ids, batch-read 1,000 ids at a time.

        HubSpot pages each record's associations on its own: a result with more carries
        `paging.next.after`, sent back as `{"id", "after"}` until no page follows (POST
        /crm/associations/2026-03/{from}/{to}/batch/read, "The 'after' field in a returned paging object
        can be added alongside the 'id' to retrieve the next page of associations from that objectId")."""
        out: Links = {}
        operation = f"read {from_type}->{to_type} associations"
        pending: list[dict[str, str]] = [{"id": i} for i in dict.fromkeys(ids)]
        while pending:
            following: list[dict[str, str]] = []
            for chunk in chunks(pending, ASSOCIATION_BATCH):
                body = self.request(
                    "POST",
                    f"{ASSOCIATIONS}/{from_type}/{to_type}/batch/read",
                    operation,
                    json={"inputs": chunk},
                    allow_multi_status=True,
                )
                for row in results(body, operation):
                    source = str(row["from"]["id"])
                    targets = out.setdefault(source, [])
                    for target in row.get("to") or []:
                        types = tuple(
                            int(t["typeId"])
                            for t in target.get("associationTypes") or []
                            if str(t.get("typeId", "")).isdigit()
                        )
                        targets.append((str(target["toObjectId"]), types))
                    after = next_after(row)
                    if after:
                        following.append({"id": source, "after": after})
            pending = following
        return out

    def association_types(
        self, from_type: str, to_type: str, label: str, *, refresh: bool = False
    ) -> tuple[int, ...]:
        """The type ids of the portal's association label `label` (any case) from one type to another,
        read once through the labels API (GET /crm/associations/2026-03/{from}/{to}/labels): labels are the
        portal's own words, and HubSpot tells integrations to work with type ids."""
        key = (from_type, to_type, label.strip().lower())
        with self._labels_lock:
            if key not in self._label_types or refresh:
                operation = f"read {from_type}->{to_type} association labels"
                body = self.request("GET", f"{ASSOCIATIONS}/{from_type}/{to_type}/labels", operation)
                rows = body.get("results")
                rows = rows if isinstance(rows, list) else []
                self._label_types[key] = tuple(
                    int(r["typeId"])
                    for r in rows
                    if isinstance(r, dict) and str(r.get("label") or "").strip().lower() == key[2]
                )
            return self._label_types[key]

    def ticket_states(self, *, refresh: bool = False) -> dict[str, bool]:
        """Ticket stage id -> open, from the ticket pipelines' `metadata.ticketState` (OPEN/CLOSED): stage
        ids are per pipeline, so only the pipelines API says which ones close a ticket."""
        with self._labels_lock:
            if self._ticket_states is None or refresh:
                body = self.request("GET", f"{PIPELINES}/tickets", "list ticket pipelines")
                self._ticket_states = parse.ticket_states(results(body, "list ticket pipelines"))
            return self._ticket_states

    def token_scopes(self) -> list[str]:
        """The scopes HubSpot granted this token (`POST /oauth/v2/private-apps/get/access-token-info`
        with `{"tokenKey": token}`, developers.hubspot.com/docs/api/private-apps)."""
        body = self.request(
            "POST",
            "/oauth/v2/private-apps/get/access-token-info",
            "read the token's scopes",
            json={"tokenKey": self._token},
        )
        scopes = body.get("scopes")
        return [str(s) for s in scopes] if isinstance(scopes, list) else []

    def portal_semantics(self, *, refresh: bool = False) -> parse.Semantics:
        """What the portal means by primary contact and open ticket: read again on a full read (two
        requests), kept by an incremental refresh."""
        n = self.names
        types = self.association_types("deals", "contacts", n.primary_contact_label, refresh=refresh)
        return parse.Semantics(
            primary_contact_types=frozenset(types), ticket_open=self.ticket_states(refresh=refresh)
        )

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
            body = self.request(
                "POST", f"{OBJECTS}/{object_type}/search", f"search {object_type}", json=payload, search=True
            )
            yield from results(body, f"search {object_type}")
            following = next_after(body)
            if not following or int(following) >= SEARCH_CAP:
                return
            after = following

    def fetch_owners(self) -> list[Owner]:
        """Every active owner (the date-versioned owners path)."""
        owners: list[Owner] = []
        after: str | None = None
        while True:
            params: dict[str, Any] = {"limit": PAGE_SIZE}
            if after:
                params["after"] = after
            body = self.request("GET", OWNERS, "list owners", params=params)
            owners.extend(parse.owner(row) for row in results(body, "list owners"))
            after = next_after(body)
            if not after:
                return owners

    def fetch_stages(self) -> dict[str, tuple[str, bool, bool]]:
        """Deal stage id -> (label, is_closed, is_won) across the portal's deal pipelines."""
        body = self.request("GET", f"{PIPELINES}/deals", "list deal pipelines")
        return parse.deal_stages(results(body, "list deal pipelines"))

    # -- the snapshot ---------------------------------------------------------------------------------

    def fetch_snapshot(self, *, now: Callable[[], datetime] = utcnow) -> CrmSnapshot:
        """Every deal with its associations and project records, and the companies, contacts and tickets
        the deals are associated with, read by id (services/hubspot/snapshot.py). Line items and notes are
        counted through associations here and read in full only for one deal (`fetch_deal_details`)."""
        return snapshot.read_snapshot(self, now)

    def fetch_changes(
        self, previous: CrmSnapshot, since: datetime, *, now: Callable[[], datetime] = utcnow
    ) -> CrmSnapshot | None:
        """`previous` brought up to date with what changed since `since` (services/hubspot/refresh.py)."""
        return refresh.changes(self, previous, since, now)

    # -- one deal -------------------------------------------------------------------------------------

    def fetch_deal_snapshot(
        self,
        crm_deal_id: str,
        *,
        sharing: Callable[[str | None], IdSearch | None] | None = None,
        seen: DealSeen | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> CrmSnapshot:
        """One deal with its records and the deals sharing its ID, in a handful of requests (deal.py)."""
        return one_deal.fetch_deal_snapshot(self, OBJECTS, crm_deal_id, sharing, now, seen)

    def fetch_deal_details(self, deal: Deal) -> tuple[list[LineItem], list[Note]]:
        """One deal's line items and notes, for the project page (two batch reads)."""
        notes = self.read_objects("notes", deal.note_ids, NOTE_PROPERTIES)
        return self.fetch_line_items(deal.line_item_ids), [parse.note(r) for r in notes.values()]

    def fetch_line_items(self, ids: Sequence[str]) -> list[LineItem]:
        """Line items by id (batch reads); ids HubSpot does not know are left out."""
        return [
            parse.line_item(r) for r in self.read_objects("line_items", ids, LINE_ITEM_PROPERTIES).values()
        ]

    # -- the domain fields corrections write ------------------------------------------------------------

    def read_field(self, name: CrmField, ids: Sequence[str]) -> dict[str, str | None]:
        """The current value of one field on some records ("" reads as None); unknown records left out."""
        object_type, prop = self.names.field(name)
        found = self.read_objects(object_type, ids, [prop])
        return {i: ((r.get("properties") or {}).get(prop) or None) for i, r in found.items()}

    def write_field(self, name: CrmField, values: Mapping[str, str | None]) -> WriteResult:
        """Write one field on many records, 100 per batch; per-record outcomes, never raised."""
        object_type, prop = self.names.field(name)
        return self._update(object_type, {i: {prop: v} for i, v in values.items()}, prop)

    def _update(
        self, object_type: str, updates: Mapping[str, Mapping[str, str | None]], prop: str
    ) -> WriteResult:
        """Batch updates. A whole batch that fails (after retries) marks each of its records failed, or
        unknown when HubSpot may have applied it (no answer in time); the other batches still apply."""
        result = WriteResult()
        start = self.requests
        for chunk in chunks(list(updates.items()), BATCH_SIZE):
            inputs = [
                {"id": record_id, "properties": {k: ("" if v is None else v) for k, v in props.items()}}
                for record_id, props in chunk
            ]
            keys = [record_id for record_id, _ in chunk]
            try:
                body = self.request(
                    "POST",
                    f"{OBJECTS}/{object_type}/batch/update",
                    f"update {object_type}",
                    json={"inputs": inputs},
                    allow_multi_status=True,
                )
            except ServiceError as error:
                if error.status == 409 and len(inputs) > 1:
                    # a unique-value conflict refuses the whole batch and names only the first one
                    # (batch updates have no multi-status): each record on its own, so the others land
                    singles = [self._update(object_type, {k: p}, prop) for k, p in chunk]
                    for single in singles:
                        result.written.update(single.written)
                        result.failed.update(single.failed)
                        result.unknown.update(single.unknown)
                    continue
                target = result.unknown if _may_have_landed(error) else result.failed
                target.update(dict.fromkeys(keys, str(error)))
                continue
            for record in body.get("results") or []:
                written = dict(record.get("properties") or {})
                result.written[str(record["id"])] = {"value": written.get(prop), **written}
            for problem in body.get("errors") or []:
                message = str(problem.get("message") or "rejected")
                for key in error_keys(problem, keys):
                    result.failed[key] = message
        return WriteResult(
            written=result.written,
            failed=result.failed,
            unknown=result.unknown,
            requests=self.requests - start,
        )

    # -- the portal's set-up, before writing -------------------------------------------------------------

    def write_refusal(self, kind: WriteKind) -> str | None:
        """Why this kind of write is refused now: the portal checks it depends on (services/hubspot/
        doctor.py; `python -m dashboard doctor` prints them all) that fail, with what to do. The checks
        are read again at most every 10 minutes; one that cannot be read refuses nothing (the write
        itself then says what HubSpot answers)."""
        with self._labels_lock:
            fresh = self._checks is not None and time.monotonic() - self._checks[0] < CHECKS_TTL_S
        if not fresh:
            try:
                found = doctor.check_portal(self)
            except ServiceError:
                return None
            with self._labels_lock:
                self._checks = (time.monotonic(), found)
        assert self._checks is not None
        failing = [c for c in self._checks[1] if not c.ok and kind in c.needed_by]
        if not failing:
            return None
        what = "corrections to deals' project IDs" if kind == "corrections" else "creating project records"
        reasons = "; ".join(f"{c.item}: {c.detail}" for c in failing)
        return f"HubSpot is not set up for {what}, so nothing was written. {reasons}."

    # -- project records ---------------------------------------------------------------------------------

    def project_records_of(self, deal_ids: Sequence[str]) -> dict[str, list[str]]:
        """The project records associated with each deal (deals with none left out)."""
        links = self.read_associations("deals", self.names.project_object_type, deal_ids)
        return {deal: [target for target, _ in targets] for deal, targets in links.items() if targets}

    def create_project_records(self, records: Sequence[NewProjectRecord]) -> WriteResult:
        """Create project records, 100 per batch, each then associated with its deal (default association).

        Each input carries its deal id as `objectWriteTraceId`, which HubSpot echoes, so results (in any
        order) pair with their inputs; `written` maps deal id -> {"id": new record id}, `failed` deal id ->
        message.
        """
        object_type = self.names.project_object_type
        result = WriteResult()
        start = self.requests
        for chunk in chunks(list(records), BATCH_SIZE):
            keys = [r.crm_deal_id for r in chunk]
            inputs = [
                {"properties": self._record_properties(r), "objectWriteTraceId": r.crm_deal_id} for r in chunk
            ]
            try:
                body = self.request(
                    "POST",
                    f"{OBJECTS}/{object_type}/batch/create",
                    f"create {object_type}",
                    json={"inputs": inputs},
                    allow_multi_status=True,
                    idempotent=False,
                )
            except ServiceError as error:
                target = result.unknown if _may_have_landed(error) else result.failed
                target.update(dict.fromkeys(keys, str(error)))
                continue
            created = {str(r.get("objectWriteTraceId")): str(r["id"]) for r in body.get("results") or []}
            for problem in body.get("errors") or []:
                for key in error_keys(problem, keys):
                    result.failed[key] = str(problem.get("message") or "rejected")
            for key in keys:
                if key in created:
                    result.written[key] = {"id": created[key]}
                elif key not in result.failed:
                    result.failed[key] = "HubSpot did not confirm the new record"
            links = [{"from": {"id": created[key]}, "to": {"id": key}} for key in keys if key in created]
            if links:
                self._associate_created(object_type, links, created, result)
        return WriteResult(
            written=result.written,
            failed=result.failed,
            unknown=result.unknown,
            requests=self.requests - start,
        )

    def _associate_created(
        self,
        object_type: str,
        links: list[dict[str, dict[str, str]]],
        created: Mapping[str, str],
        result: WriteResult,
    ) -> None:
        """Associate new records with their deals; a link HubSpot refused (or could not confirm) stays on
        the record's outcome as `association_error` and is logged: the record exists, unlinked."""
        operation = f"associate {object_type} with deals"
        deal_of = {record: deal for deal, record in created.items()}
        try:
            body = self.request(
                "POST",
                f"{ASSOCIATIONS}/{object_type}/deals/batch/associate/default",
                operation,
                json={"inputs": links},
                allow_multi_status=True,
            )
        except ServiceError as error:
            problems = {record: str(error) for record in deal_of}
        else:
            problems = {}
            for problem in body.get("errors") or []:
                message = str(problem.get("message") or "refused")
                named = error_keys(problem, list(deal_of) + list(created))
                for key in named:
                    problems[key if key in deal_of else created.get(key, key)] = message
        for record, message in problems.items():
            deal = deal_of.get(record)
            if deal is None:
                continue
            result.written[deal] = {"id": record, "association_error": message}
            self._log.warning(
                "hubspot.association_failed",
                system=SYSTEM,
                operation=operation,
                record_id=record,
                deal_id=deal,
                error=message,
            )

    def archive_project_records(self, record_ids: Sequence[str]) -> WriteResult:
        """Archive project records, 100 per batch (HubSpot answers 204 and names no record)."""
        object_type = self.names.project_object_type
        result = WriteResult()
        start = self.requests
        for chunk in chunks(list(record_ids), BATCH_SIZE):
            try:
                self.request(
                    "POST",
                    f"{OBJECTS}/{object_type}/batch/archive",
                    f"archive {object_type}",
                    json={"inputs": [{"id": i} for i in chunk]},
                )
            except ServiceError as error:
                target = result.unknown if _may_have_landed(error) else result.failed
                target.update(dict.fromkeys(chunk, str(error)))
                continue
            result.written.update({i: {"id": i} for i in chunk})
        return WriteResult(
            written=result.written,
            failed=result.failed,
            unknown=result.unknown,
            requests=self.requests - start,
        )

    def _record_properties(self, record: NewProjectRecord) -> dict[str, str]:
        """The record's domain fields under the portal's property names (empty ones left out: HubSpot
        drops them, and an empty value would only clear what a default set)."""
        n = self.names
        values = {
            n.record_name_property: record.name,
            n.record_project_id_property: record.project_id,
            n.record_status_property: record.status,
            n.record_contract_value_property: str(record.contract_value)
            if record.contract_value is not None
            else None,
            n.record_currency_property: record.currency,
            n.record_scope_property: record.scope,
            n.record_proposal_version_property: record.proposal_version,
            n.record_primary_contact_property: record.primary_contact,
            n.record_pricing_summary_property: record.pricing_summary,
        }
        return {k: v for k, v in values.items() if v}


def _may_have_landed(error: ServiceError) -> bool:
    """True when HubSpot may have applied a write it did not confirm: no answer came back in time, or the
    connection dropped after sending. (A 5xx or a refusal is an answer: nothing was written.)"""
    return error.outcome_unknown


def chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    """`items` in consecutive lists of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
