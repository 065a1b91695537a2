"""What the card reads for one deal, kept for the dashboard's time (THROUGHLINE_CACHE_TTL_S) per deal.

`read_for_deal` reads only what the deal's figures, delivery, handover and ID findings need, from both
systems at once, into a `Snapshot` the dashboard's own `analyze` (dashboard/analysis.py) turns into the
same frames, so a card shows the dashboard's figures for the deal:
- the CRM: the deal, its associated records, and the other deals sharing its project ID (which of them owns
  the ERP project's money, and the "shared ID" finding, depend on them) — `CrmClient.fetch_deal_snapshot`;
- the ERP: every project (the codes tell the ID convention and a code used twice) with the figures of the
  projects whose code is the deal's ID — `ErpClient.fetch_project_read`.
The two reads meet halfway: the ERP's project codes give the convention (unless a setting fixes it) that
says which deals share the deal's ID, and the deal's ID says which ERP projects to sum. Each read hands its
half to the other through a future as soon as it has it, so neither waits for the other to finish.
A system that cannot read one deal alone reads everything (the interfaces' defaults): the same figures. An
ERP that cannot read one project's figures alone (Tryton, QuickBooks: `ErpClient.reads_projects_alone`)
is read in full once and shared by every card for the dashboard's time (`SharedErpRead`).

Cost, measured on the demo (tests/api/test_deal_card.py), for a card that sends the deal's contacts as HubSpot
showed them (ProjectCard.jsx): HubSpot 6 requests at most: the deal, the search for the deals sharing its ID,
the companies' types when the deal has several or shares its ID, then companies, tickets and project records
(the portal's stages, owners and labels once per 5 minutes besides); without them, up to two more (the
contacts' labels, the primary contact's name). Odoo 4 (5 on Odoo 16; the version and the lines' fields once
per server). A deal read within the dashboard's time costs nothing.

A source that fails keeps the deal's last good data from that source, marked stale, as the dashboard's
snapshot does (dashboard/snapshot.py); the first read of a deal with a failed source has none.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal, TypeVar

from dashboard.analysis import Analysis, AnalysisParams, analyze, id_convention
from dashboard.snapshot import Snapshot, SourceRead
from dashboard.transforms.ids import IdConvention, normalize_id
from dashboard.wiring import Clients
from services import log
from services.crm import DealSeen, IdSearch
from services.errors import ConfigError, ThroughlineError, explain
from services.models import CrmSnapshot, ErpProject, ErpSnapshot, utcnow
from services.store import Store

T = TypeVar("T")
HALF_WAIT_S = 300.0
"""How long one read waits for the other's half (each read hands it over or fails well before this)."""
MAX_DEALS_KEPT = 2000
"""Cards kept at most; beyond this the expired ones are let go."""

_log = log.get("dashboard.api")


ProjectRead = Callable[[Callable[[Sequence[ErpProject]], Collection[str]]], ErpSnapshot]
"""An ERP read given what picks its projects: `ErpClient.fetch_project_read`, or a shared full read."""


def read_for_deal(
    clients: Clients,
    crm_deal_id: str,
    id_pattern: str | None,
    previous: Snapshot | None = None,
    *,
    erp_read: ProjectRead | None = None,
    seen: DealSeen | None = None,
    now: Callable[[], datetime] = utcnow,
) -> Snapshot:
    """The data the card for `crm_deal_id` needs (module docstring); a failed source keeps `previous`.
    `erp_read` reads the ERP side (by default the ERP's own `fetch_project_read`); `seen` is what the card
    saw of the deal in HubSpot (`CrmClient.fetch_deal_snapshot`)."""
    raw_id: Future[str | None] = Future()
    convention: Future[IdConvention] = Future()

    def sharing(raw: str | None) -> IdSearch | None:
        _settle(raw_id, raw)
        rule = convention.result(timeout=HALF_WAIT_S)
        canonical = normalize_id(raw, rule).canonical
        if canonical is None:
            return None
        return IdSearch(
            number=int("".join(ch for ch in canonical if ch.isdigit())),
            keep=lambda other: normalize_id(other, rule).canonical == canonical,
        )

    def select(projects: Sequence[ErpProject]) -> Collection[str]:
        rule, _ = id_convention(id_pattern, [p.erp_project_id for p in projects])
        _settle(convention, rule)
        canonical = normalize_id(raw_id.result(timeout=HALF_WAIT_S), rule).canonical
        if canonical is None:
            return []
        return [
            p.erp_record_id for p in projects if normalize_id(p.erp_project_id, rule).canonical == canonical
        ]

    def read_crm() -> CrmSnapshot:
        try:
            crm = clients.crm.fetch_deal_snapshot(crm_deal_id, sharing=sharing, seen=seen, now=now)
        except BaseException:
            _settle(raw_id, None)
            raise
        # a CRM that read everything asked nothing: the deal's ID from what it read
        deal = next((d for d in crm.deals if d.crm_deal_id == crm_deal_id), None)
        _settle(raw_id, deal.raw_project_id if deal else None)
        return crm

    def read_erp() -> ErpSnapshot:
        try:
            if erp_read is not None:
                return erp_read(select)
            return clients.erp.fetch_project_read(select, now=now)
        finally:
            _settle(convention, id_convention(id_pattern, [])[0])  # the analysis's rule with no ERP data

    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="card-read") as pool:
        crm_mode: Literal["full", "deal"] = "deal" if clients.crm.reads_deals_alone else "full"
        erp_mode: Literal["full", "deal"] = "deal" if clients.erp.reads_projects_alone else "full"
        crm_f = pool.submit(_attempt, clients.crm_label, lambda: clients.crm.requests, read_crm, crm_mode)
        erp_f = pool.submit(_attempt, clients.erp_label, lambda: clients.erp.requests, read_erp, erp_mode)
        crm, crm_source = crm_f.result()
        erp, erp_source = erp_f.result()
    return Snapshot(
        crm=crm if crm is not None else (previous.crm if previous else None),
        erp=erp if erp is not None else (previous.erp if previous else None),
        crm_source=crm_source if crm is not None else _stale(crm_source, previous, "crm"),
        erp_source=erp_source if erp is not None else _stale(erp_source, previous, "erp"),
    )


def _settle(future: Future[T], value: T) -> None:
    """Hand a half over once (the first value stands)."""
    try:
        future.set_result(value)
    except Exception:  # InvalidStateError: already handed over
        pass


def _attempt(
    label: str, requests: Callable[[], int], read: Callable[[], T], mode: Literal["full", "deal"]
) -> tuple[T | None, SourceRead]:
    """One source's read and how it went; a failure is logged and said in words, never raised (a setting
    that is wrong is raised: nothing can be read until it is fixed)."""
    started, before = time.perf_counter(), requests()
    try:
        data = read()
    except ConfigError:
        raise
    except Exception as error:  # one source failing must leave the other's part of the card
        if isinstance(error, ThroughlineError):
            _log.warning(
                "source.read", system=label, operation="one deal", outcome="failed", error=explain(error)
            )
        else:
            _log.exception("unexpected", system=label, operation="one deal")
        return None, SourceRead(label=label, read_at=None, error=explain(error), stale=True)
    spent, seconds = requests() - before, round(time.perf_counter() - started, 3)
    _log.info(
        "source.read", system=label, operation="one deal", requests=spent, seconds=seconds, outcome="ok"
    )
    return data, SourceRead(label=label, read_at=getattr(data, "read_at", None), requests=spent, mode=mode)


def _stale(failed: SourceRead, previous: Snapshot | None, system: str) -> SourceRead:
    """The previous read's freshness, marked stale with this failure; the failure alone without one."""
    if previous is None:
        return failed
    before = previous.crm_source if system == "crm" else previous.erp_source
    kept = previous.crm if system == "crm" else previous.erp
    if kept is None:
        return failed
    return replace(before, error=failed.error, stale=True, requests=0)


class SharedErpRead:
    """A full ERP read shared by every card for `ttl_s` seconds, for an ERP that cannot read one project's
    figures alone (`ErpClient.reads_projects_alone`): reading everything once per card would cost the whole
    portfolio each time, while one read serves every deal until the dashboard would read again."""

    def __init__(self, clients: Clients, ttl_s: float, monotonic: Callable[[], float]) -> None:
        self._clients, self._ttl_s, self._monotonic = clients, ttl_s, monotonic
        self._lock = threading.Lock()
        self._held: ErpSnapshot | None = None
        self._loaded_at = 0.0

    def forget(self) -> None:
        """Read again at the next card (after a write to the ERP)."""
        with self._lock:
            self._held = None

    def __call__(self, select: Callable[[Sequence[ErpProject]], Collection[str]]) -> ErpSnapshot:
        """The kept read while fresh (its projects still handed to `select`), else a new full read."""
        with self._lock:
            if self._held is None or self._monotonic() - self._loaded_at >= self._ttl_s:
                self._held = self._clients.erp.fetch_project_read(select)
                self._loaded_at = self._monotonic()
            else:
                select(self._held.projects)
            return self._held


@dataclass(frozen=True)
class CardData:
    """A snapshot, its analysis, and why accepted findings could not be left out (None when they were)."""

    snapshot: Snapshot
    analysis: Analysis
    accepted_error: str | None = None


@dataclass
class _Held:
    snapshot: Snapshot | None = None
    loaded_at: float = 0.0
    seen: DealSeen | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    analyses: dict[tuple[str, frozenset[str]], Analysis] = field(default_factory=dict)


class CardReader:
    """Each deal's data and analyses, reused for `ttl_s` seconds; one read of a deal at a time."""

    def __init__(
        self,
        clients: Clients,
        params: AnalysisParams,
        ttl_s: float,
        store: Callable[[], Store],
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clients = clients
        self.params = params
        self.ttl_s = ttl_s
        self._store = store
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._held: dict[str, _Held] = {}
        self._erp_read = (
            None if clients.erp.reads_projects_alone else SharedErpRead(clients, ttl_s, monotonic)
        )

    def read(self, crm_deal_id: str, seen: DealSeen | None = None) -> CardData:
        """The data for one deal's card: the deal's held data while fresh, else read again. `seen` is what
        the card saw of the deal in HubSpot; data read with it serves only cards that saw the same (one
        viewer's card cannot change what another's shows), data read without it serves every card."""
        accepted, accepted_error = self._accepted_keys()
        held = self._for(crm_deal_id)
        with held.lock:
            fresh = (
                held.snapshot is not None
                and self._monotonic() - held.loaded_at < self.ttl_s
                and held.seen in (None, seen)
            )
            if not fresh:
                held.snapshot = read_for_deal(
                    self.clients,
                    crm_deal_id,
                    self.params.id_pattern,
                    held.snapshot,
                    erp_read=self._erp_read,
                    seen=seen,
                )
                held.loaded_at = self._monotonic()
                held.seen = seen
                held.analyses.clear()
            snapshot = held.snapshot
            assert snapshot is not None  # read above when missing
            key = (snapshot.version, accepted)
            if key not in held.analyses:
                held.analyses[key] = analyze(snapshot, self.params, accepted_keys=accepted)
            return CardData(snapshot, held.analyses[key], accepted_error)

    def forget(self, crm_deal_id: str) -> None:
        """Read the deal again at its next card (after a write to it), and a shared ERP read with it."""
        with self._lock:
            self._held.pop(crm_deal_id, None)
        if self._erp_read is not None:
            self._erp_read.forget()

    def _for(self, crm_deal_id: str) -> _Held:
        """The deal's holder (made on first use); expired ones let go when too many are kept."""
        with self._lock:
            if len(self._held) >= MAX_DEALS_KEPT:
                now = self._monotonic()
                for deal, held in list(self._held.items()):
                    if now - held.loaded_at >= self.ttl_s and not held.lock.locked():
                        del self._held[deal]
            return self._held.setdefault(crm_deal_id, _Held())

    def _accepted_keys(self) -> tuple[frozenset[str], str | None]:
        """The findings ops accepted; an unreadable store means none (every finding shown), and why."""
        try:
            return self._store().accepted_keys(), None
        except ThroughlineError as error:
            _log.warning("store.read", operation="read accepted findings", error=explain(error))
            return frozenset(), explain(error)
