"""Every Odoo version in use, read end to end: the report's figures equal those worked out from the raw lines.

Runs on each variant of tests/services/conftest_odoo.py (16, 17, 18, 19, Odoo Online's saas-19.2, 20, 22 and
19 without Timesheets): `python -m dashboard report figures` reads the variant's sandbox as a user would, and
tests/odoo_raw.py works the same figures out from rows read with plain HTTP calls.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from dashboard import columns as c
from services.errors import AuthError
from services.odoo import OdooClient
from tests.odoo_raw import RawOdoo, figures_by_code
from tests.sandbox_fixture import ODOO, ROOT
from tests.services.conftest_odoo import OdooSandbox

CENT = Decimal("0.01")


@pytest.fixture
def raw(odoo_sandbox: OdooSandbox) -> Iterator[RawOdoo]:
    client = RawOdoo(odoo_sandbox.url)
    yield client
    client.close()


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def test_the_report_equals_the_raw_lines_to_the_cent(odoo_sandbox: OdooSandbox, raw: RawOdoo) -> None:
    sandbox = odoo_sandbox.sandbox
    env = {
        **os.environ,
        "THROUGHLINE_SANDBOX__CRM_PORT": sandbox.crm_url.rsplit(":", 1)[1],
        "THROUGHLINE_SANDBOX__ERP_PORT": sandbox.erp_url.rsplit(":", 1)[1],
        "THROUGHLINE_LOG__LEVEL": "WARNING",
    }
    out = subprocess.run(
        [sys.executable, "-m", "dashboard", "report", "figures", "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=180, check=True,
    )  # fmt: skip
    rows = [r for r in json.loads(out.stdout) if r[c.ERP_PROJECT_ID] and r[c.ACTUAL_COST_AMOUNT] is not None]
    expected = figures_by_code(raw, odoo_sandbox.version.major)
    compared = set()
    for row in rows:
        want = expected[row[c.ERP_PROJECT_ID]]
        names = (c.ACTUAL_COST_AMOUNT, c.INVOICED_AMOUNT, c.PAID_AMOUNT, c.OUTSTANDING_AMOUNT,
                 c.REALIZED_MARGIN_AMOUNT)  # fmt: skip
        got = tuple(_money(row[name]) for name in names)
        assert got == (want.cost, want.invoiced, want.paid, want.outstanding, want.margin), row[
            c.ERP_PROJECT_ID
        ]
        assert _money(row[c.LABOR_COST_AMOUNT]) == (want.labor if odoo_sandbox.timesheets else 0)
        compared.add(row[c.ERP_PROJECT_ID])
    assert len(compared) >= 25
    assert _case_codes(raw) <= compared  # every awkward shape of the demo is among the rows compared


def _case_codes(raw: RawOdoo) -> set[str]:
    """The codes of the projects the demo gives its awkward shapes (sandbox/portfolio/erp.py CASES)."""
    codes = {a["id"]: a["code"] for a in raw.rows("account.analytic.account", [], ["code"])}
    distributed = [["display_type", "=", "product"], ["analytic_distribution", "!=", False]]
    lines = raw.rows("account.move.line", distributed, ["analytic_distribution", "move_type"])
    accounts: set[int] = set()
    for line in lines:
        split = line["analytic_distribution"]
        if len(split) > 1 or any("," in key for key in split) or line["move_type"] in ("out_refund", "entry"):
            accounts |= {int(part) for key in split for part in key.split(",")}
    manual = raw.rows(
        "account.analytic.line", [["amount", ">", 0], ["category", "=", "other"]], ["account_id"]
    )
    accounts |= {line["account_id"][0] for line in manual if line["account_id"]}
    return {codes[a] for a in accounts if codes.get(a)}


def test_the_demo_carries_every_shape_on_every_version(odoo_sandbox: OdooSandbox, raw: RawOdoo) -> None:
    major = odoo_sandbox.version.major
    lines = raw.rows("account.move.line", [["display_type", "=", "product"]],
                     ["analytic_distribution", "move_type", "parent_state"])  # fmt: skip
    splits = [line["analytic_distribution"] for line in lines if line["move_type"] == "out_invoice"]
    assert False in splits  # an invoice line for no project
    assert any(s and sorted(s.values()) == [50.0, 50.0] for s in splits)  # half project, half department
    assert any(s and sorted(s.values()) == [33.33, 33.33, 33.34] for s in splits)  # shared by three projects
    joined = [s for s in splits if s and any("," in key for key in s)]
    assert bool(joined) == (major >= 17)  # 16 has no multi-plan keys: one account per key
    assert {line["move_type"] for line in lines} >= {"out_invoice", "out_refund", "in_invoice", "entry"}
    assert "draft" in {line["parent_state"] for line in lines}
    columns = raw.call("account.analytic.line", "fields_get", attributes=["type"])
    if major >= 17:  # a project whose account sits in the Departments plan: its lines use that plan's column
        elsewhere = [["x_plan2_id", "!=", False], ["account_id", "=", False]]
        assert raw.call("account.analytic.line", "search_count", domain=elsewhere) > 10
    assert ("project_id" in columns) == odoo_sandbox.timesheets


def test_each_version_is_read_over_its_own_transport(odoo_sandbox: OdooSandbox) -> None:
    version, sandbox = odoo_sandbox.version, odoo_sandbox.sandbox
    sandbox.reset_stats()
    with OdooClient(odoo_sandbox.url, **ODOO) as client:
        snapshot = client.fetch_snapshot()
    stats = sandbox.stats("erp")
    # version, [sign-in], fields_get, projects [+ accounts on 16], one grouped sum, invoices, invoice lines
    expected = {16: 8, 17: 7, 18: 7, 19: 6, 20: 6, 22: 6}[version.major]
    assert snapshot.requests == expected
    # the version from the web client's route (no /jsonrpc call, which 19 deprecates with a warning)
    transport = "json2" if version.json2 else "jsonrpc"
    assert stats == {"version": 1, transport: expected - 1}
    assert snapshot.unavailable == (
        {} if odoo_sandbox.timesheets else {"labor_cost": "not available (Timesheets not installed)",
                                             "labor_hours": "not available (Timesheets not installed)"}
    )  # fmt: skip
    assert any("miscellaneous journal entries" in note for note in snapshot.notes)


def test_one_projects_documents_add_up_to_its_figures(odoo_sandbox: OdooSandbox, raw: RawOdoo) -> None:
    with OdooClient(odoo_sandbox.url, **ODOO) as client:
        snapshot = client.fetch_snapshot()
        actuals = {a.erp_record_id: a for a in snapshot.actuals}
        busiest = sorted(snapshot.actuals, key=lambda a: (-len([r for r in snapshot.receivables
                                                                 if r.erp_record_id == a.erp_record_id]),
                                                           a.erp_record_id))[:4]  # fmt: skip
        for project in busiest:
            documents = client.fetch_project_documents(project.erp_record_id)
            sums: dict[str, Decimal] = {}
            for d in documents:
                sums[d.section] = sums.get(d.section, Decimal(0)) + d.amount
            want = actuals[project.erp_record_id]
            assert sums.get("labor", Decimal(0)) == want.labor_cost
            assert sums.get("vendor", Decimal(0)) == want.vendor_cost
            assert (
                sums.get("other_cost", Decimal(0)) - sums.get("other_revenue", Decimal(0)) == want.other_cost
            )
            assert sums.get("invoice", Decimal(0)) == want.invoiced


def test_a_wrong_key_says_what_to_do_and_never_shows_the_key(odoo_sandbox: OdooSandbox) -> None:
    key = "wrong-key-8cb1f3"
    with OdooClient(odoo_sandbox.url, ODOO["database"], ODOO["login"], key) as client:
        with pytest.raises(AuthError) as caught:
            client.fetch_snapshot()
    text = str(caught.value)
    assert "Odoo refused the API key" in text
    assert "New API Key" in text
    assert ("expired" in text) == (odoo_sandbox.version.major >= 18)
    assert key not in text


def test_a_refresh_reads_what_changed_with_six_requests(odoo_sandbox: OdooSandbox, raw: RawOdoo) -> None:
    """Writes to the shared sandbox, and writes the values back at the end."""
    with OdooClient(odoo_sandbox.url, **ODOO, change_lag=timedelta(0)) as client:
        started = datetime.now(UTC) - timedelta(seconds=1)
        first = client.fetch_read()
        kind = [["project_id", "!=", False]] if odoo_sandbox.timesheets else [["category", "=", "other"]]
        columns = ["account_id"] + (["x_plan2_id"] if odoo_sandbox.version.major >= 17 else [])
        lines = raw.rows("account.analytic.line", [*kind, ["amount", "<", 0], ["journal_id", "=", False]],
                         ["amount", *columns])[:3]  # fmt: skip
        try:
            for line in lines:  # 100 less on the line is 100 more cost
                raw.call(
                    "account.analytic.line", "write", ids=[line["id"]], vals={"amount": line["amount"] - 100}
                )
            second = client.fetch_changes(first, started)
            assert second is not None
            assert second.snapshot.requests == 6  # 5 questions and the touched accounts' sums
            figure = "labor_cost" if odoo_sandbox.timesheets else "other_cost"
            before = {a.erp_record_id: getattr(a, figure) for a in first.snapshot.actuals}
            after = {a.erp_record_id: getattr(a, figure) for a in second.snapshot.actuals}
            full = client.fetch_snapshot()
            assert second.snapshot.actuals == full.actuals
            changed = {pid for pid in after if after[pid] != before[pid]}
            assert sum(after[p] - before[p] for p in changed) == 100 * len(lines)
        finally:
            for line in lines:
                raw.call("account.analytic.line", "write", ids=[line["id"]], vals={"amount": line["amount"]})
