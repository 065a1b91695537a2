"""The QuickBooks case of `make bench`: the demo booked in QuickBooks Online at about 5,000 projects.

Builds (once, into build/bench/) the 7,000-deal demo with its ERP side in QuickBooks terms, serves it with
50 ms added to every request and Intuit's limits (500 requests a minute, 10 a second, 10 at a time per
company), and measures the adapter as the dashboard builds it (8 requests a second, under Intuit's 10): a
cold read (every customer and transaction, 1000 a page), and an incremental refresh after 10 time
activities were changed in the company by someone else (change data capture, the time activities written
since, their count), checked against a full read. The floor is the fewest requests QuickBooks' page size
allows for the same rows, and the time Intuit's 10 a second force on them. The figures go next to Odoo's.

    python -m tests.bench.quickbooks      # this case alone, beside the Odoo figures of the last make bench
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx

from dashboard.wiring import build_clients
from sandbox.db import make_engine
from sandbox.server import ServeOptions, ensure_portfolio, free_port, start_process, stop_process
from services.quickbooks import QuickBooksClient
from services.quickbooks.figures import QuickBooksMarks
from tests.bench import report
from tests.bench.sandboxes import FOLDER, LATENCY_MS
from tests.quickbooks_fixture import Bookkeeper, settings_for
from tests.sandbox_fixture import RunningSandbox

DEALS = 7_000  # 4,900 won deals and their internal projects: about 5,000 QuickBooks projects
SEED = 7
DB = FOLDER / f"sandbox-quickbooks-{DEALS}.sqlite"
STORE = FOLDER / "store-quickbooks.sqlite"
CHANGED = 10
PAGE = 1000
BENCH_JSON = FOLDER.parent / "bench.json"


def ensure_db() -> float | None:
    """Build the QuickBooks portfolio unless build/bench/ holds it; seconds it took, or None."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    options = ServeOptions(deals=DEALS, seed=SEED, db=DB, erp="quickbooks", as_of=datetime.now(UTC).date())
    started = time.perf_counter()
    message = ensure_portfolio(make_engine(DB), options)
    if message.startswith("reusing"):
        return None
    STORE.unlink(missing_ok=True)  # a new company: its first refresh token is the one to start from
    return time.perf_counter() - started


@contextmanager
def serve() -> Iterator[RunningSandbox]:
    """The QuickBooks sandbox on the benchmark's database, 50 ms added to every request."""
    crm_port, erp_port = free_port(), free_port()
    args = [
        "--crm-port", str(crm_port), "--erp-port", str(erp_port), "--deals", str(DEALS), "--seed", str(SEED),
        "--db", str(DB), "--erp", "quickbooks", "--latency-ms", str(LATENCY_MS),
    ]  # fmt: skip
    crm_url, erp_url = f"http://127.0.0.1:{crm_port}", f"http://127.0.0.1:{erp_port}"
    process = start_process(args, crm_url, erp_url, log=FOLDER / "sandbox-quickbooks.log")
    try:
        yield RunningSandbox(crm_url, erp_url, DB, DEALS, SEED, process)
    finally:
        stop_process(process)


def floor_requests(marks: QuickBooksMarks, rates: int) -> int:
    """The fewest requests QuickBooks' 1000-row pages allow for the rows read: a page per 1000 rows of each
    type (at least one) and a count for each type longer than a page; the home currency, the accounts, the
    employees and one rate per foreign currency."""
    rows: dict[str, int] = {"Customer": len(marks.customers)}
    for kind, _ in marks.documents:
        rows[kind] = rows.get(kind, 0) + 1
    for kind in ("Invoice", "CreditMemo", "Bill", "VendorCredit", "Purchase", "JournalEntry", "TimeActivity"):
        rows.setdefault(kind, 0)
    pages = sum(max(1, math.ceil(n / PAGE)) + (1 if n >= PAGE else 0) for n in rows.values())
    extra = 1 + (1 if marks.expense_accounts else 0) + (1 if marks.employee_rates is not None else 0)
    return pages + extra + rates


def measure() -> dict[str, Any]:
    """Cold read and incremental refresh of the QuickBooks adapter; the figures as a flat dict."""
    figures: dict[str, Any] = {}
    built = ensure_db()
    figures["qbo_build_s"] = built or 0.0
    with serve() as box:
        settings = settings_for(box, STORE, throttle_wait_s=60.0)  # Intuit's wait, as in production
        clients = build_clients(settings)
        erp = clients.erp
        assert isinstance(erp, QuickBooksClient)
        try:
            started = time.perf_counter()
            since = datetime.now(UTC)
            read = erp.fetch_read()
            figures["qbo_cold_read_s"] = time.perf_counter() - started
            marks = read.marks
            assert isinstance(marks, QuickBooksMarks)
            figures["qbo_cold_read_requests"] = read.snapshot.requests
            figures["qbo_floor_requests"] = floor_requests(marks, len(marks.rates))
            # Intuit's 10 a second: request k + 10 starts at least a second after request k
            figures["qbo_floor_s"] = float((figures["qbo_floor_requests"] - 1) // 10)
            figures["qbo_projects"] = len(read.snapshot.projects)
            figures["qbo_time_activities"] = sum(1 for kind, _ in marks.documents if kind == "TimeActivity")
            figures["qbo_transactions"] = len(marks.documents)
            figures["qbo_budget"] = read.snapshot.budget
            books = Bookkeeper(box)
            changed = books.query(
                f"SELECT * FROM TimeActivity WHERE Hours > '0' ORDERBY Id MAXRESULTS {CHANGED}"
            )
            for row in changed:
                books.save("TimeActivity", {"Id": row["Id"], "SyncToken": row["SyncToken"], "sparse": True,
                                            "Hours": row["Hours"] + 1})  # fmt: skip
            time.sleep(1.1)  # the changes' requests count against the same app's 10 a second
            started = time.perf_counter()
            fresh = erp.fetch_changes(read, since)
            figures["qbo_refresh_s"] = time.perf_counter() - started
            if fresh is None:
                raise RuntimeError("the QuickBooks refresh was not incremental")
            figures["qbo_refresh_requests"] = fresh.snapshot.requests
            again = erp.fetch_read().snapshot
            figures["qbo_throttled"] = dict(
                httpx.get(f"{box.erp_url}/__sandbox__/quickbooks/throttled", timeout=5).json()
            )
            figures["qbo_refresh_matches_full"] = sorted(
                fresh.snapshot.actuals, key=lambda a: a.erp_record_id
            ) == sorted(again.actuals, key=lambda a: a.erp_record_id)
            for row in books.query(
                f"SELECT * FROM TimeActivity WHERE Hours > '0' ORDERBY Id MAXRESULTS {CHANGED}"
            ):
                books.save(
                    "TimeActivity",
                    {
                        "Id": row["Id"],
                        "SyncToken": row["SyncToken"],
                        "sparse": True,
                        "Hours": row["Hours"] - 1,
                    },
                )  # fmt: skip  (back as built)
        finally:
            clients.close()
    return figures


def rows(f: report.Figures) -> list[report.Row]:
    """The QuickBooks rows, each beside Odoo's figure from the same run (or the last one)."""
    odoo = f"Odoo, {f['erp_projects']:,} projects: " if "erp_projects" in f else "Odoo: not measured"
    cold = (
        f"{odoo}{f['cold_load_erp_s']:.1f} s, {f['cold_load_requests_erp']} requests"
        if "erp_projects" in f
        else odoo
    )
    refresh = (
        f"Odoo: {f['refresh_s']:.2f} s (with HubSpot), {f['refresh_requests_erp']} requests"
        if "refresh_requests_erp" in f
        else odoo
    )
    return [
        report.Row(
            f"QuickBooks at {f['qbo_projects']:,} projects ({f['qbo_transactions']:,} transactions, "
            f"{f['qbo_time_activities']:,} time activities): cold read",
            f"{f['qbo_cold_read_s']:.1f} s, {f['qbo_cold_read_requests']} requests "
            f"(floor {f['qbo_floor_requests']}, which 10 a second make {f['qbo_floor_s']:.0f} s)",
            cold,
            f["qbo_cold_read_requests"] <= f["qbo_floor_requests"],
        ),
        report.Row(
            f"  refresh after {CHANGED} time activities changed",
            f"{f['qbo_refresh_s']:.2f} s, {f['qbo_refresh_requests']} requests",
            refresh,
        ),
        report.Row(
            "  refresh equals a full read",
            "yes" if f["qbo_refresh_matches_full"] else "NO",
            "yes",
            bool(f["qbo_refresh_matches_full"]),
        ),
    ]


def main() -> None:
    """This case alone, beside the Odoo figures of the last `make bench` (build/bench.json)."""
    load = os.getloadavg()[0]
    figures = measure()
    last = json.loads(BENCH_JSON.read_text()) if BENCH_JSON.exists() else {}
    both = {**{k: v for k, v in last.items() if not k.startswith("qbo_")}, **figures}
    print(report.table(rows(both)))
    print(
        f"\n{figures['qbo_budget']}; throttled by the sandbox: {figures['qbo_throttled'] or 'none'}; "
        f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the "
        f"end (2 cores); Odoo figures from {BENCH_JSON if last else 'no earlier make bench'}"
    )


if __name__ == "__main__":
    main()
