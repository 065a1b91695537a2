"""The full read (`HubSpotClient.fetch_snapshot`): the deals and what they touch, nothing else.

Deals and project records are listed in full (100 a page). Companies, contacts and tickets are read only by
id, the ids the deals' associations name, through batch reads of 100 that start as soon as each 1,000 deals'
associations are in, in parallel under the client's rate budget. A portal's marketing contacts, or
companies no deal is with, cost nothing: the read costs what the deals touch (issue 13: listing every
contact made a 1,000-deal read cost 400 requests instead of 50 once 30,000 contacts were added).
Associations are read per 1,000 deals while the deal listing goes on, each record's pages followed to the
end (`HubSpotClient.read_associations`). Owners, deal stages, ticket states and the primary-contact label
are read once each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.hubspot import parse
from services.hubspot.names import COMPANY_PROPERTIES, CONTACT_PROPERTIES, DEAL_ASSOCIATIONS
from services.hubspot.parse import Semantics
from services.models import CrmDealId, CrmSnapshot

if TYPE_CHECKING:
    from services.hubspot.client import HubSpotClient, Links

ASSOCIATION_BATCH = 1000
READ_BATCH = 100
THREADS = 12  # requests in flight at once; the rate budget, not this, sets the pace
TOUCHED = ("companies", "contacts", "tickets")
"""The types read by id, only as far as the deals name them."""


def touched_properties(client: HubSpotClient, object_type: str) -> Sequence[str]:
    """The properties read of a type the deals touch."""
    if object_type == "companies":
        return COMPANY_PROPERTIES
    if object_type == "contacts":
        return CONTACT_PROPERTIES
    return client.names.ticket_properties()


def read_snapshot(client: HubSpotClient, now: Callable[[], datetime]) -> CrmSnapshot:
    """Every deal with its associations and project records, and the companies, contacts and tickets
    the deals are associated with (see the module docstring)."""
    start_requests = client.requests
    n = client.names
    links = (*DEAL_ASSOCIATIONS, n.project_object_type)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        projects_f = pool.submit(
            lambda: list(client.list_objects(n.project_object_type, n.record_properties()))
        )
        owners_f = pool.submit(client.fetch_owners)
        stages_f = pool.submit(client.fetch_stages)
        semantics_f = pool.submit(client.portal_semantics, refresh=True)
        # Each 1,000 deals' associations are read while the listing goes on: the association reads need
        # the deal ids, so they would otherwise all queue at the end.
        raw_deals: list[dict[str, Any]] = []
        pending: list[dict[str, Future[Links]]] = []
        for raw in client.list_objects("deals", n.deal_properties()):
            raw_deals.append(raw)
            if len(raw_deals) % ASSOCIATION_BATCH == 0:
                pending.append(_associations(client, pool, links, raw_deals[-ASSOCIATION_BATCH:]))
        if len(raw_deals) % ASSOCIATION_BATCH:
            rest = raw_deals[len(raw_deals) - len(raw_deals) % ASSOCIATION_BATCH :]
            pending.append(_associations(client, pool, links, rest))
        associations: dict[str, Links] = {to: {} for to in links}
        seen: dict[str, set[str]] = {kind: set() for kind in TOUCHED}
        unread: dict[str, list[str]] = {kind: [] for kind in TOUCHED}
        reads: dict[str, list[Future[list[Any]]]] = {kind: [] for kind in TOUCHED}

        def read(kind: str, least: int) -> None:
            """Batch-read the ids of `kind` named so far, in full batches while at least `least` wait: a
            part batch waits for the next deals' ids, so each type costs ceil(ids / 100) requests (every
            request moves the end of a read rate-limited by a rolling window). Each batch is parsed in
            the thread that read it, so little parsing is left once the last answer is in."""
            props = touched_properties(client, kind)
            while len(unread[kind]) >= least and unread[kind]:
                batch, unread[kind] = unread[kind][:READ_BATCH], unread[kind][READ_BATCH:]
                reads[kind].append(pool.submit(_read_parsed, client, kind, batch, props, semantics_f))

        for chunk in pending:
            for to, future in chunk.items():
                found = future.result()
                associations[to].update(found)
                if to in seen:  # read the records these deals name, as soon as a batch is known
                    new = [t for targets in found.values() for t, _ in targets if t not in seen[to]]
                    new = list(dict.fromkeys(new))
                    seen[to].update(new)
                    unread[to] += new
                    read(to, least=READ_BATCH)
        for kind in TOUCHED:
            read(kind, least=1)
        # Parsed while the records' batch reads are still under way: the rate limit sets the pace then,
        # and the parsing (most of the 0.9 s of CPU measured after the last answer at 10,000 deals) would
        # otherwise come after it.
        stages, semantics = stages_f.result(), semantics_f.result()
        deals = tuple(
            parse.deal(
                raw, n, stages, {to: a.get(str(raw["id"]), []) for to, a in associations.items()}, semantics
            )
            for raw in raw_deals
        )
        project_deals: dict[str, list[CrmDealId]] = {}
        for deal_id, targets in associations[n.project_object_type].items():
            for target, _types in targets:
                project_deals.setdefault(target, []).append(CrmDealId(deal_id))
        projects = tuple(
            parse.project(p, n, project_deals.get(str(p["id"]), [])) for p in projects_f.result()
        )
        touched = {
            kind: tuple(sorted((r for f in futures for r in f.result()), key=_ID_ORDER[kind]))
            for kind, futures in reads.items()
        }
        return CrmSnapshot(
            deals=deals,
            projects=projects,
            companies=touched["companies"],
            contacts=touched["contacts"],
            tickets=touched["tickets"],
            owners=tuple(owners_f.result()),
            read_at=now(),
            requests=client.requests - start_requests,
            quota_left=client.daily[0] if client.daily else None,
            quota_limit=client.daily[1] if client.daily else None,
        )


def _id_order(field: str) -> Callable[[Any], int]:
    """A parsed record's place in id order, as HubSpot's lists return them (an id that is not a number
    first, in the order read)."""
    return lambda record: int(i) if (i := getattr(record, field)).isdigit() else 0


_ID_ORDER = {
    "companies": _id_order("company_id"),
    "contacts": _id_order("contact_id"),
    "tickets": _id_order("ticket_id"),
}


def _read_parsed(
    client: HubSpotClient,
    kind: str,
    ids: Sequence[str],
    properties: Sequence[str],
    semantics: Future[Semantics],
) -> list[Any]:
    """One batch of `kind` read by id and parsed (companies, contacts or tickets)."""
    found = client.read_objects(kind, ids, properties).values()
    states = semantics.result()
    return [parse.touched(kind, r, client.names, states) for r in found]


def _associations(
    client: HubSpotClient, pool: ThreadPoolExecutor, links: Sequence[str], deals: Sequence[dict[str, Any]]
) -> dict[str, Future[Links]]:
    ids = [str(d["id"]) for d in deals]
    return {to: pool.submit(client.read_associations, "deals", to, ids) for to in links}
