"""The benchmark's table (figure, value, target, met?), its notes, and build/bench.json (flat figures)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Figures = Mapping[str, Any]


@dataclass(frozen=True)
class Row:
    figure: str
    value: str
    target: str = ""
    met: bool | None = None


def _s(value: float | None, digits: int = 1) -> str:
    return "did not finish" if value is None else f"{value:.{digits}f} s"


def _under(value: float | None, limit: float) -> bool:
    return value is not None and value < limit


def rows(f: Figures) -> list[Row]:
    """The table's rows from the figures."""
    floor_time, floor_requests = 1.2 * f["floor_s"], 1.1 * f["floor_requests"]
    overview = max(f["render_overview_first_s"], f["render_overview_s"])
    margin = max(f["render_margin_first_s"], f["render_margin_s"])
    return [
        Row(
            "cold load, empty cache to joined snapshot",
            _s(f["cold_load_s"]),
            f"<= 1.2 x floor = {floor_time:.1f} s",
            f["cold_load_s"] <= floor_time,
        ),
        Row(
            "  requests HubSpot / Odoo",
            f"{f['cold_load_requests_crm']} / {f['cold_load_requests_erp']}",
            f"<= 1.1 x floor = {floor_requests:.0f}",
            f["cold_load_requests"] <= floor_requests,
        ),
        Row("  HubSpot / Odoo read after", f"{f['cold_load_crm_s']:.1f} s / {f['cold_load_erp_s']:.1f} s"),
        Row(
            "floor: fewest requests HubSpot / Odoo", f"{f['floor_requests_crm']} / {f['floor_requests_erp']}"
        ),
        Row("floor: time 190 per rolling 10 s forces", _s(f["floor_s"])),
        Row(
            "warm load from the app's cache",
            f"{f['warm_load_s'] * 1000:.1f} ms, {f['warm_load_requests']} requests",
        ),
        Row(
            "refresh after 10 deals + 10 ERP lines changed",
            _s(f["refresh_s"], 2),
            "< 2 s",
            f["refresh_s"] < 2,
        ),
        Row(
            "  requests HubSpot / Odoo",
            f"{f['refresh_requests_crm']} / {f['refresh_requests_erp']}",
            "<= 12 HubSpot (issue 13: 5 searches, 6 association reads, 1 spare), <= 6 Odoo",
            f["refresh_requests_crm"] <= 12 and f["refresh_requests_erp"] <= 6,
        ),
        Row(
            "  equals the app's full read",
            "yes" if f["refresh_matches_full"] else "NO",
            "yes",
            bool(f["refresh_matches_full"]),
        ),
        Row(
            "transforms (join, audit, figures) at 10,000, best of 3",
            _s(f["transforms_10k_s"], 2),
            "< 0.8 s (issue 11)",
            _under(f["transforms_10k_s"], 0.8),
        ),
        Row("  first run in the process", _s(f["transforms_10k_first_s"], 2)),
        Row("  peak memory they add", f"{f['transforms_10k_peak_mb']:.0f} MB"),
        Row("transforms at 50,000", _s(f["transforms_50k_s"], 2)),
        Row(
            "  peak memory they add",
            "-" if f["transforms_50k_peak_mb"] is None else f"{f['transforms_50k_peak_mb']:.0f} MB",
        ),
        Row(
            "overview at 10,000 (first / second run)",
            f"{f['render_overview_first_s']:.2f} s / {f['render_overview_s']:.2f} s",
            "< 2 s",
            overview < 2,
        ),
        Row(
            "margin at 10,000 (first / second run)",
            f"{f['render_margin_first_s']:.2f} s / {f['render_margin_s']:.2f} s",
            "< 2 s",
            margin < 2,
        ),
        Row("  the app's cold load (AppTest, overview)", _s(f["app_cold_load_s"])),
        Row(
            "peak memory of the app process",
            f"{f['app_peak_mb']:.0f} MB",
            "< 1024 MB",
            f["app_peak_mb"] < 1024,
        ),
        Row(
            "plain way: HubSpot SDK get_all",
            f"{_s(f['plain_crm_s'])}, {f['plain_crm_requests']} requests",
            f"ours/plain: {f['ratio_crm_s']:.2f} time, {f['ratio_crm_requests']:.2f} requests",
        ),
        Row(
            "plain way: every Odoo line, pandas",
            f"{_s(f['plain_erp_s'])}, {f['plain_erp_requests']} requests",
            f"ours/plain: {f['ratio_erp_s']:.2f} time, {f['ratio_erp_requests']:.2f} requests",
        ),
        Row("  refresh / the slower plain read", f"{f['ratio_refresh_s']:.3f}"),
        *odoo_rows(f),
    ]


def odoo_rows(f: Figures) -> list[Row]:
    """Odoo alone on 17 (JSON-RPC, read_group) and 20 (JSON-2, formatted_read_group)."""
    out = []
    for version, how in (("17", "JSON-RPC"), ("20", "JSON-2")):
        cold, refresh = f[f"odoo{version}_cold_requests"], f[f"odoo{version}_refresh_requests"]
        cold_s, refresh_s = _s(f[f"odoo{version}_cold_s"]), _s(f[f"odoo{version}_refresh_s"], 2)
        out.append(
            Row(f"Odoo {version} ({how}) cold read", f"{cold_s}, {cold} requests", "<= 11", cold <= 11)
        )
        out.append(
            Row(
                f"Odoo {version} refresh, 10 lines changed",
                f"{refresh_s}, {refresh} requests",
                "<= 6",
                refresh <= 6,
            )
        )
    return out


def notes(f: Figures) -> list[str]:
    """What bounds each target that was not met, in numbers from this run."""
    found: list[str] = []
    if f["cold_load_s"] > 1.2 * f["floor_s"]:
        found.append(
            f"cold load: the floor counts only the rate limit ({f['floor_requests_crm']} HubSpot requests "
            f"need {f['floor_s']:.1f} s). In a rolling window request k + 190 starts no sooner than 10 s "
            f"after request k's answer, so the last {f['cold_load_requests_crm'] - 380} requests wait for "
            "the first as many answers plus 20 s; the deal listing is a chain of pages, one after another, "
            "so that many answers take 1.6 to 2.6 s. HubSpot was read after "
            f"{f['cold_load_crm_s']:.1f} s; the join after it is part of the figure."
        )
    if f["refresh_requests_crm"] > 12 or f["refresh_requests_erp"] > 6:
        found.append(
            f"refresh requests: an exact refresh asks each object type what changed, and the APIs answer one "
            f"type per request: HubSpot {f['refresh_requests_crm']} = 5 searches (deals, project records, "
            f"companies, contacts, tickets) + 6 association reads for the changed deals (one per type); "
            f"Odoo {f['refresh_requests_erp']} = touched accounts, line totals, projects, accounts, invoices "
            f"+ the touched accounts' sums. All within {f['refresh_s']:.2f} s."
        )
    if not _under(f["transforms_10k_s"], 0.8) or max(f["render_overview_first_s"], f["render_margin_s"]) >= 2:
        found.append(
            f"transforms: analyze takes {f['transforms_10k_s']:.2f} s at 10,000 deals (50,000: "
            f"{_s(f['transforms_50k_s'])}), and the first page run after a refresh waits for it. Its time "
            "is spread over building the frames from the records (~0.23 s), the join (~0.1 s), figures and "
            "portfolio (~0.06 s) and the audit (~0.15 s), whose fuzzy matching scores every unmatched deal "
            "against every unlinked project (quadratic: ~0.1 s at 10k); the pages are the second run."
        )
    if f["app_peak_mb"] >= 1024:
        found.append(f"memory: the app process peaked at {f['app_peak_mb']:.0f} MB.")
    found.append(
        f"machine: 2 cores, load average {f['load_avg_at_start']:.1f} at the start and "
        f"{f['load_avg_at_end']:.1f} at the end (other work on the machine slows every figure); "
        + (
            "portfolio reused from build/bench/"
            if f["db_reused"]
            else f"building the portfolio took {f['build_s']:.0f} s of this run"
        )
        + "."
    )
    return found


def table(found: list[Row]) -> str:
    """The rows as aligned text columns."""
    cells = [("figure", "value", "target", "met?")]
    cells += [
        (r.figure, r.value, r.target, "" if r.met is None else ("yes" if r.met else "NO")) for r in found
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = ["  ".join(c[i].ljust(widths[i]) for i in range(4)).rstrip() for c in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(figures: Figures, path: Path) -> None:
    """The figures as one flat JSON object."""
    path.parent.mkdir(parents=True, exist_ok=True)
    flat = {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}
    path.write_text(json.dumps(flat, indent=2, sort_keys=True) + "\n")
