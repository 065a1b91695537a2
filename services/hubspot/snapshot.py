"""The full read (`HubSpotClient.fetch_snapshot`): the deals and what they touch, nothing else.

Deals and project records are listed in full (100 a page). Companies, contacts and tickets are read only by
id, the ids the deals' associations name, through batch reads of 100, in parallel under the client's rate
budget, paced by its window (`_Touched` says how and why). A portal's marketing contacts, or companies no
deal is with, cost nothing: the read costs what the deals touch (issue 13: listing every contact made a
1,000-deal read cost 400 requests instead of 50 once 30,000 contacts were added). Associations are read
per 1,000 deals while the deal listing goes on, each record's pages followed to the end
(`HubSpotClient.read_associations`). Owners, deal stages, ticket states and the primary-contact label are
read once each.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from services.hubspot import parse
from services.hubspot.names import COMPANY_PROPERTIES, CONTACT_PROPERTIES, DEAL_ASSOCIATIONS
from services.hubspot.parse import Semantics
from services.models import CrmDealId, CrmSnapshot

if TYPE_CHECKING:
    from services.hubspot.client import HubSpotClient, Links

ASSOCIATION_BATCH = 1000
READ_BATCH = 100
THREADS = 12  # listing pages and association reads in flight at once; the rate budget sets the pace
READERS = 10  # batch reads in flight at once
RESERVE = 8
"""Places in the rate window kept for the listings and association reads (two pages and six association
reads in flight) while any is still to come."""
FEED_POLL_S = 0.02
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
    start_requests, n = client.requests, client.names
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        projects_f = pool.submit(
            lambda: list(client.list_objects(n.project_object_type, n.record_properties()))
        )
        owners_f = pool.submit(client.fetch_owners)
        stages_f = pool.submit(client.fetch_stages)
        semantics_f = pool.submit(client.portal_semantics, refresh=True)
        with _Touched(client, semantics_f, start_requests) as touched:
            return _read(client, now, pool, touched, (projects_f, owners_f, stages_f, semantics_f))


def _read(
    client: HubSpotClient,
    now: Callable[[], datetime],
    pool: ThreadPoolExecutor,
    touched: _Touched,
    started: tuple[Future[Any], Future[Any], Future[Any], Future[Semantics]],
) -> CrmSnapshot:
    """The deal listing, its associations and everything parsed, while `touched` reads the records the
    deals name."""
    n = client.names
    links = (*DEAL_ASSOCIATIONS, n.project_object_type)
    projects_f, owners_f, stages_f, semantics_f = started
    # Each 1,000 deals' associations are read while the listing goes on, and the records they name
    # are queued for batch reads as soon as they are in (`_Touched`).
    raw_deals: list[dict[str, Any]] = []
    pending: list[dict[str, Future[Links]]] = []
    for raw in client.list_objects("deals", n.deal_properties()):
        raw_deals.append(raw)
        if len(raw_deals) % ASSOCIATION_BATCH == 0:
            chunk = raw_deals[-ASSOCIATION_BATCH:]
            pending.append(_associations(client, pool, links, chunk, touched, early=not pending))
    if len(raw_deals) % ASSOCIATION_BATCH:
        rest = raw_deals[len(raw_deals) - len(raw_deals) % ASSOCIATION_BATCH :]
        pending.append(_associations(client, pool, links, rest, touched, early=not pending))
    associations: dict[str, Links] = {to: {} for to in links}
    for chunk_f in pending:
        for to, future in chunk_f.items():
            associations[to].update(future.result())
            if to in TOUCHED:
                touched.named(to, future, early=chunk_f is pending[0])
    projects_raw = projects_f.result()
    touched.structural_done()
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
    projects = tuple(parse.project(p, n, project_deals.get(str(p["id"]), [])) for p in projects_raw)
    found = touched.results()
    return CrmSnapshot(
        deals=deals,
        projects=projects,
        companies=found["companies"],
        contacts=found["contacts"],
        tickets=found["tickets"],
        owners=tuple(owners_f.result()),
        read_at=now(),
        requests=client.requests - touched.started_at,
        quota_left=client.daily[0] if client.daily else None,
        quota_limit=client.daily[1] if client.daily else None,
    )


class _Touched:
    """The batch reads of the companies, contacts and tickets the deals name: formed as each 1,000 deals'
    associations come in, in full batches of 100 (a part batch waits for the next deals' ids, so each type
    costs ceil(ids / 100) requests), and started as the rate window allows:

    - the first 1,000 deals' records at once, so the first seconds, when only the two listings and the
      first association reads have work, fill the window;
    - then only into places the window has freed, never into the first window's unused ones, and keeping
      `RESERVE` free for the listings and association reads while any is still to come;
    - once every listing page and association read is in, as fast as the window admits.

    Why: the burst limit is a rolling window, so request k + 190 starts no sooner than 10 s after request
    k's answer, and the last window's first requests wait for the first window's. A read of 10,000 deals
    (456 requests) ends no sooner than the 76th answer + 20 s: that answer is what the first rule brings
    forward (listing pages and association reads alone took 2.4-3.6 s to get there in the bench's cold
    load; with the first 1,000 deals' records, 1.5 s). Records read into the first window's unused places
    instead took them from the deal listing, which then ran on into the third window (measured in an
    earlier try); held back to the second, they fill the places the first window's early requests free,
    the moment they free them. The first window's unused places are counted from the requests this read
    has made, as if the window was empty when it began (if it was not, the budget still holds each
    request until it fits). Each batch is parsed in the thread that read it."""

    def __init__(self, client: HubSpotClient, semantics: Future[Semantics], started_at: int) -> None:
        self._client = client
        self._budget = client.budget
        self.started_at = started_at
        """The client's request count when the read began."""
        self._semantics = semantics
        self._pool = ThreadPoolExecutor(max_workers=READERS)
        self._changed = threading.Condition()
        self._seen: dict[str, set[str]] = {kind: set() for kind in TOUCHED}
        self._unread: dict[str, list[str]] = {kind: [] for kind in TOUCHED}
        self._ready: deque[tuple[str, list[str], bool]] = deque()
        self._reads: dict[str, list[Future[list[Any]]]] = {kind: [] for kind in TOUCHED}
        self._queued = 0  # batch reads handed to the pool that have not asked for their place yet
        self._structural_done = False
        self._closing = False
        self._aborted = False
        self._handled: set[Future[Links]] = set()
        self._feeder = threading.Thread(target=self._feed, name="hubspot-touched", daemon=True)
        self._feeder.start()

    def __enter__(self) -> _Touched:
        return self

    def __exit__(self, error_type: object, *_: object) -> None:
        with self._changed:
            if error_type is not None:
                self._ready.clear()
                self._aborted = True
            self._structural_done = self._closing = True
            self._changed.notify_all()
        self._feeder.join()
        self._pool.shutdown(wait=True, cancel_futures=error_type is not None)

    def named(self, kind: str, future: Future[Links], early: bool) -> None:
        """The ids of `kind` one association read named: new ones queued. Called as the read's
        done-callback, and again by the listing once it has the result (a future's callbacks run after
        its waiters wake); the second call does nothing."""
        if future.cancelled() or future.exception() is not None:
            return  # the read fails where the association's own result is taken
        with self._changed:
            if self._aborted or future in self._handled:
                return
            self._handled.add(future)
            found = future.result()
            new = [t for targets in found.values() for t, _ in targets if t not in self._seen[kind]]
            new = list(dict.fromkeys(new))
            self._seen[kind].update(new)
            self._unread[kind] += new
            self._batches(kind, READ_BATCH, early)
            self._changed.notify_all()

    def structural_done(self) -> None:
        """Every listing page and association read is in: the part batches go too, and no place is kept."""
        with self._changed:
            for kind in TOUCHED:
                self._batches(kind, 1, early=False)
            self._structural_done = True
            self._changed.notify_all()

    def results(self) -> dict[str, tuple[Any, ...]]:
        """Every record read, per type, in id order as HubSpot's lists return them."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
        self._feeder.join()
        return {
            kind: tuple(sorted((r for f in futures for r in f.result()), key=_ID_ORDER[kind]))
            for kind, futures in self._reads.items()
        }

    def _batches(self, kind: str, least: int, early: bool) -> None:
        unread = self._unread[kind]
        while unread and len(unread) >= least:
            self._ready.append((kind, unread[:READ_BATCH], early))
            unread = unread[READ_BATCH:]
        self._unread[kind] = unread

    def _may_start(self, early: bool) -> bool:
        if early or self._structural_done:
            return True
        unused = max(0, self._budget.amount - (self._client.requests - self.started_at))
        return self._budget.room() - self._queued - unused > RESERVE

    def _feed(self) -> None:
        while True:
            with self._changed:
                while not (self._ready and self._may_start(self._ready[0][2])):
                    if self._closing and not self._ready:
                        return
                    self._changed.wait(FEED_POLL_S)  # places free as time passes, unannounced
                kind, batch, _ = self._ready.popleft()
                self._queued += 1
                self._reads[kind].append(self._pool.submit(self._read, kind, batch))

    def _read(self, kind: str, ids: Sequence[str]) -> list[Any]:
        with self._changed:
            self._queued -= 1
        client = self._client
        found = client.read_objects(kind, ids, touched_properties(client, kind)).values()
        states = self._semantics.result()
        return [parse.touched(kind, r, client.names, states) for r in found]


def _id_order(field: str) -> Callable[[Any], int]:
    """A parsed record's place in id order, as HubSpot's lists return them (an id that is not a number
    first, in the order read)."""
    return lambda record: int(i) if (i := getattr(record, field)).isdigit() else 0


_ID_ORDER = {
    "companies": _id_order("company_id"),
    "contacts": _id_order("contact_id"),
    "tickets": _id_order("ticket_id"),
}


def _associations(
    client: HubSpotClient,
    pool: ThreadPoolExecutor,
    links: Sequence[str],
    deals: Sequence[dict[str, Any]],
    touched: _Touched,
    *,
    early: bool,
) -> dict[str, Future[Links]]:
    """One chunk of deals' association reads, each type's answer handed to `touched` as it comes in."""
    ids = [str(d["id"]) for d in deals]
    futures = {to: pool.submit(client.read_associations, "deals", to, ids) for to in links}
    for to, future in futures.items():
        if to in TOUCHED:
            future.add_done_callback(partial(touched.named, to, early=early))
    return futures
