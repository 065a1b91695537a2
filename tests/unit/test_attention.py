"""Needs attention and the cash card, hand-computed on the figures of test_figures' small portfolio."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard import columns as c
from dashboard.transforms.attention import money_at_risk
from dashboard.transforms.cash import cash_position
from dashboard.transforms.margin import project_figures
from dashboard.transforms.thresholds import Thresholds
from dashboard.transforms.trend import month_ago
from tests.unit.builders import joined, receivables
from tests.unit.test_figures import AS_OF, CRM, ERP

RATES = {"EUR": 1.1}


@pytest.fixture(scope="module")
def figures() -> pd.DataFrame:
    return project_figures(joined(CRM, ERP), receivables(ERP), AS_OF, Thresholds())


def test_projects_rank_by_margin_lost_plus_overdue_in_the_reporting_currency(figures: pd.DataFrame) -> None:
    ranked = money_at_risk(figures, "USD", RATES).set_index(c.ROW_KEY)
    # deal 1 (EUR): EAC 84 000 - estimate 70 000 = 14 000 lost; 5 000 + 10 000 overdue -> 29 000 EUR
    # deal 2 (EUR): nothing lost (EAC 40 000 = estimate); 3 000 overdue less its 500 credit note -> 2 500 EUR
    # deal 3 (USD): EAC 6 000 - estimate 5 000 = 1 000 lost, nothing invoiced
    assert list(ranked.index) == ["deal:1", "deal:2", "deal:3"]
    assert ranked.loc["deal:1", [c.MARGIN_LOST_AMOUNT, c.OVERDUE_AMOUNT]].tolist() == [14_000, 15_000]
    assert ranked[c.AT_RISK_REPORTING_AMOUNT].tolist() == pytest.approx([31_900, 2_750, 1_000])
    assert ranked.loc["deal:1", c.MAX_DAYS_PAST_DUE] == 92


def test_a_currency_without_a_rate_is_left_out(figures: pd.DataFrame) -> None:
    assert list(money_at_risk(figures, "USD", {})[c.ROW_KEY]) == ["deal:3"]


def test_cash_card_sums_the_converted_documents(figures: pd.DataFrame) -> None:
    cash = cash_position(figures, receivables(ERP), AS_OF, "USD", RATES)
    # open: 5 000 (12 days late) + 10 000 (92) + 5 000 (not due) + 3 000 (22) - 500 (credit note), in EUR
    assert cash.outstanding == pytest.approx(22_500 * 1.1)
    assert cash.overdue == pytest.approx(18_000 * 1.1)  # the credit note is never late
    assert cash.over_90 == pytest.approx(10_000 * 1.1)
    assert cash.overdue_share == pytest.approx(18_000 / 22_500)
    assert cash.aging.tolist() == pytest.approx([5_500, 8_800, 0, 0, 10_450])  # the credit note is 90+
    assert cash.invoices[c.DOCUMENT].tolist() == ["INV/B", "INV/D", "INV/A"]  # the latest first
    assert cash.invoices[c.DAYS_PAST_DUE].tolist() == [92, 22, 12]
    assert cash.invoices[c.REPORTING_AMOUNT].sum() == pytest.approx(cash.overdue)
    customers = cash.customers.set_index(c.CUSTOMER_NAME)
    assert customers.loc["Bluefin GmbH", c.REPORTING_AMOUNT] == pytest.approx(19_800)
    assert customers.loc["Bluefin GmbH", c.MAX_DAYS_PAST_DUE] == 92


def test_dso_is_outstanding_over_the_window_billing(figures: pd.DataFrame) -> None:
    docs = receivables(ERP)
    cash = cash_position(figures, docs, AS_OF, "USD", RATES)
    window = docs[docs[c.INVOICE_DATE] > pd.Timestamp(AS_OF) - pd.Timedelta(days=90)]
    billed = (window[c.TOTAL_AMOUNT] * 1.1).sum()
    if billed > 0:
        assert cash.dso_days == pytest.approx(cash.outstanding / billed * 90)
    else:
        assert cash.dso_days is None


def test_month_over_month_compares_with_the_newest_day_a_month_back() -> None:
    days = pd.DataFrame(
        {
            "day": [date(2026, 10, 1), date(2026, 10, 20), date(2026, 11, 4), date(2026, 11, 30)],
            "overdue_amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    back = month_ago(days, date(2026, 12, 3))  # 28 to 45 days back: 18 Oct to 5 Nov
    assert back is not None
    assert back["overdue_amount"] == 3.0  # 4 Nov, the newest in the window
    assert month_ago(days.iloc[[3]], date(2026, 12, 3)) is None  # only 3 days back: no trend yet
    assert month_ago(days.iloc[0:0], date(2026, 12, 3)) is None
