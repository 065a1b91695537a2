"""What the card reads, kept for the dashboard's time (THROUGHLINE_CACHE_TTL_S), as the dashboard keeps it.

The read itself sits behind one small function, `read_for_deal`. Today it brings the whole snapshot up to
date exactly as a dashboard page does (dashboard/snapshot.py `refresh_snapshot`: only what changed after the
first read, everything every half hour) and the analysis comes from dashboard/analysis.py `analyze`; so a
card shows the dashboard's figures and freshness. A targeted read of the one deal (its record, project record
and associations, the ERP project's sums) replaces that function without changing anything around it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from dashboard.analysis import Analysis, AnalysisParams, analyze
from dashboard.snapshot import Snapshot, refresh_snapshot
from dashboard.wiring import Clients
from services import log
from services.errors import ThroughlineError, explain
from services.store import Store

_log = log.get("dashboard.api")


def read_for_deal(clients: Clients, previous: Snapshot | None, crm_deal_id: str) -> Snapshot:
    """The data the card for `crm_deal_id` needs: today both systems' snapshot brought up to date."""
    return refresh_snapshot(clients.crm, clients.erp, previous, labels=(clients.crm_label, clients.erp_label))


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
    analyses: dict[tuple[str, frozenset[str]], Analysis] = field(default_factory=dict)


class CardReader:
    """The snapshot and analyses behind the card, reused for `ttl_s` seconds; one read at a time."""

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
        self._held = _Held()

    def read(self, crm_deal_id: str) -> CardData:
        """The data for one deal's card: the held snapshot while fresh, else read again (what changed)."""
        accepted, accepted_error = self._accepted_keys()
        with self._lock:
            held = self._held
            fresh = held.snapshot is not None and self._monotonic() - held.loaded_at < self.ttl_s
            if not fresh:
                held.snapshot = read_for_deal(self.clients, held.snapshot, crm_deal_id)
                held.loaded_at = self._monotonic()
                held.analyses.clear()
            snapshot = held.snapshot
            assert snapshot is not None  # read above when missing
            key = (snapshot.version, accepted)
            if key not in held.analyses:
                held.analyses[key] = analyze(snapshot, self.params, accepted_keys=accepted)
            return CardData(snapshot, held.analyses[key], accepted_error)

    def _accepted_keys(self) -> tuple[frozenset[str], str | None]:
        """The findings ops accepted; an unreadable store means none (every finding shown), and why."""
        try:
            return self._store().accepted_keys(), None
        except ThroughlineError as error:
            _log.warning("store.read", operation="read accepted findings", error=explain(error))
            return frozenset(), explain(error)
