"""The analytics core on the demo portfolio, read over HTTP, against the sandbox's ground truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from dashboard import columns as c
from dashboard.analysis import Analysis, analyze, params_from_settings
from dashboard.settings import load_settings
from dashboard.snapshot import refresh_snapshot
from services.hubspot import HubSpotClient
from services.odoo import OdooClient
from tests.odoo_raw import RawOdoo, figures_by_code
from tests.sandbox_fixture import AS_OF, ODOO, ROOT, RunningSandbox

DEAL_KINDS = {"missing", "malformed", "dangling", "duplicate", "conflict"}


@pytest.fixture(scope="module")
def analysis(demo: RunningSandbox) -> Analysis:
    with HubSpotClient(demo.crm_url, "sandbox-token") as crm, OdooClient(demo.erp_url, **ODOO) as erp:
        snapshot = refresh_snapshot(crm, erp)
    return analyze(snapshot, params_from_settings(load_settings(), as_of=AS_OF))


def total(values: Any) -> Decimal:
    """Σ of Decimals, Decimal 0 when there are none."""
    return sum(values, Decimal(0))


def _key(item: dict[str, Any]) -> tuple[str, str | None]:
    """A problem is about a deal, except an orphan, which is about an ERP project."""
    if item["kind"] == "orphan":
        return ("orphan", item["erp_project_id"])
    return (item["kind"], item["crm_deal_id"])


def test_every_deliberate_problem_is_found_and_nothing_else(analysis: Analysis, demo: RunningSandbox) -> None:
    manifest = demo.manifest()
    expected = {_key(p) for p in manifest}
    found = {
        _key({"kind": f.kind, "crm_deal_id": f.crm_deal_id, "erp_project_id": f.erp_project_id})
        for f in analysis.findings
    }
    recall = len(expected & found) / len(expected)
    precision = len(expected & found) / len(found)
    seekers = [p for p in manifest if p["kind"] in ("missing", "dangling")]
    suggestion = {f.crm_deal_id: f.suggested_id for f in analysis.findings}
    right = sum(1 for p in seekers if suggestion.get(p["crm_deal_id"]) == p["expected_id"])
    top_share = right / len(seekers)
    print(
        f"\naudit on the demo portfolio ({demo.deals} deals, seed {demo.seed}, {len(manifest)} problems): "
        f"recall {recall:.0%}, precision {precision:.0%}, top suggestion right {right}/{len(seekers)} "
        f"({top_share:.0%}) for missing and dangling IDs"
    )
    assert found - expected == set(), "findings on clean records"
    assert expected - found == set(), "deliberate problems not found"
    assert top_share >= 0.9


def test_malformed_ids_are_fixed_to_the_manifests_expected_id(
    analysis: Analysis, demo: RunningSandbox
) -> None:
    expected = {p["crm_deal_id"]: p["expected_id"] for p in demo.manifest() if p["kind"] == "malformed"}
    got = {f.crm_deal_id: f.suggested_id for f in analysis.findings if f.kind == "malformed"}
    assert got == expected
    assert all(f.band == "apply" for f in analysis.findings if f.kind == "malformed")


def test_one_projects_figures_recomputed_by_hand_from_its_erp_lines(
    analysis: Analysis, demo: RunningSandbox
) -> None:
    """Figures worked out from the raw lines (tests/odoo_raw.py); aging from invoices that are the project's
    alone, so that the whole residual is the project's."""
    raw = RawOdoo(demo.erp_url)
    expected = figures_by_code(raw, 17)
    posted = [["move_type", "in", ["out_invoice", "out_refund"]], ["state", "=", "posted"]]
    moves = {
        m["id"]: m for m in raw.rows("account.move", posted, ["amount_residual_signed", "invoice_date_due"])
    }
    products = [["move_id", "in", sorted(moves)], ["display_type", "=", "product"]]
    lines = raw.rows("account.move.line", products, ["move_id", "analytic_distribution"])
    raw.close()
    codes = _codes(demo)
    owners: dict[int, set[str | None]] = {}
    named: dict[int, set[str]] = {}
    for line in lines:
        split = line["analytic_distribution"] or {}
        owners.setdefault(line["move_id"][0], set()).add(_sole_account(split))
        named.setdefault(line["move_id"][0], set()).update(p for key in split for p in key.split(","))
    alone = {m: codes[next(iter(o))] for m, o in owners.items() if len(o) == 1 and None not in o}
    figures = analysis.figures
    candidates = figures[
        (figures[c.CURRENCY] == "USD")
        & (figures[c.INVOICED_AMOUNT] > 0)
        & figures[c.CRM_DEAL_ID].notna()
        & (figures[c.OUTSTANDING_AMOUNT] > 0)
    ]
    shared = {codes[a] for m, accounts in named.items() if m not in alone for a in accounts if codes.get(a)}
    row = candidates[~candidates[c.ERP_PROJECT_ID].isin(shared)].iloc[0]
    want = expected[row[c.ERP_PROJECT_ID]]
    cents = Decimal("0.01")
    assert Decimal(str(row[c.LABOR_COST_AMOUNT])).quantize(cents) == want.labor
    assert Decimal(str(row[c.VENDOR_COST_AMOUNT])).quantize(cents) == want.vendor
    assert Decimal(str(row[c.OTHER_COST_AMOUNT])).quantize(cents) == want.other
    assert Decimal(str(row[c.ACTUAL_COST_AMOUNT])).quantize(cents) == want.cost
    assert Decimal(str(row[c.INVOICED_AMOUNT])).quantize(cents) == want.invoiced
    assert Decimal(str(row[c.PAID_AMOUNT])).quantize(cents) == want.paid
    assert Decimal(str(row[c.OUTSTANDING_AMOUNT])).quantize(cents) == want.outstanding
    assert Decimal(str(row[c.REALIZED_MARGIN_AMOUNT])).quantize(cents) == want.margin
    overdue = total(
        Decimal(str(moves[m]["amount_residual_signed"]))
        for m, code in alone.items()
        if code == row[c.ERP_PROJECT_ID]
        and (AS_OF - date.fromisoformat(moves[m]["invoice_date_due"])).days > 90
    )
    assert Decimal(str(row[c.AR_90_PLUS_AMOUNT])).quantize(cents) == overdue.quantize(cents)


def _sole_account(split: Any) -> str | None:
    """The account a line is wholly on ({"12": 100.0}), or None (split, shared, or no project)."""
    if split and len(split) == 1:
        ((key, percent),) = split.items()
        if "," not in key and percent == 100.0:
            return str(key)
    return None


def _codes(demo: RunningSandbox) -> dict[str, str]:
    raw = RawOdoo(demo.erp_url)
    codes = {str(a["id"]): a["code"] for a in raw.rows("account.analytic.account", [], ["code"])}
    raw.close()
    return codes


def test_the_report_command_prints_the_audit(demo: RunningSandbox, analysis: Analysis, tmp_path: Any) -> None:
    env = {
        **os.environ,
        "THROUGHLINE_SANDBOX__CRM_PORT": demo.crm_url.rsplit(":", 1)[1],
        "THROUGHLINE_SANDBOX__ERP_PORT": demo.erp_url.rsplit(":", 1)[1],
        "THROUGHLINE_STORE__DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}",
    }
    out = subprocess.run(
        [sys.executable, "-m", "dashboard", "report", "audit", "--as-of", AS_OF.isoformat()],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    rows = json.loads(out.stdout)
    assert {tuple(sorted(r)) for r in rows} == {
        ("band", "confidence", "crm_deal_id", "erp_project_id", "kind", "raw_id", "suggested_id")
    }
    manifest = demo.manifest()
    assert sorted(r["kind"] for r in rows) == sorted(p["kind"] for p in manifest)
    csv = subprocess.run(
        [sys.executable, "-m", "dashboard", "report", "figures", "--format", "csv"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    ).stdout
    assert csv.splitlines()[0].startswith("crm_deal_id,erp_project_id,project_label")
    assert len(csv.splitlines()) - 1 == len(analysis.figures)


def test_the_report_command_says_what_to_check_when_a_source_is_down(tmp_path: Any) -> None:
    env = {
        **os.environ,
        "THROUGHLINE_SANDBOX__CRM_PORT": "1",
        "THROUGHLINE_SANDBOX__ERP_PORT": "2",
        "THROUGHLINE_STORE__DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}",
    }
    out = subprocess.run(
        [sys.executable, "-m", "dashboard", "report", "audit"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert out.returncode == 2
    assert "cannot reach http://127.0.0.1:1" in out.stderr
    assert "Traceback" not in out.stderr
