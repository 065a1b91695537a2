"""The systems the benchmark reads: the 10,000-deal portfolio, built once into build/bench/ and reused.

HubSpot and Odoo are separate systems on separate machines. The sandbox serves both from one Python
process, where Odoo's million-line aggregate would hold HubSpot's pages up for seconds; so the benchmark
starts two sandbox processes on the same database and reads HubSpot from one, Odoo from the other. Both
add 50 ms to every request; HubSpot's side enforces the Professional burst limit (190 per 10 s) and the
search limit (5 per second). A third process serves the same database as Odoo 20 (JSON-2,
formatted_read_group), so the Odoo figures are measured on both transports.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil

from sandbox.db import make_engine
from sandbox.server import ServeOptions, ensure_portfolio, free_port, start_process, stop_process
from tests.sandbox_fixture import ROOT, TOKEN

DEALS = 10_000
SEED = 7
LINES_PER_PROJECT = 150  # 7,167 ERP projects (won deals and internal ones) x 150 = 1.06 million lines
LATENCY_MS = 50
BURST_PER_10S = 190
FOLDER = ROOT / "build" / "bench"
DB = FOLDER / f"sandbox-{DEALS}.sqlite"
SEARCHED_TYPES = ("deals", "p_projects", "companies", "contacts", "tickets")


def ensure_db() -> float | None:
    """Build the portfolio unless build/bench/ holds one of the same size; seconds it took, or None."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    options = ServeOptions(
        deals=DEALS, seed=SEED, db=DB, erp_lines_per_project=LINES_PER_PROJECT, as_of=datetime.now(UTC).date()
    )
    started = time.perf_counter()
    message = ensure_portfolio(make_engine(DB), options)
    return None if message.startswith("reusing") else time.perf_counter() - started


@dataclass(frozen=True)
class Systems:
    crm_url: str
    erp_url: str
    crm_pid: int
    erp_pid: int
    erp20_url: str = ""

    def crm_stats(self) -> dict[str, int]:
        """Requests the HubSpot side counted per API family since the last reset."""
        return dict(httpx.get(f"{self.crm_url}/__sandbox__/stats", timeout=5).json())

    def erp_stats(self) -> dict[str, int]:
        return dict(httpx.get(f"{self.erp_url}/__sandbox__/stats", timeout=5).json())

    def reset_stats(self) -> None:
        for url in (self.crm_url, self.erp_url):
            httpx.post(f"{url}/__sandbox__/stats/reset", timeout=5).raise_for_status()

    def warm_search_index(self) -> None:
        """One search per type, so the sandbox builds its search index before anything is timed (a real
        portal's index is always there)."""
        for object_type in SEARCHED_TYPES:
            httpx.post(
                f"{self.crm_url}/crm/objects/2026-03/{object_type}/search",
                json={"limit": 1},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=120,
            ).raise_for_status()
            time.sleep(0.25)  # within the search limit


def _process(kind: str, odoo_version: str = "17") -> tuple[str, str, subprocess.Popen[bytes]]:
    crm_port, erp_port = free_port(), free_port()
    args = [
        "--crm-port", str(crm_port), "--erp-port", str(erp_port), "--deals", str(DEALS), "--seed", str(SEED),
        "--db", str(DB), "--erp-lines-per-project", str(LINES_PER_PROJECT),
        "--latency-ms", str(LATENCY_MS), "--burst-per-10s", str(BURST_PER_10S),
        "--odoo-version", odoo_version,
    ]  # fmt: skip
    crm_url, erp_url = f"http://127.0.0.1:{crm_port}", f"http://127.0.0.1:{erp_port}"
    process = start_process(args, crm_url, erp_url, log=FOLDER / f"sandbox-{kind}.log")
    return crm_url, erp_url, process


@contextmanager
def serve() -> Iterator[Systems]:
    """Sandbox processes on the benchmark's database: HubSpot read from one, Odoo 17 from another, Odoo 20
    from a third."""
    crm_url, _, crm_process = _process("hubspot")
    try:
        _, erp_url, erp_process = _process("odoo")
        try:
            _, erp20_url, erp20_process = _process("odoo20", "20")
            try:
                yield Systems(crm_url, erp_url, crm_process.pid, erp_process.pid, erp20_url)
            finally:
                stop_process(erp20_process)
        finally:
            stop_process(erp_process)
    finally:
        stop_process(crm_process)


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return psutil.Process(pid).memory_info().rss / 2**20
