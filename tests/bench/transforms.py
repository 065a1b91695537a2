"""The transforms (`analyze`: frames, join, audit, figures, handover, delivery) timed, with their peak memory.

Peak memory is the most resident memory the process held while `analyze` ran, less what it held before
(sampled every 10 ms from /proc), so the figure is what the transforms add, without tracemalloc's slowdown.
At 50,000 deals `analyze` runs in a process of its own (`python -m tests.bench.transforms 50000`), which a
time limit can stop without losing the rest of the benchmark.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

from dashboard.analysis import AnalysisParams, analyze, params_from_settings
from dashboard.settings import load_settings
from dashboard.snapshot import Snapshot, SourceRead
from tests.sandbox_fixture import ROOT


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class _PeakRss:
    """The largest resident size seen while running, sampled by a thread."""

    def __init__(self) -> None:
        self.peak = _rss_mb()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(0.01):
            self.peak = max(self.peak, _rss_mb())

    def __enter__(self) -> _PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


def timed_analysis(
    snapshot: Snapshot, params: AnalysisParams | None = None, *, runs: int = 3
) -> tuple[float, float, float]:
    """`analyze` on `snapshot`: the first run's seconds, the best of `runs` runs (a refresh in a running
    app), and the memory (MB) a run adds at its peak. Timed runs have no sampler thread beside them (it would
    take the GIL); the memory is sampled in one more run of its own."""
    params = params or params_from_settings(load_settings())
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        analyze(snapshot, params)
        times.append(time.perf_counter() - started)
    before = _rss_mb()
    with _PeakRss() as rss:
        analyze(snapshot, params)
    return times[0], min(times), rss.peak - before


def in_own_process(deals: int, timeout_s: float) -> tuple[float | None, float | None]:
    """`timed_analysis` of a synthetic `deals`-deal snapshot in a process of its own; (None, None) when it
    did not finish within `timeout_s`."""
    command = [sys.executable, "-m", "tests.bench.transforms", str(deals)]
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s, check=True
        )
    except subprocess.TimeoutExpired:
        return None, None
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return figures["seconds"], figures["peak_mb"]


def main(deals: int) -> None:
    from tests.bench.synthetic import snapshots  # the pandas-heavy builder, only in this process

    crm, erp = snapshots(deals)
    snapshot = Snapshot(crm, erp, SourceRead("HubSpot", crm.read_at), SourceRead("Odoo", erp.read_at))
    params = params_from_settings(load_settings())
    _first, seconds, peak_mb = timed_analysis(snapshot, params, runs=2)
    print(json.dumps({"deals": deals, "seconds": seconds, "peak_mb": peak_mb}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
