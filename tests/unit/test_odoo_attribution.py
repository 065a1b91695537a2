"""How Odoo's lines become per-project figures: each case of the attribution, with amounts worked out by hand.

Payloads are shaped as Odoo sends them (search_read rows, read_group / formatted_read_group groups); the
functions under test are pure (services/odoo/invoices.py, figures.py, grouping.py, versions.py, diagnosis.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.errors import AuthError, ConfigError, RejectedError
from services.models import ErpRecordId
from services.odoo import figures as F
from services.odoo.diagnosis import Scene, json2_error, jsonrpc_error, odoo_error
from services.odoo.grouping import group_arguments, normalized
from services.odoo.invoices import allocated, distribution, receivable_rows
from services.odoo.versions import OdooVersion, parse_version

P1, P2, P3 = ErpRecordId("1"), ErpRecordId("2"), ErpRecordId("3")
PROJECTS = {12: P1, 13: P2, 14: P3}  # analytic account -> project; 36 and 45 are departments
CURRENCY = {P1: "USD", P2: "USD", P3: "USD"}


def move(
    move_id: int, untaxed: str, total: str, residual: str, *, refund: bool = False, rate: str = "1"
) -> dict[str, Any]:
    """An account.move row as search_read sends it (amounts in the invoice's currency; *_signed in the
    company's, negative for a credit note)."""
    sign = Decimal(-1) if refund else Decimal(1)
    to_company = Decimal(rate)
    return {
        "id": move_id,
        "name": f"{'RINV' if refund else 'INV'}/2026/{move_id:05d}",
        "move_type": "out_refund" if refund else "out_invoice",
        "invoice_date": "2026-10-01",
        "invoice_date_due": "2026-10-31",
        "amount_untaxed": float(untaxed),
        "amount_total": float(total),
        "amount_residual": float(residual),
        "amount_untaxed_signed": float(sign * Decimal(untaxed) * to_company),
        "amount_total_signed": float(sign * Decimal(total) * to_company),
        "amount_residual_signed": float(sign * Decimal(residual) * to_company),
        "payment_state": "partial",
    }


def line(move_id: int, subtotal: str, total: str, split: dict[str, float] | None) -> dict[str, Any]:
    return {
        "move_id": [move_id, f"INV/2026/{move_id:05d}"],
        "analytic_distribution": split or False,
        "price_subtotal": float(subtotal),
        "price_total": float(total),
    }


def shares(
    moves: list[dict[str, Any]], lines: list[dict[str, Any]]
) -> dict[tuple[str, str], tuple[str, ...]]:
    """(document, project) -> (untaxed, total, residual, paid) as text, for comparing with hand figures."""
    rows = receivable_rows({m["id"]: m for m in moves}, lines, PROJECTS, CURRENCY)
    return {
        (r.document, r.erp_record_id): (
            str(r.amount_untaxed),
            str(r.amount_total),
            str(r.amount_residual),
            str(r.amount_total - r.amount_residual),
        )
        for r in rows
    }


# -- invoices -------------------------------------------------------------------------------------------


def test_a_project_line_credits_its_own_share_not_the_whole_invoice() -> None:
    # 2,000.00 + 19 % VAT = 2,380.00; one 1,000.00 line is the project's, the other no project's; 1,190.00
    # due. The project: 1,000.00 untaxed, 1,190.00 with tax, and 1,190.00 / 2,380.00 of 1,190.00 due = 595.00.
    moves = [move(1, "2000.00", "2380.00", "1190.00")]
    lines = [line(1, "1000.00", "1190.00", {"12": 100.0}), line(1, "1000.00", "1190.00", None)]
    assert shares(moves, lines) == {("INV/2026/00001", P1): ("1000.00", "1190.00", "595.00", "595.00")}


def test_a_line_split_with_a_department_credits_the_projects_percentage() -> None:
    # 1,000.00 split 50 % project (12) / 50 % department (36): the project gets 500.00, and half what is due
    moves = [move(2, "1000.00", "1000.00", "1000.00")]
    lines = [line(2, "1000.00", "1000.00", {"12": 50.0, "36": 50.0})]
    assert shares(moves, lines) == {("INV/2026/00002", P1): ("500.00", "500.00", "500.00", "0.00")}


def test_a_multi_plan_key_credits_each_account_it_joins() -> None:
    # Odoo 17+: "12,45" is one account per plan, 100 % each; 45 is a department: only project 12 is credited
    assert distribution({"12,45": 100.0, "13": 25.0, "13,45": 5.0}) == {
        12: Decimal("100.0"), 45: Decimal("105.0"), 13: Decimal("30.0"),
    }  # fmt: skip
    moves = [move(3, "800.00", "800.00", "0.00")]
    lines = [line(3, "800.00", "800.00", {"12,45": 100.0})]
    assert shares(moves, lines) == {("INV/2026/00003", P1): ("800.00", "800.00", "0.00", "800.00")}
    # when both ids of a key are projects' accounts (a project in the Departments plan), both are credited
    both = [line(3, "800.00", "800.00", {"12,13": 100.0})]
    assert set(shares(moves, both)) == {("INV/2026/00003", P1), ("INV/2026/00003", P2)}


def test_a_credit_note_counts_negative() -> None:
    # 200.00 + 19 % = 238.00 refunded, nothing left to settle: -200.00, -238.00, 0.00 due, -238.00 paid back
    moves = [move(4, "200.00", "238.00", "0.00", refund=True)]
    lines = [line(4, "200.00", "238.00", {"12": 100.0})]
    assert shares(moves, lines) == {("RINV/2026/00004", P1): ("-200.00", "-238.00", "0.00", "-238.00")}


def test_shares_that_do_not_divide_add_up_to_the_invoice_to_the_cent() -> None:
    # 1,000.01 at 33.33 / 33.33 / 33.34 %: exactly 333.303333, 333.303333 and 333.403334; rounded down that is
    # 999.99 + 0.01... = 1,000.00, one cent short of 1,000.01: it goes to the largest remainder, project 3.
    # Of the 500.00 due: 500.00 x 33.33 % = 166.65 twice, 166.70 (no remainder).
    moves = [move(5, "1000.01", "1000.01", "500.00")]
    lines = [line(5, "1000.01", "1000.01", {"12": 33.33, "13": 33.33, "14": 33.34})]
    got = shares(moves, lines)
    assert got == {
        ("INV/2026/00005", P1): ("333.30", "333.30", "166.65", "166.65"),
        ("INV/2026/00005", P2): ("333.30", "333.30", "166.65", "166.65"),
        ("INV/2026/00005", P3): ("333.41", "333.41", "166.70", "166.71"),
    }
    assert sum(Decimal(v[0]) for v in got.values()) == Decimal("1000.01")


def test_rounding_ties_go_to_the_lower_project_id() -> None:
    # 0.015 + 0.015 = 0.03: both round down to 0.01, the spare cent goes to project 1
    assert allocated({P2: Decimal("0.015"), P1: Decimal("0.015")}) == {
        P1: Decimal("0.02"),
        P2: Decimal("0.01"),
    }
    assert allocated({P1: Decimal("-10.005"), P2: Decimal("-10.005")}) == {
        P1: Decimal("-10.00"),
        P2: Decimal("-10.01"),
    }


def test_a_foreign_currency_invoice_is_converted_at_its_own_rate() -> None:
    # 100.00 EUR billed by the USD company at 1.08: 108.00 USD, half of it (54.00) still due
    moves = [move(6, "100.00", "100.00", "50.00", rate="1.08")]
    lines = [line(6, "100.00", "100.00", {"12": 100.0})]
    assert shares(moves, lines) == {("INV/2026/00006", P1): ("108.00", "108.00", "54.00", "54.00")}


def test_lines_of_invoices_not_read_are_ignored() -> None:
    lines = [line(99, "100.00", "100.00", {"12": 100.0})]  # e.g. a draft's line: its move is not posted
    assert shares([], lines) == {}


# -- costs ------------------------------------------------------------------------------------------------

LINES = F.Lines(("account_id", "x_plan2_id"), timesheets=True, journals=True)


def group(
    account: int | None, dept: int | None, category: str, amount: float, **extra: Any
) -> dict[str, Any]:
    """One normalized group of analytic lines (grouping.normalized's shape)."""
    return {
        "account_id": [account, f"#{account}"] if account else False,
        "x_plan2_id": [dept, f"#{dept}"] if dept else False,
        "category": category,
        "journal_id": extra.get("journal", False),
        "project_id": extra.get("project", False),
        "amount": amount,
        "unit_amount": extra.get("hours", 0.0),
        "__count": extra.get("count", 1),
    }


GROUPS = [
    group(12, None, "other", -1500.0, project=[1, "P1"], hours=30.0, count=10),  # timesheets: labor
    group(12, None, "vendor_bill", -800.0, journal=[2, "Vendor Bills"]),  # a bill: vendor cost
    group(12, None, "invoice", 5000.0, journal=[1, "Customer Invoices"]),  # revenue, read from the invoice
    group(12, None, "other", -120.40),  # a cost entered on the account: other cost
    group(12, None, "other", 45.0),  # revenue posted on the account: lowers other cost
    group(12, None, "other", -300.0, journal=[3, "Miscellaneous Operations"]),  # a journal entry: left out
    group(None, 13, "other", -200.0, project=[2, "P2"], hours=4.0),  # project 2's account is in plan 2
    group(12, 36, "other", -10.0),  # project 12 and a department: project 12's
    group(12, 13, "other", -7.0),  # both projects' accounts: counted for each
]


def test_costs_are_counted_as_odoos_profitability_panel_counts_them() -> None:
    figures = F.line_figures(GROUPS, LINES, PROJECTS)
    # P1: labor 1,500.00 (30 h); vendor 800.00; other 120.40 - 45.00 + 10.00 + 7.00 = 92.40; 300.00 left out
    assert figures[P1] == F.LineFigures(
        labor_cost=Decimal("1500.0"), labor_hours=Decimal("30.0"), vendor_cost=Decimal("800.0"),
        other_cost=Decimal("92.4"), left_out_lines=1, left_out_amount=Decimal("-300.0"),
    )  # fmt: skip
    # P2, whose account sits in the Departments plan (x_plan2_id): labor 200.00 (4 h), other 7.00
    assert figures[P2] == F.LineFigures(
        labor_cost=Decimal("200.0"), labor_hours=Decimal("4.0"), other_cost=Decimal("7.0")
    )
    assert P3 not in figures


def test_without_timesheets_labor_is_unavailable_and_those_lines_are_other_costs() -> None:
    lines = F.Lines(("account_id", "x_plan2_id"), timesheets=False, journals=True)
    plain = [{k: v for k, v in g.items() if k != "project_id"} for g in GROUPS]
    figures = F.line_figures(plain, lines, PROJECTS)
    assert (figures[P1].labor_cost, figures[P1].other_cost) == (Decimal(0), Decimal("1592.4"))
    assert F.unavailable(lines) == {
        "labor_cost": "not available (Timesheets not installed)",
        "labor_hours": "not available (Timesheets not installed)",
    }
    assert F.unavailable(LINES) == {}


def test_notes_name_the_lines_left_out_and_other_costs_below_zero() -> None:
    figures = {
        P1: F.LineFigures(left_out_lines=2, left_out_amount=Decimal("-1200.004")),
        P2: F.LineFigures(other_cost=Decimal("-45.00")),
    }
    projects = [_project(P1, "Website"), _project(P2, "Audit")]
    notes = F.line_notes(figures, projects, CURRENCY)
    assert notes[0].endswith("Website: 2 line(s), 1200.00 USD")
    assert "miscellaneous journal entries" in notes[0]
    assert notes[1].endswith("it is below zero for Audit")


def test_the_refresh_marks_add_up_per_combination_of_plan_accounts() -> None:
    sets = F.line_sets(GROUPS, LINES.columns)
    count, amount, hours = sets[(12, None)]  # 10 + 5 lines; -1500 - 800 + 5000 - 120.40 + 45 - 300
    assert (count, hours) == (15, 30.0)
    assert amount == pytest.approx(2324.6)
    assert sets[(None, 13)] == (1, -200.0, 4.0)
    assert F.adds_up(sets, (18, 2107.6, 34.0))
    assert not F.adds_up(sets, (17, 2107.6, 34.0))  # a line deleted
    assert LINES.touching([13, 12]) == ["|", ["account_id", "in", [12, 13]], ["x_plan2_id", "in", [12, 13]]]


# -- the two grouping methods -----------------------------------------------------------------------------


def test_read_group_and_formatted_read_group_answers_read_the_same() -> None:
    # odoo/models.py read_group keys a sum by the field, counts in __count (lazy=False), adds __domain;
    # web/models/models.py formatted_read_group keys it by its spec and carries __extra_domain
    old = [
        {"category": "other", "amount": -1.5, "unit_amount": 2.0, "__count": 3, "__domain": [["x", "=", 1]]}
    ]
    new = [{"category": "other", "amount:sum": -1.5, "unit_amount:sum": 2.0, "__count": 3,
            "__extra_domain": [["category", "=", "other"]]}]  # fmt: skip
    expected = [{"category": "other", "__count": 3, "amount": -1.5, "unit_amount": 2.0}]
    assert normalized(old, F.LINE_SUMS) == normalized(new, F.LINE_SUMS) == expected
    assert group_arguments("read_group", [], ["category"], ["amount:sum"]) == {
        "domain": [], "fields": ["amount:sum"], "groupby": ["category"], "lazy": False,
    }  # fmt: skip
    assert group_arguments("formatted_read_group", [], ["category"], ["amount:sum"]) == {
        "domain": [], "groupby": ["category"], "aggregates": ["amount:sum", "__count"],
    }  # fmt: skip


# -- versions -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("info", "expected"),
    [
        ([16, 0, 0, "final", 0, ""], ("jsonrpc", "read_group", "analytic_account_id", False)),
        ([17, 0, 0, "final", 0, "e"], ("jsonrpc", "read_group", "analytic_account_id", True)),
        ([18, 0, 0, "final", 0, ""], ("jsonrpc", "read_group", "account_id", True)),
        (["saas~18", 3, 0, "final", 0, "e"], ("jsonrpc", "formatted_read_group", "account_id", True)),
        ([19, 0, 0, "final", 0, ""], ("json2", "formatted_read_group", "account_id", True)),
        (["saas~19", 2, 0, "final", 0, "e"], ("json2", "formatted_read_group", "account_id", True)),
        ([22, 0, 0, "final", 0, ""], ("json2", "formatted_read_group", "account_id", True)),
    ],
)
def test_each_version_is_read_its_own_way(info: list[Any], expected: tuple[Any, ...]) -> None:
    version = parse_version(info)
    assert version is not None
    assert (
        version.transport,
        version.group_method,
        version.project_account_field,
        version.nested_read,
    ) == expected
    assert version.has_jsonrpc == (version.major < 22)
    assert version.saas == isinstance(info[0], str)


def test_a_version_that_is_not_one_is_none() -> None:
    assert parse_version(["master", 0]) is None
    assert parse_version(None) is None


# -- errors -------------------------------------------------------------------------------------------------

KEY = "s3cr3t-api-key-42"
V19 = OdooVersion(19, 0, False, "19.0")
ONLINE = Scene("https://acme.odoo.com", "acme", None, KEY, V19)
SELF_HOSTED = Scene(
    "https://erp.acme.example", "acme", "bot@acme.example", KEY, OdooVersion(17, 0, False, "17.0")
)


def _response(status: int, body: Any = None, html: str | None = None) -> httpx.Response:
    if html is not None:
        return httpx.Response(status, text=html, headers={"content-type": "text/html; charset=utf-8"})
    return httpx.Response(status, json=body)


def test_a_refused_key_on_odoo_online_names_expiry_and_the_plan() -> None:
    body = {
        "name": "werkzeug.exceptions.Unauthorized",
        "message": "Invalid apikey",
        "arguments": ["Invalid apikey", 401],
    }
    error = json2_error(
        ONLINE, "search_read project.project", _response(401, body), "/json/2/project.project/search_read"
    )
    assert isinstance(error, AuthError)
    assert "expired (keys expire from Odoo 18)" in str(error)
    assert "Custom plan" in str(error)
    assert "New API Key" in str(error)
    assert KEY not in str(error)


def test_a_refused_key_on_a_self_hosted_odoo_names_the_login_not_the_plan() -> None:
    denied = {"name": "odoo.exceptions.AccessDenied", "message": "Access Denied"}
    error = jsonrpc_error(SELF_HOSTED, "sign-in", {"code": 200, "data": denied})
    assert isinstance(error, AuthError)
    assert "login 'bot@acme.example'" in str(error)
    assert "Custom plan" not in str(error)
    assert "expire" not in str(error)  # keys do not expire before 18


def test_a_removed_method_says_which_version_removed_it() -> None:
    body = {
        "name": "werkzeug.exceptions.NotFound",
        "message": "The method 'account.analytic.line.read_group' does not exist",
    }
    error = json2_error(
        ONLINE, "read_group", _response(404, body), "/json/2/account.analytic.line/read_group"
    )
    assert isinstance(error, RejectedError)
    assert "removed the public read_group in saas-19.1 (Odoo Online) and 20" in str(error)
    assert "formatted_read_group" in str(error)


@pytest.mark.parametrize(
    ("name", "message", "expected"),
    [
        (
            "builtins.ValueError",
            "Invalid field 'project_id' on model 'account.analytic.line'",
            "install Timesheets (hr_timesheet)",
        ),
        (
            "builtins.ValueError",
            "Invalid field 'project_id' on 'account.analytic.line'",
            "install Timesheets (hr_timesheet)",
        ),
        ("odoo.exceptions.UserError", "Object project.project doesn't exist", "install Project (project)"),
        (
            "werkzeug.exceptions.NotFound",
            "the model 'account.move' does not exist",
            "install Invoicing (account)",
        ),
    ],
)
def test_a_missing_module_is_named(name: str, message: str, expected: str) -> None:
    error = odoo_error(SELF_HOSTED, "read", name, message)
    assert isinstance(error, RejectedError)
    assert expected in str(error)


def test_removed_endpoints_say_what_to_do() -> None:
    page = "<!doctype html>\n<title>404 Not Found</title>"
    jsonrpc = json2_error(SELF_HOSTED, "read the Odoo version", _response(404, html=page), "/jsonrpc")
    assert isinstance(jsonrpc, ConfigError)
    assert "Odoo 22 and Odoo Online 21.1 removed /jsonrpc" in str(jsonrpc)
    json2 = json2_error(ONLINE, "search_read", _response(404, html=page), "/json/2/res.partner/search_read")
    assert isinstance(json2, ConfigError)
    assert "JSON-2 exists from Odoo 19" in str(json2)
    assert "THROUGHLINE_ODOO__DATABASE ('acme')" in str(json2)


def test_no_message_carries_the_key() -> None:
    error = odoo_error(SELF_HOSTED, "read", "odoo.exceptions.UserError", f"bad value {KEY} in context")
    assert KEY not in str(error)
    assert "[redacted]" in str(error)


def _project(pid: ErpRecordId, name: str) -> Any:
    from services.models import ErpProject

    return ErpProject(erp="odoo", erp_record_id=pid, erp_project_id=None, name=name, currency="USD")
