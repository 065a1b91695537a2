"""The read side: both systems read into one snapshot, with freshness per source and a degraded mode.

A snapshot reads the CRM and the ERP at the same time. When one of them fails, the snapshot keeps the
other's fresh data and the failed one's last good data (marked stale, with its age and the error in words),
so the pages can still show what is known and say plainly what failed and what to check.

`refresh_snapshot` is the one reader: the first time (no previous snapshot) it reads everything; after that
it asks each system only for what changed since its last read (how, in each adapter's `fetch_changes`),
reads everything again every `full_every`, and reads everything when a system cannot say what changed.
Every read is logged (`source.read`: system, mode, requests, seconds, outcome).

`SnapshotKeeper` is the one snapshot every session of a server shares. A read runs in the background; a
page waits for it at most `deadline_s`, then shows the last good data with a banner (the read goes on and
lands for the next page run), and a read in progress never makes anyone else wait for the last good data.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Generic, Literal, TypeVar

from dashboard.collector import without_cycle_collection
from services import log
from services.crm import CrmClient
from services.erp import ErpClient, ErpRead
from services.errors import ConfigError, ThroughlineError, explain
from services.models import CrmSnapshot, ErpSnapshot, utcnow

T = TypeVar("T")
FULL_READ_EVERY = timedelta(minutes=30)
"""An incremental refresh relies on the systems reporting every change (a moved modification date, a count);
a full read this often bounds how long anything they do not report can stay unseen."""

_log = log.get("dashboard.snapshot")


@dataclass(frozen=True)
class SourceRead:
    """How one source's data in the snapshot came to be: when it was read, and what failed if anything."""

    label: str
    read_at: datetime | None
    error: str | None = None
    stale: bool = False
    requests: int = 0
    mode: Literal["full", "incremental", "deal"] = "full"
    """A full read, only what changed since the previous read, or one deal's part read alone (the card)."""
    quota_left: int | None = None
    """Requests the source still allows today (HubSpot's daily limit), when it says."""
    quota_limit: int | None = None

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the data was read (None when never read)."""
        return (now - self.read_at).total_seconds() if self.read_at else None


@dataclass(frozen=True)
class ReadMarks:
    """Where each source's last good read began, when its last full read began, and the ERP's own marks."""

    crm_since: datetime | None = None
    crm_full_at: datetime | None = None
    erp_since: datetime | None = None
    erp_full_at: datetime | None = None
    erp_marks: object | None = None


@dataclass(frozen=True)
class Snapshot:
    """Both sources' data as last read, how each was read, and what the next refresh starts from."""

    crm: CrmSnapshot | None
    erp: ErpSnapshot | None
    crm_source: SourceRead
    erp_source: SourceRead
    marks: ReadMarks = ReadMarks()
    refreshing_since: datetime | None = None
    """Set when a newer read has been going on since then and this is the last good data meanwhile."""

    @property
    def complete(self) -> bool:
        """True when both sources have data (fresh or last good)."""
        return self.crm is not None and self.erp is not None

    @property
    def version(self) -> str:
        """Changes whenever either source's data changes (a cache key for the analysis)."""
        return f"{self.crm_source.read_at}|{self.erp_source.read_at}"


@dataclass(frozen=True)
class _Result(Generic[T]):
    data: T
    since: datetime
    full_at: datetime
    mode: Literal["full", "incremental"]
    requests: int
    erp_marks: object | None = None


def refresh_snapshot(
    crm: CrmClient,
    erp: ErpClient,
    previous: Snapshot | None = None,
    *,
    labels: tuple[str, str] | None = None,
    full_every: timedelta = FULL_READ_EVERY,
    now: Callable[[], datetime] = utcnow,
) -> Snapshot:
    """Both sources brought up to date, concurrently: only what changed since `previous` was read, or
    everything the first time, every `full_every`, or when a system cannot tell what changed. A failed
    source keeps its part of `previous`, marked stale. `labels` name the sources for freshness and logs
    ("HubSpot sandbox"); by default the clients' own."""
    crm_label, erp_label = labels or (crm.label, erp.label)
    marks = previous.marks if previous else ReadMarks()
    old_crm, old_erp = (previous.crm, previous.erp) if previous else (None, None)
    # A full read of 10,000 deals and a million ERP lines builds millions of objects that live on; with the
    # cycle collector on, it walked them all 6 to 9 times during the read (0.2-0.35 s each, 2.4 s in all,
    # measured in the bench's cold load), each time stopping both systems' request threads.
    with without_cycle_collection(), ThreadPoolExecutor(max_workers=2) as pool:
        crm_f = pool.submit(
            _attempt,
            crm_label,
            lambda: _read_crm(crm, old_crm, marks, full_every, now),
            previous.crm_source if previous and old_crm else None,
        )
        erp_f = pool.submit(
            _attempt,
            erp_label,
            lambda: _read_erp(erp, old_erp, marks, full_every, now),
            previous.erp_source if previous and old_erp else None,
        )
        crm_read, crm_source = crm_f.result()
        erp_read, erp_source = erp_f.result()
    return Snapshot(
        crm=crm_read.data if crm_read else old_crm,
        erp=erp_read.data if erp_read else old_erp,
        crm_source=crm_source,
        erp_source=erp_source,
        marks=ReadMarks(
            crm_since=crm_read.since if crm_read else marks.crm_since,
            crm_full_at=crm_read.full_at if crm_read else marks.crm_full_at,
            erp_since=erp_read.since if erp_read else marks.erp_since,
            erp_full_at=erp_read.full_at if erp_read else marks.erp_full_at,
            erp_marks=erp_read.erp_marks if erp_read else marks.erp_marks,
        ),
    )


def _attempt(
    label: str, read: Callable[[], _Result[T]], previous_source: SourceRead | None
) -> tuple[_Result[T] | None, SourceRead]:
    """One source's read, or (None, why it failed) with the previous read's freshness kept as stale."""
    started = time.perf_counter()
    try:
        result = read()
    except ConfigError:
        raise
    except Exception as error:  # any failure of one source must leave the other usable
        seconds = round(time.perf_counter() - started, 3)
        if isinstance(error, ThroughlineError):
            _log.warning("source.read", system=label, outcome="failed", seconds=seconds, error=explain(error))
        else:
            _log.exception("unexpected", system=label, operation="read", seconds=seconds)
        if previous_source is not None:
            return None, replace(previous_source, error=explain(error), stale=True, requests=0)
        return None, SourceRead(label=label, read_at=None, error=explain(error), stale=True)
    read_at = getattr(result.data, "read_at", None)
    _log.info(
        "source.read",
        system=label,
        operation=result.mode,
        requests=result.requests,
        seconds=round(time.perf_counter() - started, 3),
        outcome="ok",
    )
    return result, SourceRead(
        label=label,
        read_at=read_at,
        requests=result.requests,
        mode=result.mode,
        quota_left=getattr(result.data, "quota_left", None),
        quota_limit=getattr(result.data, "quota_limit", None),
    )


def _read_crm(
    crm: CrmClient,
    previous: CrmSnapshot | None,
    marks: ReadMarks,
    full_every: timedelta,
    now: Callable[[], datetime],
) -> _Result[CrmSnapshot]:
    started, before = now(), crm.requests
    if previous and marks.crm_since and marks.crm_full_at and started - marks.crm_full_at < full_every:
        fresh = crm.fetch_changes(previous, marks.crm_since, now=now)
        if fresh is not None:
            return _Result(fresh, started, marks.crm_full_at, "incremental", crm.requests - before)
    snapshot = crm.fetch_snapshot(now=now)
    return _Result(snapshot, started, started, "full", crm.requests - before)


def _read_erp(
    erp: ErpClient,
    previous: ErpSnapshot | None,
    marks: ReadMarks,
    full_every: timedelta,
    now: Callable[[], datetime],
) -> _Result[ErpSnapshot]:
    started, before = now(), erp.requests
    recent = marks.erp_full_at is not None and started - marks.erp_full_at < full_every
    if previous and marks.erp_since and recent:
        fresh = erp.fetch_changes(ErpRead(previous, marks.erp_marks), marks.erp_since, now=now)
        if fresh is not None:
            assert marks.erp_full_at is not None  # recent implies it
            return _Result(
                fresh.snapshot, started, marks.erp_full_at, "incremental", erp.requests - before, fresh.marks
            )
    full = erp.fetch_read(now=now)
    return _Result(full.snapshot, started, started, "full", erp.requests - before, full.marks)


class StillReading(ThroughlineError):
    """The first read has not finished within the deadline (there is no last good data to show yet)."""


class SnapshotKeeper:
    """The snapshot a server's sessions share: reused for `ttl_s`, refreshed in the background, waited
    for at most `deadline_s`; the last good data meanwhile."""

    def __init__(
        self,
        crm: CrmClient,
        erp: ErpClient,
        *,
        labels: tuple[str, str] | None = None,
        ttl_s: float = 60,
        deadline_s: float = 20,
        full_every: timedelta = FULL_READ_EVERY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._crm, self._erp, self._labels = crm, erp, labels or (crm.label, erp.label)
        self._full_every = full_every
        self._ttl_s, self._deadline_s, self._clock = ttl_s, deadline_s, clock
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="snapshot-read")
        self._snapshot: Snapshot | None = None
        self._loaded_at = 0.0
        self._pending: Future[Snapshot] | None = None
        self._pending_since: datetime | None = None

    @property
    def labels(self) -> tuple[str, str]:
        """How the two sources are named (for the spinner)."""
        return self._labels

    def get(self, *, force: bool = False) -> Snapshot:
        """The snapshot: the kept one while fresh (and not forced); otherwise a read, waited for at most
        the deadline, after which the last good data comes back marked `refreshing_since`."""
        with self._lock:
            fresh = self._snapshot is not None and self._clock() - self._loaded_at < self._ttl_s
            if fresh and not force and self._snapshot is not None:
                if self._pending is not None:  # a forced read is under way: say so
                    return replace(self._snapshot, refreshing_since=self._pending_since)
                return self._snapshot
            if self._pending is None:
                self._pending = self._pool.submit(
                    refresh_snapshot,
                    self._crm,
                    self._erp,
                    self._snapshot,
                    full_every=self._full_every,
                    labels=self._labels,
                )
                self._pending_since = datetime.now(UTC)
                self._pending.add_done_callback(self._landed)
            pending, current, since = self._pending, self._snapshot, self._pending_since
        try:
            return pending.result(timeout=self._deadline_s)
        except FutureTimeout:
            if current is None:
                raise StillReading(
                    f"reading {self._labels[0]} and {self._labels[1]} has taken more than "
                    f"{self._deadline_s:g} s; the page fills in when they answer"
                ) from None
            _log.warning("source.slow", systems=list(self._labels), deadline_s=self._deadline_s)
            return replace(current, refreshing_since=since)

    def invalidate(self) -> None:
        """Read again at the next `get` (after a write)."""
        with self._lock:
            self._loaded_at = 0.0

    def close(self) -> None:
        """Stop taking reads (a read in progress finishes on its own)."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _landed(self, future: Future[Snapshot]) -> None:
        """Keep what a read brought (a read that raised, only on a setting, is raised to its waiter)."""
        with self._lock:
            self._pending, self._pending_since = None, None
            if future.exception() is None:
                self._snapshot = future.result()
                self._loaded_at = self._clock()
