"""Financial figures per project and for the portfolio, hand-computed from kpis.md's formulas."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from dashboard import columns as c
from dashboard.transforms.margin import project_figures
from dashboard.transforms.portfolio import ar_aging, margin_by_customer, margin_by_owner, portfolio_figures
from dashboard.transforms.thresholds import Thresholds
from services.models import Owner
from tests.unit.builders import (
    actuals,
    crm,
    deal,
    erp,
    erp_project,
    joined,
    project_record,
    receivable,
    receivables,
)

AS_OF = date(2026, 11, 1)
CRM = crm(
    deal(
        "1",
        "Bluefin – Data platform",
        "Bluefin GmbH",
        "PRJ-00001",
        amount="100000",
        margin="0.30",
        owner_id="o1",
    ),
    deal("2", "Bluefin – Support", "Bluefin GmbH", "PRJ-00002", amount="50000", margin="0.20", owner_id="o2"),
    deal(
        "3", "Acme – Audit", "Acme", "PRJ-00003", amount="10000", margin="0.50", currency="USD", owner_id="o1"
    ),
    deal("4", "Globex – Portal", "Globex", None, amount="30000", margin="0.25", owner_id="o2"),
    deal("6", "Bluefin – Extra", "Bluefin GmbH", "PRJ-00001", amount="5000", margin="0.30"),
    deal("7", "Hooli – Lost", "Hooli", None, amount="99000", won=False),
    projects=(project_record("r1", "1", percent_complete=Decimal("0.5")),),
    owners=(
        Owner(owner_id="o1", email="ana@example.com", name="Ana"),
        Owner(owner_id="o2", email="b@e.com", name="Ben"),
    ),
)
ERP = erp(
    erp_project("10", "PRJ-00001", "Data platform", "Bluefin"),
    erp_project("20", "PRJ-00002", "Support", "Bluefin"),
    erp_project("30", "PRJ-00003", "Audit", "Acme", currency="USD"),
    erp_project("50", "PRJ-00005", "Internal tools", None),
    actuals=(
        actuals(
            "10",
            labor_cost="30000",
            vendor_cost="10000",
            other_cost="2000",
            invoiced="50000",
            paid="40000",
            outstanding="20000",
        ),
        actuals("20", labor_cost="36000", invoiced="20000", paid="21500", outstanding="2500"),
        actuals("30", currency="USD", labor_cost="6000"),
        actuals("50", labor_cost="1000"),
    ),
    receivables=(
        receivable("10", "INV/A", date(2026, 10, 20), "5000"),  # 12 days late
        receivable("10", "INV/B", date(2026, 8, 1), "10000"),  # 92 days late
        receivable("10", "INV/C", date(2026, 11, 15), "5000"),  # not due yet
        receivable("20", "INV/D", date(2026, 10, 10), "3000"),  # 22 days late
        receivable(
            "20", "RINV/E", date(2026, 1, 1), "-500"
        ),  # a credit note: owed to the customer, never late
    ),
)


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return project_figures(joined(CRM, ERP), receivables(ERP), AS_OF, Thresholds()).set_index(c.ROW_KEY)


def test_one_row_per_won_deal_and_per_erp_project(figures: pd.DataFrame) -> None:
    assert list(figures.index) == ["deal:1", "deal:2", "deal:3", "deal:4", "deal:6", "erp:50"]


def test_reported_progress_project(figures: pd.DataFrame) -> None:
    row = figures.loc["deal:1"]
    expected = {
        c.CONTRACT_VALUE_AMOUNT: 100_000,
        c.EST_MARGIN_PCT: 0.30,
        c.EST_COST_AMOUNT: 70_000,  # CV x (1 - EMC)
        c.LABOR_COST_AMOUNT: 30_000,
        c.VENDOR_COST_AMOUNT: 10_000,
        c.OTHER_COST_AMOUNT: 2_000,
        c.ACTUAL_COST_AMOUNT: 42_000,
        c.INVOICED_AMOUNT: 50_000,
        c.PAID_AMOUNT: 40_000,
        c.OUTSTANDING_AMOUNT: 20_000,
        c.REMAINING_TO_INVOICE_AMOUNT: 50_000,
        c.REALIZED_MARGIN_AMOUNT: 8_000,  # 50 000 - 42 000
        c.REALIZED_MARGIN_PCT: 0.16,
        c.POC: 0.5,
        c.EAC_AMOUNT: 84_000,  # 42 000 / 0.5
        c.FORECAST_MARGIN_AMOUNT: 16_000,
        c.FORECAST_MARGIN_PCT: 0.16,
        c.EROSION_PP: 14.0,  # 30 % - 16 %
        c.COST_BURN_PCT: 0.6,
        c.BILLING_BURN_PCT: 0.5,
        c.WIP_AMOUNT: 0,  # 100 000 x 0.5 - 50 000
    }
    assert row[list(expected)].astype(float).to_dict() == pytest.approx(expected, abs=0.005)
    assert (row[c.POC_METHOD], row[c.COST_BURN_LEVEL], row[c.CURRENCY]) == ("reported", "ok", "EUR")
    assert (row[c.EROSION_FLAG], row[c.OVERRUN_FLAG], row[c.OVERDUE_FLAG]) == (True, False, True)


def test_aging_buckets_by_due_date(figures: pd.DataFrame) -> None:
    assert figures.loc["deal:1", list(c.AR_BUCKETS)].tolist() == [5_000, 5_000, 0, 0, 10_000]
    assert figures.loc["deal:1", c.MAX_DAYS_PAST_DUE] == 92
    assert figures.loc["deal:2", list(c.AR_BUCKETS)].tolist() == [0, 3_000, 0, 0, -500]
    assert figures.loc["deal:2", c.MAX_DAYS_PAST_DUE] == 22  # the credit note is not late
    assert not figures.loc["deal:2", c.OVERDUE_FLAG]  # 22 days is within the 30 allowed


def test_cost_to_cost_project(figures: pd.DataFrame) -> None:
    row = figures.loc["deal:2"]
    expected = {
        c.EST_COST_AMOUNT: 40_000,
        c.ACTUAL_COST_AMOUNT: 36_000,
        c.POC: 0.9,  # 36 000 / 40 000
        c.EAC_AMOUNT: 40_000,
        c.FORECAST_MARGIN_AMOUNT: 10_000,
        c.EROSION_PP: 0,
        c.COST_BURN_PCT: 0.9,
        c.REALIZED_MARGIN_AMOUNT: -16_000,
        c.REALIZED_MARGIN_PCT: -0.8,
        c.WIP_AMOUNT: 25_000,  # 50 000 x 0.9 - 20 000
    }
    assert row[list(expected)].astype(float).to_dict() == pytest.approx(expected, abs=0.005)
    assert (row[c.POC_METHOD], row[c.COST_BURN_LEVEL], row[c.EROSION_FLAG]) == ("cost-to-cost", "warn", False)


def test_overrun_project_caps_progress_and_has_no_realized_percent(figures: pd.DataFrame) -> None:
    row = figures.loc["deal:3"]
    assert row[c.COST_BURN_PCT] == pytest.approx(1.2)  # 6 000 / 5 000
    assert row[c.POC] == 1.0  # capped
    assert row[c.EAC_AMOUNT] == 6_000
    assert row[c.FORECAST_MARGIN_PCT] == pytest.approx(0.4)
    assert row[c.EROSION_PP] == pytest.approx(10.0)
    assert row[c.REALIZED_MARGIN_AMOUNT] == -6_000
    assert pd.isna(row[c.REALIZED_MARGIN_PCT])  # nothing invoiced: empty, not 0 % or infinite
    assert (row[c.COST_BURN_LEVEL], row[c.OVERRUN_FLAG], row[c.CURRENCY]) == ("alert", True, "USD")


def test_won_deal_without_erp_project_forecasts_its_estimate(figures: pd.DataFrame) -> None:
    row = figures.loc["deal:4"]
    assert (row[c.EST_COST_AMOUNT], row[c.EAC_AMOUNT], row[c.FORECAST_MARGIN_AMOUNT]) == (
        22_500,
        22_500,
        7_500,
    )
    assert row[c.POC_METHOD] == "none"
    assert row[[c.ACTUAL_COST_AMOUNT, c.INVOICED_AMOUNT, c.POC]].isna().all()


def test_second_deal_on_an_erp_project_carries_no_erp_money(figures: pd.DataFrame) -> None:
    row = figures.loc["deal:6"]
    assert (row[c.ERP_RECORD_ID], row[c.FINANCIAL_OWNER]) == ("10", False)
    assert row[c.CONTRACT_VALUE_AMOUNT] == 5_000
    assert row[[c.INVOICED_AMOUNT, c.ACTUAL_COST_AMOUNT, c.AR_CURRENT_AMOUNT]].isna().all()


def test_erp_project_without_deal_shows_its_costs_and_no_contract(figures: pd.DataFrame) -> None:
    row = figures.loc["erp:50"]
    assert pd.isna(row[c.CONTRACT_VALUE_AMOUNT])
    assert (row[c.ACTUAL_COST_AMOUNT], row[c.REALIZED_MARGIN_AMOUNT]) == (1_000, -1_000)
    assert row[c.PROJECT_LABEL] == "Internal tools"


def test_a_currency_mismatch_hides_the_contract_value() -> None:
    table = joined(
        crm(deal("1", "Bluefin – Data platform", "Bluefin", "PRJ-00001", currency="USD")),
        erp(
            erp_project("10", "PRJ-00001", "Data platform", "Bluefin"),
            actuals=(actuals("10", labor_cost="10"),),
        ),
    )
    row = project_figures(table, receivables(erp()), AS_OF, Thresholds()).iloc[0]
    assert (row[c.CURRENCY_MISMATCH], row[c.CURRENCY], row[c.ACTUAL_COST_AMOUNT]) == (True, "EUR", 10)
    assert pd.isna(row[c.CONTRACT_VALUE_AMOUNT])


def test_portfolio_sums_per_currency_and_weights_percentages(figures: pd.DataFrame) -> None:
    portfolio = portfolio_figures(figures.reset_index(), "USD", {"EUR": 1.1, "GBP": 1.3})
    eur = portfolio.by_currency.loc["EUR"]
    expected = {
        c.PROJECT_COUNT: 5,
        c.CONTRACT_VALUE_AMOUNT: 185_000,  # 100 000 + 50 000 + 30 000 + 5 000
        c.EST_COST_AMOUNT: 136_000,
        c.ACTUAL_COST_AMOUNT: 79_000,  # 42 000 + 36 000 + 1 000; deal 6 adds nothing
        c.INVOICED_AMOUNT: 70_000,
        c.PAID_AMOUNT: 61_500,
        c.OUTSTANDING_AMOUNT: 22_500,
        c.REALIZED_MARGIN_AMOUNT: -9_000,
        c.FORECAST_MARGIN_AMOUNT: 35_000,
        c.EAC_AMOUNT: 150_000,
        c.WIP_AMOUNT: 25_000,
        c.EST_MARGIN_PCT: 49_000 / 185_000,
        c.REALIZED_MARGIN_PCT: -8_000 / 70_000,  # projects with invoices only
        c.FORECAST_MARGIN_PCT: 35_000 / 185_000,
        c.EROSION_PP: 14_000 / 185_000 * 100,
        c.COST_BURN_PCT: 78_000 / 110_000,
        c.BILLING_BURN_PCT: 70_000 / 150_000,
        c.POC: 95_000 / 150_000,
    }
    assert eur[list(expected)].astype(float).to_dict() == pytest.approx(expected, abs=1e-6)


def test_portfolio_converts_with_the_configured_rates_and_says_so(figures: pd.DataFrame) -> None:
    portfolio = portfolio_figures(figures.reset_index(), "USD", {"EUR": 1.1, "GBP": 1.3})
    total = portfolio.total.loc["USD"]
    assert portfolio.converted
    assert dict(portfolio.rates) == {"EUR": 1.1, "USD": 1.0}
    assert total[c.CONTRACT_VALUE_AMOUNT] == pytest.approx(185_000 * 1.1 + 10_000, abs=0.005)
    assert total[c.ACTUAL_COST_AMOUNT] == pytest.approx(79_000 * 1.1 + 6_000, abs=0.005)
    assert total[c.FORECAST_MARGIN_PCT] == pytest.approx((35_000 * 1.1 + 4_000) / (185_000 * 1.1 + 10_000))
    assert total[c.PROJECT_COUNT] == 6


def test_portfolio_without_a_rate_leaves_that_currency_out_of_the_total_and_names_it(
    figures: pd.DataFrame,
) -> None:
    portfolio = portfolio_figures(figures.reset_index(), "USD", {})
    eur_projects = int((figures[c.CURRENCY] == "EUR").sum())
    assert portfolio.unconverted == {"EUR": eur_projects}
    assert portfolio.rates == {"USD": 1.0}
    assert not portfolio.converted
    # the USD total is the USD projects' own sum; EUR keeps its per-currency row
    usd = portfolio.by_currency.loc["USD"]
    assert portfolio.total.loc["USD", c.CONTRACT_VALUE_AMOUNT] == usd[c.CONTRACT_VALUE_AMOUNT]
    assert portfolio.by_currency.loc["EUR", c.CONTRACT_VALUE_AMOUNT] == 185_000
    note = portfolio.unconverted_note or ""
    assert f"{eur_projects} project" in note
    assert "in EUR" in note
    assert "THROUGHLINE_FX_RATES" in note


def test_single_currency_portfolio_is_not_converted(figures: pd.DataFrame) -> None:
    eur_only = figures[figures[c.CURRENCY] == "EUR"].reset_index()
    portfolio = portfolio_figures(eur_only, "EUR", {})
    assert not portfolio.converted
    assert portfolio.total.loc["EUR", c.CONTRACT_VALUE_AMOUNT] == 185_000


def test_ar_aging_per_currency(figures: pd.DataFrame) -> None:
    aging = ar_aging(figures.reset_index())
    assert aging.loc["EUR"].tolist() == [22_500, 5_000, 8_000, 0, 0, 9_500]
    assert aging.loc["USD"].tolist() == [0, 0, 0, 0, 0, 0]


def test_margin_by_customer_and_owner_are_weighted(figures: pd.DataFrame) -> None:
    by_customer = margin_by_customer(figures.reset_index())
    bluefin = by_customer.loc[("Bluefin GmbH", "EUR")]
    assert bluefin[c.PROJECT_COUNT] == 3
    assert bluefin[c.CONTRACT_VALUE_AMOUNT] == 155_000
    assert bluefin[c.REALIZED_MARGIN_PCT] == pytest.approx(-8_000 / 70_000)
    assert bluefin[c.FORECAST_MARGIN_PCT] == pytest.approx(27_500 / 155_000)
    assert by_customer.loc[("(none)", "EUR"), c.ACTUAL_COST_AMOUNT] == 1_000

    by_owner = margin_by_owner(figures.reset_index())
    assert by_owner.loc[("Ben", "EUR"), c.FORECAST_MARGIN_PCT] == pytest.approx(17_500 / 80_000)
    assert by_owner.loc[("Ana", "USD"), c.CONTRACT_VALUE_AMOUNT] == 10_000


def test_figures_do_not_touch_their_inputs() -> None:
    table, docs = joined(CRM, ERP), receivables(ERP)
    before = (table.copy(deep=True), docs.copy(deep=True))
    project_figures(table, docs, AS_OF, Thresholds())
    pd.testing.assert_frame_equal(before[0], table)
    pd.testing.assert_frame_equal(before[1], docs)


def test_an_empty_portfolio_totals_zero_without_percentages() -> None:
    table = joined(crm(), erp())
    portfolio = portfolio_figures(project_figures(table, receivables(erp()), AS_OF, Thresholds()), "USD", {})
    total = portfolio.total.loc["USD"]
    assert (total[c.PROJECT_COUNT], total[c.CONTRACT_VALUE_AMOUNT], portfolio.converted) == (0, 0, False)
    assert pd.isna(total[c.REALIZED_MARGIN_PCT])


# -- the early forecast: below the threshold's percent complete the estimate stands ------------------------

EARLY_CRM = crm(
    deal("1", "Early – Platform", "Early AG", "PRJ-00001", amount="100000", margin="0.30"),
    deal("2", "Early – Over", "Early AG", "PRJ-00002", amount="10000", margin="0.50"),
    deal("3", "Early – Later", "Early AG", "PRJ-00003", amount="100000", margin="0.30"),
    projects=(
        project_record("r1", "1", percent_complete=Decimal("0.03")),
        project_record("r2", "2", percent_complete=Decimal("0.10")),
        project_record("r3", "3", percent_complete=Decimal("0.20")),
    ),
)
EARLY_ERP = erp(
    erp_project("10", "PRJ-00001", "Platform", "Early AG"),
    erp_project("20", "PRJ-00002", "Over", "Early AG"),
    erp_project("30", "PRJ-00003", "Later", "Early AG"),
    actuals=(
        actuals("10", labor_cost="6860"),  # 9.8 % of the 70 000 estimate, at 3 % complete
        actuals("20", labor_cost="6000"),  # already above the 5 000 estimate, at 10 % complete
        actuals("30", labor_cost="21000"),  # 20 % complete: past the threshold
    ),
)


def early_figures(threshold: float) -> pd.DataFrame:
    table = joined(EARLY_CRM, EARLY_ERP)
    return project_figures(
        table, receivables(EARLY_ERP), AS_OF, Thresholds(early_forecast_poc=threshold)
    ).set_index(c.ROW_KEY)


def test_below_the_threshold_the_estimate_stands_and_is_flagged() -> None:
    figures = early_figures(0.15)
    early = figures.loc["deal:1"]
    # cost ÷ 3 % would be 228 667 and a -128.7 % margin; the 70 000 estimate stands instead
    assert (early[c.EAC_AMOUNT], early[c.FORECAST_MARGIN_AMOUNT]) == (70_000, 30_000)
    assert early[c.EROSION_PP] == pytest.approx(0.0)
    assert early[c.EARLY_FORECAST_FLAG]
    over = figures.loc["deal:2"]
    assert (over[c.EAC_AMOUNT], over[c.FORECAST_MARGIN_AMOUNT]) == (6_000, 4_000)  # max(5 000, 6 000)
    assert over[c.EARLY_FORECAST_FLAG]
    later = figures.loc["deal:3"]
    assert later[c.EAC_AMOUNT] == 105_000  # 21 000 ÷ 20 %, the usual method
    assert not later[c.EARLY_FORECAST_FLAG]


def test_the_threshold_is_a_parameter() -> None:
    figures = early_figures(0.0)  # no early rule: cost ÷ percent complete everywhere
    assert figures.loc["deal:1", c.EAC_AMOUNT] == pytest.approx(6_860 / 0.03, abs=0.005)
    assert not figures[c.EARLY_FORECAST_FLAG].any()
    assert early_figures(0.25).loc["deal:3", c.EAC_AMOUNT] == 70_000  # 20 % is early below 25 %


def test_projects_without_progress_are_not_flagged_early(figures: pd.DataFrame) -> None:
    assert not figures.loc["deal:4", c.EARLY_FORECAST_FLAG]  # no ERP project: no percent complete
    assert not figures.loc["deal:1", c.EARLY_FORECAST_FLAG]  # 50 % complete
