"""Needs attention: the projects with the most money at risk, in the reporting currency.

Money at risk = the margin lost against the estimate at close (EAC - estimated cost, never below 0) plus
the receivables past their due date (net of the project's open credit notes: what the customer still owes
late). Both are money the owner can act on this week, so one number ranks
them; a project is never ranked by erosion in points alone (a 13,500 contract would outrank a 400,000 one
losing 122,000).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dashboard import columns as c

OVERDUE_BUCKETS = [b for b in c.AR_BUCKETS if b != c.AR_CURRENT_AMOUNT]
ATTENTION_FRAME = (
    c.ROW_KEY, c.CRM_DEAL_ID, c.ERP_PROJECT_ID, c.PROJECT_LABEL, c.CUSTOMER_NAME, c.OWNER_NAME, c.CURRENCY,
    c.CONTRACT_VALUE_AMOUNT, c.EST_COST_AMOUNT, c.ACTUAL_COST_AMOUNT, c.EAC_AMOUNT, c.COST_BURN_PCT,
    c.EARLY_FORECAST_FLAG, c.MARGIN_LOST_AMOUNT, c.OVERDUE_AMOUNT, c.MAX_DAYS_PAST_DUE,
    c.AT_RISK_REPORTING_AMOUNT,
)  # fmt: skip


def rate_of(currency: object, reporting_currency: str, rates: Mapping[str, float]) -> float | None:
    """Units of the reporting currency per unit of `currency`; None without a usable rate."""
    if currency == reporting_currency:
        return 1.0
    rate = rates.get(str(currency)) if isinstance(currency, str) else None
    return float(rate) if rate is not None and rate > 0 else None


def to_reporting(
    amounts: pd.Series, currencies: pd.Series, reporting_currency: str, rates: Mapping[str, float]
) -> pd.Series:
    """`amounts` converted row by row at `rates`; NaN where the currency has no rate."""
    factor = currencies.map(lambda ccy: rate_of(ccy, reporting_currency, rates)).astype("float64")
    return (amounts.astype("float64") * factor).round(2)


def money_at_risk(figures: pd.DataFrame, reporting_currency: str, rates: Mapping[str, float]) -> pd.DataFrame:
    """Projects with money at risk (ATTENTION_FRAME), the most first, from `project_figures` output.

    A project in a currency without a rate is left out (the pages name such currencies already); so is a
    project with nothing lost and nothing overdue.
    """
    lost = (figures[c.EAC_AMOUNT] - figures[c.EST_COST_AMOUNT]).clip(lower=0).fillna(0).round(2)
    overdue = figures[OVERDUE_BUCKETS].sum(axis=1, min_count=1).clip(lower=0).fillna(0).round(2)
    out = figures.assign(**{c.MARGIN_LOST_AMOUNT: lost, c.OVERDUE_AMOUNT: overdue})
    out[c.AT_RISK_REPORTING_AMOUNT] = to_reporting(lost + overdue, out[c.CURRENCY], reporting_currency, rates)
    out = out[out[c.AT_RISK_REPORTING_AMOUNT] > 0]
    out = out.sort_values(
        [c.AT_RISK_REPORTING_AMOUNT, c.PROJECT_LABEL], ascending=[False, True], kind="stable"
    )
    return out[list(ATTENTION_FRAME)].reset_index(drop=True)
