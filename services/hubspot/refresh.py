"""Incremental refresh: after a full read, only what changed is read (`changes`).

- Changes: one search per object type of the snapshot (deals, project records, companies, contacts,
  tickets), no filter, newest `hs_lastmodifieddate` first, 200 per page, until a record older than the
  last read less `change_lag` (the search index trails writes by a few seconds, and clocks differ). One
  request per type when fewer than 200 changed; past the 10,000-result cap it gives up (a full read).
- Associations: the associations of every changed deal are read again (one batch read per association
  type), and so are those of the next unchanged deals in turn, filling the same batch reads up to 1,000
  ids: HubSpot does not say that making or removing an association moves a deal's
  `hs_lastmodifieddate`, so each deal's associations are checked within deals / 1,000 refreshes (every
  refresh up to 1,000 deals) at no extra request.
- Only what the deals touch: companies, contacts and tickets are kept only while a deal names them, and
  one a deal newly names is read by id (a full read reads no others, services/hubspot/snapshot.py).
- Deletions: search never returns archived records and archiving does not move `hs_lastmodifieddate`,
  so each search's `total` (the type's live records) is checked against the previous read plus the new
  records (deals and project records; a touched type's deleted record drops out once no deal names
  it). When it is short, the type's archived list names the deleted ones; when that still does not add
  up, a full read. Links to deleted companies, contacts, tickets and project records are dropped.
- Owners and deal stages are read again only when a changed deal names one the previous read lacks.
- Late indexing: HubSpot's search shows a write only after a delay, and until then answers with the record
  as it was. A change a refresh missed so is younger than that delay when the refresh began, and the next
  refresh (from that beginning, less `change_lag`) finds it while `change_lag` is at least the delay
  (tests/services/test_varied_portal.py, on a portal that indexes 2 s late).
What this cannot see in time (an association change on a deal whose turn has not come, a record the
search index shows later than `change_lag`) lasts until the next full read, which the caller schedules
(dashboard/snapshot.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from services.hubspot import parse
from services.hubspot.names import (
    COMPANY_PROPERTIES,
    CONTACT_PROPERTIES,
    DEAL_ASSOCIATIONS,
    MODIFIED_PROPERTY,
    PortalNames,
)
from services.hubspot.snapshot import TOUCHED, touched_properties
from services.hubspot.wire import next_after, results
from services.models import CrmDealId, CrmProjectRecord, CrmRecordId, CrmSnapshot, Deal

if TYPE_CHECKING:  # the client calls in here; only the type checker needs its class
    from services.hubspot.client import HubSpotClient, Links

R = TypeVar("R")
SEARCH_PAGE = 200
SEARCH_CAP = 10_000
ASSOCIATION_BATCH = 1000


def changes(
    client: HubSpotClient, previous: CrmSnapshot, since: datetime, now: Callable[[], datetime]
) -> CrmSnapshot | None:
    """`previous` brought up to date with what changed since `since` (when the read that made it began);
    None when only a full read can (more changes than search can page, unexplained deletions)."""
    start_requests = client.requests
    n = client.names
    cutoff = since - client.change_lag
    kinds = {
        "deals": n.deal_properties(),
        n.project_object_type: n.record_properties(),
        "companies": COMPANY_PROPERTIES,
        "contacts": CONTACT_PROPERTIES,
        "tickets": n.ticket_properties(),
    }
    links = (*DEAL_ASSOCIATIONS, n.project_object_type)
    with ThreadPoolExecutor(max_workers=len(kinds) + len(links)) as pool:
        searches = {
            kind: pool.submit(_modified, client, kind, props, cutoff) for kind, props in kinds.items()
        }
        deals = searches["deals"].result()
        changed_deals = sorted(deals.ids) if deals else []
        # the associations of changed deals, and of the next deals in turn up to 1,000 ids a type (the
        # same requests), are read while the other searches wait for the search limit
        checked = changed_deals + _in_turn(client, previous, set(changed_deals))
        reads = {to: pool.submit(client.read_associations, "deals", to, checked) for to in links}
        found_changes = {kind: future.result() for kind, future in searches.items()}
        associations = {to: future.result() for to, future in reads.items()}
    removed: dict[str, set[str]] = {}
    for kind, found in found_changes.items():
        if found is not None and kind in TOUCHED:
            # a snapshot holds only the records deals touch, so the type's live count says nothing here;
            # one no deal names any more is left out below, as a full read leaves it out
            removed[kind] = set()
            continue
        gone = _removed(client, kind, _previous_ids(previous, kind, n), found) if found else None
        if gone is None:
            return None
        removed[kind] = gone
    updated = {kind: found.records for kind, found in found_changes.items() if found}
    relinked = _relinked(client, previous, set(checked) - set(changed_deals), associations)
    return _updated_snapshot(
        client,
        previous.model_copy(update={"deals": relinked}),
        updated,
        associations,
        removed,
        now,
        start_requests,
    )


def _in_turn(client: HubSpotClient, previous: CrmSnapshot, changed: set[str]) -> list[str]:
    """The next deals whose associations are checked although the deal did not change: an association
    made or removed need not move the deal's `hs_lastmodifieddate` (HubSpot does not say it does). They
    fill the association batch reads the changed deals need anyway (1,000 ids a request), so every deal is
    checked within deals / 1,000 refreshes at no extra request; the client remembers where it stopped."""
    ids: list[str] = [d.crm_deal_id for d in previous.deals if d.crm_deal_id not in changed]
    room = ASSOCIATION_BATCH - len(changed)
    if not ids or room <= 0:
        return []
    start = client.association_turn % len(ids)
    turn = (ids[start:] + ids[:start])[: min(room, len(ids))]
    client.association_turn = start + len(turn)
    return turn


def _relinked(
    client: HubSpotClient, previous: CrmSnapshot, checked: set[str], associations: Mapping[str, Links]
) -> tuple[Deal, ...]:
    """The previous deals, those checked in turn with the associations read now."""
    if not checked:
        return previous.deals
    semantics = client.portal_semantics()
    n = client.names
    out = []
    for deal in previous.deals:
        if deal.crm_deal_id in checked:
            found = {to: a.get(deal.crm_deal_id, []) for to, a in associations.items()}
            fields = parse.association_fields(found, n, semantics)
            if any(getattr(deal, name) != value for name, value in fields.items()):
                deal = deal.model_copy(update=fields)
        out.append(deal)
    return tuple(out)


@dataclass(frozen=True)
class _Modified:
    """One object type's records modified since a moment, and how many live records the type has."""

    records: list[dict[str, Any]]
    total: int

    @property
    def ids(self) -> set[str]:
        return {str(r["id"]) for r in self.records}


def _modified(
    client: HubSpotClient, object_type: str, properties: Sequence[str], cutoff: datetime
) -> _Modified | None:
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
        body = client.request(
            "POST", f"/crm/objects/2026-03/{object_type}/search", operation, json=payload, search=True
        )
        total = int(body.get("total") or 0)
        for row in results(body, operation):
            if not _modified_since(row, stamp, cutoff):
                return _Modified(found, total)
            found.append(row)
        following = next_after(body)
        if not following:
            return _Modified(found, total)
        if int(following) >= SEARCH_CAP:
            return None
        after = int(following)


def _removed(
    client: HubSpotClient, object_type: str, previous_ids: set[str], found: _Modified
) -> set[str] | None:
    """Which of `previous_ids` were archived since; None when the live count cannot be explained."""
    expected = len(previous_ids | found.ids)
    if found.total == expected:
        return set()
    if found.total > expected:  # live records neither read before nor changed (a restore, say)
        return None
    archived = {str(r["id"]) for r in client.list_objects(object_type, ("hs_object_id",), archived=True)}
    gone = archived & (previous_ids - found.ids)
    return gone if expected - len(gone) == found.total else None


def _updated_snapshot(
    client: HubSpotClient,
    previous: CrmSnapshot,
    updated: Mapping[str, list[dict[str, Any]]],
    associations: Mapping[str, Links],
    removed: Mapping[str, set[str]],
    now: Callable[[], datetime],
    start_requests: int,
) -> CrmSnapshot:
    """The previous snapshot with the changed records parsed in and the removed ones dropped."""
    n = client.names
    stages = {d.stage: (d.stage_label or d.stage, d.is_closed, d.is_won) for d in previous.deals if d.stage}
    named = {parse.text((r.get("properties") or {}).get("dealstage")) for r in updated["deals"]}
    if any(stage and stage not in stages for stage in named):  # a stage no deal had before
        stages = client.fetch_stages()
    semantics = client.portal_semantics()
    stage_ids = {str((r.get("properties") or {}).get("hs_pipeline_stage") or "") for r in updated["tickets"]}
    if stage_ids - set(semantics.ticket_open) - {""}:  # a ticket stage added since the states were read
        client.ticket_states(refresh=True)
        semantics = client.portal_semantics()
    fresh = {
        str(r["id"]): parse.deal(
            r, n, stages, {to: a.get(str(r["id"]), []) for to, a in associations.items()}, semantics
        )
        for r in updated["deals"]
    }
    owners = previous.owners
    known = {o.owner_id for o in owners}
    if any(d.owner_id and d.owner_id not in known for d in fresh.values()):
        owners = tuple(client.fetch_owners())
    ptype = n.project_object_type
    deals = _merge(previous.deals, lambda d: d.crm_deal_id, fresh, removed["deals"])
    if any(removed[kind] for kind in ("companies", "contacts", "tickets", ptype)):  # 10,000 deals: only then
        deals = tuple(_without_links(d, removed, n) for d in deals)
    projects = _merge(
        previous.projects,
        lambda p: p.project_record_id,
        {str(r["id"]): parse.project(r, n, []) for r in updated[ptype]},
        removed[ptype],
    )
    companies = _merge(
        previous.companies,
        lambda c: c.company_id,
        {str(r["id"]): parse.company(r) for r in updated["companies"]},
        removed["companies"],
    )
    contacts = _merge(
        previous.contacts,
        lambda c: c.contact_id,
        {str(r["id"]): parse.contact(r) for r in updated["contacts"]},
        removed["contacts"],
    )
    tickets = _merge(
        previous.tickets,
        lambda t: t.ticket_id,
        {str(r["id"]): parse.ticket(r, n, semantics) for r in updated["tickets"]},
        removed["tickets"],
    )
    # as a full read: only what the deals touch, the newly touched read by id
    touched: dict[str, set[str]] = {
        "companies": {i for d in deals for i in d.company_ids},
        "contacts": {i for d in deals for i in d.contact_ids},
        "tickets": {i for d in deals for i in d.ticket_ids},
    }
    unread = {
        "companies": touched["companies"] - {c.company_id for c in companies},
        "contacts": touched["contacts"] - {c.contact_id for c in contacts},
        "tickets": touched["tickets"] - {t.ticket_id for t in tickets},
    }
    found = {
        kind: client.read_objects(kind, sorted(ids), touched_properties(client, kind)) if ids else {}
        for kind, ids in unread.items()
    }
    companies = _merge(
        companies, lambda c: c.company_id, {i: parse.company(r) for i, r in found["companies"].items()}, set()
    )
    contacts = _merge(
        contacts, lambda c: c.contact_id, {i: parse.contact(r) for i, r in found["contacts"].items()}, set()
    )
    tickets = _merge(
        tickets,
        lambda t: t.ticket_id,
        {i: parse.ticket(r, n, semantics) for i, r in found["tickets"].items()},
        set(),
    )
    return CrmSnapshot(
        deals=deals,
        projects=_with_deal_ids(projects, deals),
        companies=tuple(c for c in companies if c.company_id in touched["companies"]),
        contacts=tuple(c for c in contacts if c.contact_id in touched["contacts"]),
        tickets=tuple(t for t in tickets if t.ticket_id in touched["tickets"]),
        line_items=previous.line_items,
        notes=previous.notes,
        owners=owners,
        read_at=now(),
        requests=client.requests - start_requests,
        quota_left=client.daily[0] if client.daily else None,
        quota_limit=client.daily[1] if client.daily else None,
    )


def _modified_since(row: Mapping[str, Any], stamp: str, cutoff: datetime) -> bool:
    try:
        when = parse.instant((row.get("properties") or {}).get(stamp))
    except ValueError:
        return True  # an unreadable stamp: read the record again rather than miss a change
    return when is None or when >= cutoff


def _previous_ids(previous: CrmSnapshot, kind: str, n: PortalNames) -> set[str]:
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


def _without_links(deal: Deal, removed: Mapping[str, set[str]], n: PortalNames) -> Deal:
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
