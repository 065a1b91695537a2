"""`python -m tests.bench` (`make bench`): Throughline's speed at 10,000 deals, against the plain way.

Builds the 10,000-deal portfolio once into build/bench/ (1.06 million ERP lines), serves it with 50 ms
added to every request and HubSpot's Professional limits, then measures, in this order: the cold load, the
transforms at 10,000 deals, an incremental refresh after 10 deals and 10 ERP lines changed, Odoo alone on
17 (JSON-RPC, read_group) and on 20 (JSON-2, formatted_read_group): a cold read and a refresh after 10 lines
changed, the plain way (HubSpot's SDK, every Odoo line in pandas), the transforms at 50,000 deals, the
overview and margin pages in AppTest, and the dashboard's peak memory in a browser; then the QuickBooks
adapter at 5,000 projects (cold read and refresh, tests/bench/quickbooks.py), next to Odoo's. Prints a table
and writes build/bench.json. `python -m tests.bench odoo` measures the Odoo part only.
"""

from __future__ import annotations

import math
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from dashboard import columns as c
from dashboard.analysis import (
    DEFAULT_CONVENTION,
    AnalysisParams,
    params_from_settings,
)
from dashboard.collector import without_cycle_collection
from dashboard.settings import load_settings
from dashboard.snapshot import Snapshot, refresh_snapshot
from dashboard.transforms.frames import crm_projects_frame, deals_frame, erp_projects_frame
from dashboard.transforms.ids import convention_from_pattern, infer_convention
from dashboard.transforms.join import join_projects
from services.hubspot import HubSpotClient
from services.models import CrmSnapshot, ErpSnapshot
from services.odoo import OdooClient, invoices
from tests.bench import floor, plain, quickbooks, report, sandboxes, transforms, untouched
from tests.bench.app_process import app_peak_mb
from tests.bench.render import app_environment, render_times
from tests.sandbox_fixture import ODOO, ROOT, TOKEN

OUT = ROOT / "build" / "bench.json"
CHANGED = 10
WINDOW_S = 10.5  # HubSpot's rolling window, and a little: each rate-limited phase starts with it empty
TRANSFORMS_50K_LIMIT_S = 240.0


class Bench:
    """The measurements, in order, on one pair of running systems."""

    def __init__(self, systems: sandboxes.Systems) -> None:
        self.systems = systems
        self.figures: dict[str, Any] = {}
        self.crm = HubSpotClient(systems.crm_url, TOKEN, requests_per_10s=sandboxes.BURST_PER_10S)
        self.erp = OdooClient(systems.erp_url, ODOO["database"], ODOO["login"], ODOO["api_key"], timeout=600)
        self.params = params_from_settings(load_settings())
        self._hubspot_idle_since = time.monotonic()

    def _wait_for_empty_window(self) -> None:
        time.sleep(max(0.0, WINDOW_S - (time.monotonic() - self._hubspot_idle_since)))

    def _hubspot_done(self) -> None:
        self._hubspot_idle_since = time.monotonic()

    def cold_load(self) -> Snapshot:
        f = self.figures
        self.systems.reset_stats()
        started_at, started = datetime.now(UTC), time.perf_counter()
        snap = refresh_snapshot(self.crm, self.erp, None)
        joined(snap, self.params)
        f["cold_load_s"] = time.perf_counter() - started
        self._hubspot_done()
        if snap.crm is None or snap.erp is None:
            raise RuntimeError(f"the cold load failed: {snap.crm_source.error or snap.erp_source.error}")
        f["cold_load_crm_s"] = (snap.crm_source.read_at - started_at).total_seconds()  # type: ignore[operator]
        f["cold_load_erp_s"] = (snap.erp_source.read_at - started_at).total_seconds()  # type: ignore[operator]
        f["cold_load_requests_crm"] = snap.crm_source.requests
        f["cold_load_requests_erp"] = snap.erp_source.requests
        f["cold_load_requests"] = snap.crm_source.requests + snap.erp_source.requests
        f["sandbox_counted_crm"] = sum(self.systems.crm_stats().values())
        f["sandbox_counted_erp"] = sum(self.systems.erp_stats().values())
        f["deals"], f["erp_projects"] = len(snap.crm.deals), len(snap.erp.projects)
        self._floor(snap)
        return snap

    def _floor(self, snap: Snapshot) -> None:
        if snap.crm is None:
            return
        count = lambda model, domain: self.erp.call(model, "search_count", domain=domain)  # noqa: E731
        f = self.figures
        f["erp_lines"] = count("account.analytic.line", [])
        f["floor_requests_crm"] = floor.crm_requests(snap.crm)
        f["tickets_pages"] = math.ceil(len(snap.crm.tickets) / floor.LIST_PAGE)
        f["floor_requests_erp"] = floor.erp_requests(
            projects=f["erp_projects"],
            invoices=count("account.move", invoices.MOVE_DOMAIN),
            invoice_lines=count("account.move.line", invoices.LINE_DOMAIN),
            signs_in=True,
        )
        f["floor_requests"] = f["floor_requests_crm"] + f["floor_requests_erp"]
        f["floor_s"] = floor.rate_limit_seconds(
            f["floor_requests_crm"], sandboxes.BURST_PER_10S, sandboxes.LATENCY_MS / 1000
        )

    def transforms_10k(self, snap: Snapshot) -> None:
        first, seconds, peak = transforms.timed_analysis(snap, self.params)
        self.figures["transforms_10k_first_s"] = first
        self.figures["transforms_10k_s"], self.figures["transforms_10k_peak_mb"] = seconds, peak

    def refresh(self, snap: Snapshot) -> tuple[Snapshot, dict[str, Any]]:
        """Change 10 deals and 10 ERP lines, refresh; what to write back afterwards."""
        deals = [d for d in (snap.crm.deals if snap.crm else ()) if d.amount is not None][:CHANGED]
        lines = changed_lines(self.erp)
        self._wait_for_empty_window()
        update_deals(self.crm, {d.crm_deal_id: {"amount": str((d.amount or 0) + 1)} for d in deals})
        write_lines(self.erp, lines, -1)
        started = time.perf_counter()
        fresh = refresh_snapshot(self.crm, self.erp, snap)
        self.figures["refresh_s"] = time.perf_counter() - started
        self._hubspot_done()
        if (fresh.crm_source.mode, fresh.erp_source.mode) != ("incremental", "incremental"):
            raise RuntimeError(f"the refresh was not incremental: {fresh.crm_source}, {fresh.erp_source}")
        self.figures["refresh_requests_crm"] = fresh.crm_source.requests
        self.figures["refresh_requests_erp"] = fresh.erp_source.requests
        undo = {"deals": {d.crm_deal_id: {"amount": str(d.amount)} for d in deals}, "lines": lines}
        return fresh, undo

    def undo(self, undo: dict[str, Any]) -> None:
        """Write the changed values back, so the next run starts from the portfolio as built."""
        self._wait_for_empty_window()
        update_deals(self.crm, undo["deals"])
        self._hubspot_done()
        write_lines(self.erp, undo["lines"], 0)

    def odoo_versions(self) -> None:
        """Odoo alone, on 17 (JSON-RPC) and 20 (JSON-2): a cold read, and a refresh after 10 lines changed."""
        for version, url in (("17", self.systems.erp_url), ("20", self.systems.erp20_url)):
            f = self.figures
            with OdooClient(url, ODOO["database"], ODOO["login"], ODOO["api_key"], timeout=600) as client:
                started_at, started = datetime.now(UTC), time.perf_counter()
                read = client.fetch_read()
                f[f"odoo{version}_cold_s"] = time.perf_counter() - started
                f[f"odoo{version}_cold_requests"] = read.snapshot.requests
                lines = changed_lines(client)
                write_lines(client, lines, -1)
                started = time.perf_counter()
                fresh = client.fetch_changes(read, started_at)
                f[f"odoo{version}_refresh_s"] = time.perf_counter() - started
                write_lines(client, lines, 0)
                if fresh is None:
                    raise RuntimeError(f"the Odoo {version} refresh was not incremental")
                f[f"odoo{version}_refresh_requests"] = fresh.snapshot.requests

    def plain_way(self) -> None:
        f = self.figures
        self.systems.reset_stats()
        f["plain_erp_s"], f["plain_erp_lines"] = plain.read_erp(self.systems.erp_url)
        f["plain_erp_requests"] = sum(self.systems.erp_stats().values())
        self._wait_for_empty_window()
        f["plain_crm_s"], f["plain_crm_records"] = plain.read_crm(self.systems.crm_url)
        self._hubspot_done()
        f["plain_crm_requests"] = sum(self.systems.crm_stats().values())

    def transforms_50k(self) -> None:
        seconds, peak = transforms.in_own_process(50_000, TRANSFORMS_50K_LIMIT_S)
        self.figures["transforms_50k_s"], self.figures["transforms_50k_peak_mb"] = seconds, peak

    def pages(self, refreshed: Snapshot) -> None:
        """AppTest renders; then the app's cache, warm, and whether the refresh equals the app's full read."""
        self._wait_for_empty_window()
        store = f"sqlite:///{sandboxes.FOLDER / 'store.sqlite'}"
        environment = app_environment(self.systems.crm_url, self.systems.erp_url, store)
        found = render_times(environment, compare_with=refreshed)
        self._hubspot_done()
        self.figures.update(found)

    def app_memory(self) -> None:
        self._wait_for_empty_window()
        store = f"sqlite:///{sandboxes.FOLDER / 'store.sqlite'}"
        environment = app_environment(self.systems.crm_url, self.systems.erp_url, store)
        self.figures["app_peak_mb"], self.figures["app_overview_load_s"] = app_peak_mb(environment)
        self._hubspot_done()

    def ratios(self) -> None:
        f = self.figures
        f["ratio_crm_s"] = f["cold_load_crm_s"] / f["plain_crm_s"]
        f["ratio_erp_s"] = f["cold_load_erp_s"] / f["plain_erp_s"]
        f["ratio_crm_requests"] = f["cold_load_requests_crm"] / f["plain_crm_requests"]
        f["ratio_erp_requests"] = f["cold_load_requests_erp"] / f["plain_erp_requests"]
        f["ratio_refresh_s"] = f["refresh_s"] / max(f["plain_crm_s"], f["plain_erp_s"])


def update_deals(crm: HubSpotClient, updates: dict[str, dict[str, str]]) -> None:
    """Deals changed as someone in HubSpot would change them: one batch update (the client writes only the
    project-ID property, so the benchmark posts the batch itself)."""
    inputs = [{"id": deal_id, "properties": properties} for deal_id, properties in updates.items()]
    crm.request("POST", "/crm/v3/objects/deals/batch/update", "update deals", json={"inputs": inputs})


def changed_lines(erp: OdooClient) -> list[dict[str, Any]]:
    """The first CHANGED timesheet lines, to change and write back."""
    rows = erp.call(
        "account.analytic.line", "search_read", domain=[["project_id", "!=", False]], fields=["amount"],
        limit=CHANGED, order="id asc",
    )  # fmt: skip
    return list(rows)


def write_lines(erp: OdooClient, lines: list[dict[str, Any]], delta: float) -> None:
    """Each line's amount as read, plus `delta` (one write per line, as a person edits them)."""
    for line in lines:
        erp.call("account.analytic.line", "write", ids=[line["id"]], vals={"amount": line["amount"] + delta})


def joined(snap: Snapshot, params: AnalysisParams) -> pd.DataFrame:
    """Deals joined to project records and ERP projects, the first step of `analyze` (the rest is timed
    as the transforms), run as `analyze` runs it: with the cycle collector paused."""
    with without_cycle_collection():
        return _joined(snap, params)


def _joined(snap: Snapshot, params: AnalysisParams) -> pd.DataFrame:
    crm = snap.crm or CrmSnapshot(deals=(), read_at=datetime.now(UTC))
    erp = snap.erp or ErpSnapshot(erp="odoo", projects=(), read_at=datetime.now(UTC))
    erp_projects = erp_projects_frame(erp)
    convention = (
        convention_from_pattern(params.id_pattern)
        if params.id_pattern
        else infer_convention(erp_projects[c.ERP_RAW_PROJECT_ID].tolist(), fallback=DEFAULT_CONVENTION)
    )
    return join_projects(deals_frame(crm), crm_projects_frame(crm), erp_projects, convention)


def main() -> None:
    if sys.argv[1:] == ["odoo"]:
        odoo_only()
        return
    started = time.perf_counter()
    figures: dict[str, Any] = {"load_avg_at_start": os.getloadavg()[0]}
    built = sandboxes.ensure_db()
    figures["build_s"] = built if built is not None else 0.0
    figures["db_reused"] = built is None
    print(
        f"portfolio: {'reused' if built is None else f'built in {built:.0f} s'} ({sandboxes.DB})", flush=True
    )
    with sandboxes.serve() as systems:
        systems.warm_search_index()
        bench = Bench(systems)
        bench.figures.update(figures)
        snap = _step("cold load", bench.cold_load)
        _step("transforms at 10,000", lambda: bench.transforms_10k(snap))
        refreshed, undo = _step("incremental refresh", lambda: bench.refresh(snap))
        _step("Odoo alone on 17 and 20", bench.odoo_versions)
        _step("plain way", bench.plain_way)
        _step("transforms at 50,000", bench.transforms_50k)
        _step("pages in AppTest", lambda: bench.pages(refreshed))
        _step("write the changes back", lambda: bench.undo(undo))
        _step("app in the browser", bench.app_memory)
        bench.ratios()
        figures = bench.figures
    figures.update(_step("QuickBooks at 5,000 projects", quickbooks.measure))
    figures.update(_step("HubSpot with records no deal touches", lambda: untouched.flat(untouched.measure())))
    figures["load_avg_at_end"] = os.getloadavg()[0]
    figures["bench_s"] = time.perf_counter() - started
    report.write_json(figures, OUT)
    print()
    print(report.table(report.rows(figures) + quickbooks.rows(figures) + untouched.rows(figures)))
    for note in report.notes(figures):
        print(f"- {note}")
    print(f"\nfigures in {OUT}; whole run {figures['bench_s']:.0f} s")


def odoo_only() -> None:
    """`python -m tests.bench odoo`: the portfolio, the Odoo sandboxes, and the Odoo figures alone."""
    built = sandboxes.ensure_db()
    print(
        f"portfolio: {'reused' if built is None else f'built in {built:.0f} s'} ({sandboxes.DB})", flush=True
    )
    with sandboxes.serve() as systems:
        bench = Bench(systems)
        _step("Odoo alone on 17 and 20", bench.odoo_versions)
    print()
    print(report.table(report.odoo_rows(bench.figures)))


def _step(name: str, run: Any) -> Any:
    started = time.perf_counter()
    print(f"{name}…", end=" ", flush=True)
    result = run()
    print(f"{time.perf_counter() - started:.1f} s", flush=True)
    return result


if __name__ == "__main__":
    main()
