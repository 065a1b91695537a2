"""The adversarial list: bad values written through HubSpot's and Odoo's APIs, and what the dashboard makes
of them. Each case reproduces one report of the hardening review (issue 14) and checks what a user sees.

The rest of the list lives beside this module: a CRM that hangs (test_hanging_crm.py), an app started from
another folder (test_started_elsewhere.py), suggestions on other seeds (test_suggestion_trust.py), every
page for every project (test_walk.py); and in tests/services/test_store.py, parallel sign-in guesses and
one answer for locked accounts on SQLite and PostgreSQL, and malformed store URLs.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from markdown_it import MarkdownIt

from dashboard import columns as c
from dashboard.export import to_excel_bytes
from dashboard.roles import Actor
from dashboard.transforms.corrections import DEAL_PROJECT_ID, ProposedCorrection
from dashboard.ui.tables import labelled
from dashboard.views import margin_rows
from dashboard.writeback import apply_corrections, undo_corrections
from services.hubspot import HubSpotClient
from services.store import Store
from tests.adversarial.conftest import analysis_of, deal_properties, env_for, odoo, page
from tests.sandbox_fixture import ROOT, TOKEN, RunningSandbox
from tests.ui.conftest import plain, read_snapshot

RENDER = MarkdownIt("commonmark").enable(["strikethrough"])
EVIL = "[Reset your password](https://evil.example/reset) ![p](https://evil.example/p.png) <b>x</b>"


@dataclass(frozen=True)
class Context:
    sandbox: RunningSandbox
    tmp: Path


def rendered(at: object, kinds: tuple[str, ...] = ("markdown", "warning", "error", "info", "caption")) -> str:
    """What the page's Markdown elements render to, as HTML (how a browser would show them)."""
    parts = [RENDER.render(e.value) for kind in kinds for e in getattr(at, kind)]
    return "\n".join(parts)


def no_error(at: object) -> None:
    assert not at.exception, [e.value for e in at.exception]  # type: ignore[attr-defined]


def won_deal(ctx: Context, *, with_record: bool | None = None) -> dict[str, str]:
    """A won deal of the sandbox (with or without a project record) as the analysis sees it."""
    handover = analysis_of(ctx.sandbox).handover
    rows = handover if with_record is None else handover[handover[c.HAS_PROJECT_RECORD] == with_record]
    row = rows.iloc[0]
    return {"id": str(row[c.CRM_DEAL_ID]), "name": str(row[c.DEAL_NAME])}


# --- the cases ----------------------------------------------------------------------------------------------


def project_without_record(ctx: Context) -> None:
    """The Project page raised TypeError (count_of(NA, NA)) for every project without a project record."""
    deal = won_deal(ctx, with_record=False)
    at = page("project", project=deal["id"])
    no_error(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Milestones done"] == "—"


def odoo_line_of_1e26(ctx: Context) -> None:
    """One analytic line of 1e26 made every Odoo read fail (Decimal.quantize InvalidOperation)."""
    [project] = odoo(ctx.sandbox, "project.project", "search_read", [["analytic_account_id", "!=", False]],
                     fields=["analytic_account_id", "name"], limit=1)  # fmt: skip
    account = project["analytic_account_id"][0]
    line = odoo(ctx.sandbox, "account.analytic.line", "create",
                {"name": "absurd", "account_id": account, "amount": -1e26, "date": "2026-10-01"})  # fmt: skip
    line_id = line[0] if isinstance(line, list) else line
    try:
        analysis = analysis_of(ctx.sandbox)
        assert analysis.erp_projects[c.ERP_NAME].notna().all()
        assert len(analysis.erp_projects) > 1
        flagged = analysis.erp_projects[analysis.erp_projects[c.ERP_PROBLEMS].notna()]
        assert len(flagged) == 1
        assert "other cost 1e+26 is not a plausible amount" in flagged[c.ERP_PROBLEMS].iloc[0]
        at = page("overview")
        no_error(at)
        assert all("inf" not in m.value for m in at.metric)
        assert any("could not be used" in e.label for e in at.expander)
    finally:
        odoo(ctx.sandbox, "account.analytic.line", "write", [line_id], {"amount": 0.0})


def currency_nobody_configured(ctx: Context) -> None:
    """One won deal in currency XYZ replaced the whole Overview with "no exchange rate" (a deal no ERP
    project carries yet: its figures are in its own currency)."""
    joined = analysis_of(ctx.sandbox).joined
    row = joined[joined[c.DEAL_IS_WON] & (joined[c.MATCH] == c.MATCH_DEAL_ONLY)].iloc[0]
    deal = {"id": str(row[c.CRM_DEAL_ID]), "name": str(row[c.DEAL_NAME])}
    before = deal_properties(ctx.sandbox, deal["id"], "deal_currency_code")["deal_currency_code"]
    ctx.sandbox.patch("deals", {deal["id"]: {"deal_currency_code": "XYZ"}})
    try:
        at = page("overview")
        no_error(at)
        assert {m.label for m in at.metric} >= {"Contract value", "Invoiced", "Outstanding"}
        [note] = [plain(w.value) for w in at.warning if "XYZ" in plain(w.value)]
        assert "Not in the USD totals: 1 project in XYZ" in note
    finally:
        ctx.sandbox.patch("deals", {deal["id"]: {"deal_currency_code": before or ""}})


def amounts_of_1e308(ctx: Context) -> None:
    """Two deals of 1e308 showed a contract value of "$inf"."""
    deals = analysis_of(ctx.sandbox).handover.iloc[:2]
    ids = [str(i) for i in deals[c.CRM_DEAL_ID]]
    before = {i: deal_properties(ctx.sandbox, i, "amount")["amount"] for i in ids}
    ctx.sandbox.patch("deals", {key: {"amount": "1e308"} for key in ids})
    try:
        for name in ("overview", "margin"):
            at = page(name)
            no_error(at)
            assert all("inf" not in m.value.lower() for m in at.metric), name
        flagged = " ".join(e.label for e in at.expander)
        assert "2 records hold values that could not be used" in flagged
    finally:
        ctx.sandbox.patch("deals", {i: {"amount": before[i] or ""} for i in ids})


def control_character_in_a_name(ctx: Context) -> None:
    """A control character in a deal name stopped the Margin Excel download (openpyxl refused it)."""
    deal = won_deal(ctx)
    ctx.sandbox.patch("deals", {deal["id"]: {"dealname": f"{deal['name']}\x07\x00 (bell)"}})
    try:
        analysis = analysis_of(ctx.sandbox)
        export = labelled(margin_rows(analysis.figures, analysis.joined), c.MARGIN_TABLE)
        book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(export)))  # the Margin page's Excel file
        names = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
        assert f"{deal['name']} (bell)" in names
        at = page("margin")
        no_error(at)
    finally:
        ctx.sandbox.patch("deals", {deal["id"]: {"dealname": deal["name"]}})


def formula_after_a_carriage_return(ctx: Context) -> None:
    """A deal name with \\r=cmd|… became a new CSV row starting with = in `report figures --format csv`."""
    deal = won_deal(ctx)
    ctx.sandbox.patch("deals", {deal["id"]: {"dealname": "Portal\r=cmd|' /C calc'!A0"}})
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dashboard", "report", "figures", "--format", "csv"],
            capture_output=True, text=True, cwd=ROOT, env=env_for(ctx.sandbox, ctx.tmp), timeout=180,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        rows = list(csv.reader(io.StringIO(done.stdout)))
        figures = analysis_of(ctx.sandbox).figures
        assert len(rows) == len(figures) + 1  # no row was split in two
        assert all(not cell.lstrip().startswith(("=", "+", "@")) for row in rows for cell in row)
        assert any("Portal =cmd" in cell for row in rows for cell in row)
    finally:
        ctx.sandbox.patch("deals", {deal["id"]: {"dealname": deal["name"]}})


def markdown_in_the_link(ctx: Context) -> None:
    """`?project=[Reset your password](https://evil…)` was reflected as a live link."""
    at = page("project", project=EVIL)
    no_error(at)
    html = rendered(at)
    assert "Reset your password" in html
    assert "<a " not in html
    assert "<img" not in html
    assert "<b>" not in html


def markdown_in_a_company_name(ctx: Context) -> None:
    """A company named `[Evil](https://…) ![p](https://…)` rendered as a link and an image on the Project
    page, in audit texts and in charts (Plotly renders HTML in labels)."""
    snapshot = read_snapshot(ctx.sandbox)
    assert snapshot.crm is not None
    # the largest won deal: its customer is on the Overview's margin-by-customer chart
    deal = max((d for d in snapshot.crm.deals if d.is_won and d.company_ids), key=lambda d: d.amount or 0)
    company = next(co for co in snapshot.crm.companies if co.company_id == deal.company_ids[0])
    ctx.sandbox.patch("companies", {company.company_id: {"name": EVIL}})
    try:
        at = page("project", project=deal.crm_deal_id)
        no_error(at)
        html = rendered(at)
        assert "Reset your password" in html
        assert "<a " not in html
        assert "<img" not in html
        audit = page("audit")
        no_error(audit)
        assert "<a " not in rendered(audit)
        overview = page("overview")
        no_error(overview)
        specs = [json.loads(e.proto.spec) for e in overview.get("plotly_chart")]
        labels = [y for spec in specs for trace in spec["data"] for y in trace.get("y", [])]
        assert any("Reset your password" in str(label) for label in labels)  # the name is on the chart...
        assert not any("<b>" in str(label) or "<a" in str(label) for label in labels)  # ...as text
    finally:
        ctx.sandbox.patch("companies", {company.company_id: {"name": company.name or ""}})


def write_answered_after_the_timeout(ctx: Context) -> None:
    """HubSpot applied a batch update whose answer came after the client's timeout: the log said "failed"
    though HubSpot held the new value, and the row could not be undone."""
    deal = won_deal(ctx)
    before = deal_properties(ctx.sandbox, deal["id"], "erp_project_id")["erp_project_id"]
    store = Store(f"sqlite:///{ctx.tmp / 'late.sqlite'}")
    store.migrate()
    ops = Actor("olga.ops@example.com", "ops")
    proposal = ProposedCorrection(DEAL_PROJECT_ID, deal["id"], before, "PRJ-77777", None, deal["name"])
    with HubSpotClient(ctx.sandbox.crm_url, TOKEN, timeout=1.0, max_retries=0) as crm:
        ctx.sandbox.faults("crm", late_next=1, hang_s=2.5, path_contains="/batch/update")
        report = apply_corrections(crm, store, [proposal], actor=ops)
        ctx.sandbox.reset()
        assert report.applied == (deal["id"],)  # settled by reading the deal back, not "failed"
        [row] = store.corrections(batch_id=report.batch_id)
        assert (row.status, row.after) == ("applied", "PRJ-77777")
        assert deal_properties(ctx.sandbox, deal["id"], "erp_project_id")["erp_project_id"] == "PRJ-77777"
        undone = undo_corrections(crm, store, [row.id], actor=ops)
    assert undone.applied == (deal["id"],)
    assert deal_properties(ctx.sandbox, deal["id"], "erp_project_id")["erp_project_id"] == before
    assert store.correction(row.id).status == "undone"
    store.close()


def credentials_inside_a_url(ctx: Context) -> None:
    """Credentials inside a system URL (http://svc:pw@host) were shown in the banner to every role and
    unmasked on Settings."""
    secret = "pw-5c5c5c5c"
    env = env_for(
        ctx.sandbox,
        ctx.tmp,
        THROUGHLINE_HUBSPOT__TOKEN="pat-na1-00000000-1111-2222-3333-444444444444",
        THROUGHLINE_HUBSPOT__BASE_URL=f"http://svc:{secret}@127.0.0.1:1",  # nothing listens there
        THROUGHLINE_HUBSPOT__MAX_RETRIES="0",
        THROUGHLINE_ODOO__URL=f"http://svc:{secret}@{ctx.sandbox.erp_url.split('//')[1]}",
        THROUGHLINE_ODOO__DATABASE="sandbox",
        THROUGHLINE_ODOO__LOGIN="admin",
        THROUGHLINE_ODOO__API_KEY="odoo-key-0a0a0a0a",
        THROUGHLINE_ACCESS__MODE="local",
    )
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "report", "figures"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=180,
    )  # fmt: skip
    assert done.returncode == 2  # HubSpot cannot be reached: the report says so, on stderr
    assert "cannot reach http://svc:[redacted]@127.0.0.1:1" in done.stderr
    assert secret not in done.stdout + done.stderr
    from dashboard.settings import Settings
    from dashboard.views import settings_rows

    shown = settings_rows(Settings(**{}))  # the Settings page's rows, from the same environment
    assert secret not in shown.to_csv()


CASES: dict[str, Callable[[Context], None]] = {
    "project page without a project record": project_without_record,
    "an Odoo analytic line of 1e26": odoo_line_of_1e26,
    "a won deal in currency XYZ": currency_nobody_configured,
    "two deals of 1e308": amounts_of_1e308,
    "a control character in a deal name": control_character_in_a_name,
    "a formula after a carriage return in a deal name": formula_after_a_carriage_return,
    "Markdown in the ?project= link": markdown_in_the_link,
    "Markdown and HTML in a company name": markdown_in_a_company_name,
    "a batch update answered after the client's timeout": write_answered_after_the_timeout,
    "credentials inside a system URL": credentials_inside_a_url,
}


@pytest.mark.parametrize("case", list(CASES))
def test_adversarial(
    case: str, app_env: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if case == "credentials inside a system URL":
        for name, value in env_for(app_env, tmp_path).items():
            monkeypatch.setenv(name, value)
    CASES[case](Context(app_env, tmp_path))
