"""The analytics core on the demo portfolio, read over HTTP, against the sandbox's ground truth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from dashboard import columns as c
from dashboard.analysis import Analysis, analyze, params_from_settings
from dashboard.settings import load_settings
from dashboard.snapshot import refresh_snapshot
from services.hubspot import HubSpotClient
from services.odoo import OdooClient
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


def _rpc(url: str, model: str, method: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    uid = httpx.post(
        f"{url}/jsonrpc",
        json={
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "common",
                "method": "login",
                "args": [ODOO["database"], ODOO["login"], ODOO["api_key"]],
            },
        },
    ).json()["result"]
    body = {
        "jsonrpc": "2.0",
        "method": "call",
        "id": 2,
        "params": {
            "service": "object",
            "method": "execute_kw",
            "args": [ODOO["database"], uid, ODOO["api_key"], model, method, args, kwargs],
        },
    }
    return httpx.post(f"{url}/jsonrpc", json=body, timeout=30).json()["result"]


def test_one_projects_figures_recomputed_by_hand_from_its_erp_lines(
    analysis: Analysis, demo: RunningSandbox
) -> None:
    figures = analysis.figures
    row = figures[
        (figures[c.CURRENCY] == "USD")
        & (figures[c.INVOICED_AMOUNT] > 0)
        & figures[c.CRM_DEAL_ID].notna()
        & (figures[c.OUTSTANDING_AMOUNT] > 0)
    ].iloc[0]
    code = row[c.ERP_PROJECT_ID]
    lines = _rpc(
        demo.erp_url,
        "account.analytic.line",
        "search_read",
        [[["account_id.code", "=", code]]],
        {"fields": ["amount", "category", "project_id"]},
    )
    cents = Decimal("0.01")
    labor = -total(Decimal(str(x["amount"])) for x in lines if x["project_id"])
    vendor = -total(Decimal(str(x["amount"])) for x in lines if x["category"] == "vendor_bill")
    other = -total(
        Decimal(str(x["amount"]))
        for x in lines
        if x["category"] == "other" and not x["project_id"] and x["amount"] < 0
    )
    invoiced = total(Decimal(str(x["amount"])) for x in lines if x["category"] == "invoice")
    account = _rpc(
        demo.erp_url, "account.analytic.account", "search_read", [[["code", "=", code]]], {"fields": ["id"]}
    )
    move_lines = _rpc(
        demo.erp_url,
        "account.move.line",
        "search_read",
        [
            [
                ["analytic_distribution", "in", [account[0]["id"]]],
                ["move_type", "in", ["out_invoice", "out_refund"]],
                ["parent_state", "=", "posted"],
            ]
        ],
        {"fields": ["move_id"]},
    )
    moves = _rpc(
        demo.erp_url,
        "account.move",
        "read",
        [sorted({m["move_id"][0] for m in move_lines})],
        {"fields": ["amount_total_signed", "amount_residual_signed", "invoice_date_due"]},
    )
    outstanding = total(Decimal(str(m["amount_residual_signed"])) for m in moves)
    paid = total(Decimal(str(m["amount_total_signed"])) for m in moves) - outstanding
    cost = labor + vendor + other
    assert Decimal(str(row[c.LABOR_COST_AMOUNT])).quantize(cents) == labor.quantize(cents)
    assert Decimal(str(row[c.VENDOR_COST_AMOUNT])).quantize(cents) == vendor.quantize(cents)
    assert Decimal(str(row[c.OTHER_COST_AMOUNT])).quantize(cents) == other.quantize(cents)
    assert Decimal(str(row[c.ACTUAL_COST_AMOUNT])).quantize(cents) == cost.quantize(cents)
    assert Decimal(str(row[c.INVOICED_AMOUNT])).quantize(cents) == invoiced.quantize(cents)
    assert Decimal(str(row[c.PAID_AMOUNT])).quantize(cents) == paid.quantize(cents)
    assert Decimal(str(row[c.OUTSTANDING_AMOUNT])).quantize(cents) == outstanding.quantize(cents)
    assert Decimal(str(row[c.REALIZED_MARGIN_AMOUNT])).quantize(cents) == (invoiced - cost).quantize(cents)
    overdue = total(
        Decimal(str(m["amount_residual_signed"]))
        for m in moves
        if (AS_OF - date.fromisoformat(m["invoice_date_due"])).days > 90
    )
    assert Decimal(str(row[c.AR_90_PLUS_AMOUNT])).quantize(cents) == overdue.quantize(cents)


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
