"""Values a page cannot use: each one flags its own row with the reason, and the rest stays whole.

The records are built with the values either API can send (HubSpot sends any decimal string, Odoo any
float): amounts of 1e308 or 1e26, a deal in a currency code nobody configured, control characters in
names. Every figure here can be checked by hand from the records above it.
"""

from __future__ import annotations

import math
from datetime import date

from dashboard import columns as c
from dashboard.transforms.frames import deals_frame, erp_projects_frame, receivables_frame
from dashboard.transforms.margin import project_figures
from dashboard.transforms.portfolio import portfolio_figures
from dashboard.transforms.thresholds import Thresholds
from tests.unit.builders import actuals, crm, deal, erp, erp_project, joined, receivable, receivables

AS_OF = date(2026, 11, 1)


def test_an_absurd_amount_empties_that_deals_value_names_it_and_spares_the_totals() -> None:
    snapshot = crm(
        deal("1", "Portal", "Acme", "PRJ-00001", amount="1E+308", currency="USD"),
        deal("2", "Shop", "Bolt", "PRJ-00002", amount="1e308", currency="USD"),
        deal("3", "Audit", "Core", "PRJ-00003", amount="25000", currency="USD"),
    )
    frame = deals_frame(snapshot).set_index(c.CRM_DEAL_ID)
    assert math.isnan(frame.loc["1", c.DEAL_AMOUNT])
    assert frame.loc["3", c.DEAL_AMOUNT] == 25_000
    assert "deal 1: amount 1e+308 is not a plausible amount" in frame.loc["1", c.DEAL_PROBLEMS]
    figures = project_figures(joined(snapshot, erp()), receivables(erp()), AS_OF, Thresholds())
    total = portfolio_figures(figures, "USD", {}).total.loc["USD", c.CONTRACT_VALUE_AMOUNT]
    assert total == 25_000  # not inf: the two unusable amounts are left out, not summed
    flagged = figures.set_index(c.CRM_DEAL_ID)[c.DATA_PROBLEMS]
    assert flagged["2"].startswith("deal 2: amount 1e+308")
    assert flagged["3"] is None


def test_an_erp_sum_of_1e26_is_left_out_of_that_project_only() -> None:
    snapshot = erp(
        erp_project("7", "PRJ-00007", "Portal", "Acme"),
        erp_project("8", "PRJ-00008", "Shop", "Bolt"),
        actuals=(
            actuals("7", labor_cost="1E+26", vendor_cost="500.00"),
            actuals("8", labor_cost="1200.50", vendor_cost="99.50"),
        ),
    )
    frame = erp_projects_frame(snapshot).set_index(c.ERP_RECORD_ID)
    assert math.isnan(frame.loc["7", c.LABOR_COST_AMOUNT])
    assert frame.loc["7", c.VENDOR_COST_AMOUNT] == 500
    assert frame.loc["8", c.LABOR_COST_AMOUNT] == 1200.5
    assert frame.loc["7", c.ERP_PROBLEMS] == (
        "Odoo project PRJ-00007: labor cost 1e+26 is not a plausible amount, so it is left out; correct it "
        "at its source"
    )
    assert frame.loc["8", c.ERP_PROBLEMS] is None


def test_an_invoice_with_an_absurd_open_amount_is_left_out_and_named_on_its_project() -> None:
    snapshot = erp(
        erp_project("7", "PRJ-00007", "Portal", "Acme"),
        receivables=(
            receivable("7", "INV/2026/0001", date(2026, 9, 1), "1e30"),
            receivable("7", "INV/2026/0002", date(2026, 9, 1), "800.00"),
        ),
    )
    frame = receivables_frame(snapshot)
    assert frame[c.DOCUMENT].tolist() == ["INV/2026/0002"]
    problems = erp_projects_frame(snapshot).loc[0, c.ERP_PROBLEMS]
    assert problems.startswith("invoice INV/2026/0001: untaxed amount 1e+30 is not a plausible amount")


def test_control_characters_leave_the_names_and_are_named() -> None:
    snapshot = crm(deal("1", "Portal\x07 rebuild\r\n=cmd|' /C calc'!A0", "Acme\x00 Inc", "PRJ-00001"))
    row = deals_frame(snapshot).iloc[0]
    assert row[c.DEAL_NAME] == "Portal rebuild =cmd|' /C calc'!A0"  # one line, no bell, no NUL
    assert row[c.CUSTOMER_NAME] == "Acme Inc"
    assert row[c.DEAL_PROBLEMS] == (
        "deal 1: the name held control characters, removed here; correct it at its source\n"
        "deal 1: the customer held control characters, removed here; correct it at its source"
    )


def test_a_currency_nobody_configured_stays_in_its_own_row_and_out_of_the_converted_total() -> None:
    snapshot = crm(
        deal("1", "Portal", "Acme", "PRJ-00001", amount="1000", currency="USD"),
        deal("2", "Shop", "Bolt", "PRJ-00002", amount="500", currency="XYZ"),
    )
    figures = project_figures(joined(snapshot, erp()), receivables(erp()), AS_OF, Thresholds())
    portfolio = portfolio_figures(figures, "USD", {"EUR": 1.08})
    assert portfolio.total.loc["USD", c.CONTRACT_VALUE_AMOUNT] == 1000
    assert portfolio.by_currency.loc["XYZ", c.CONTRACT_VALUE_AMOUNT] == 500
    assert portfolio.unconverted == {"XYZ": 1}
