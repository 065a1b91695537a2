"""Cash: how much the customers owe, how much of it is late, and who is latest, in the reporting currency.

Amounts are the open (residual, gross) receivables, as the AR aging splits them (see margin.py's basis
note). Each document is converted at the configured rate of its own currency, so the overdue total is the
sum of the overdue invoices converted, and a person can check it invoice by invoice. A currency without a
rate stays out of every total here, like the portfolio totals (the pages name it).

DSO (days sales outstanding, the "countback-free" average method): outstanding ÷ invoiced (gross) in the
last `dso_days` days × `dso_days`; empty when nothing was invoiced in that window.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard import columns as c
from dashboard.transforms.attention import to_reporting

OVERDUE_INVOICES = (
    c.ERP_RECORD_ID, c.DOCUMENT, c.CUSTOMER_NAME, c.PROJECT_LABEL, c.ERP_PROJECT_ID, c.CRM_DEAL_ID,
    c.ROW_KEY, c.DUE_DATE, c.DAYS_PAST_DUE, c.CURRENCY, c.RESIDUAL_AMOUNT, c.REPORTING_AMOUNT,
)  # fmt: skip
OVERDUE_CUSTOMERS = (c.CUSTOMER_NAME, c.COUNT, c.MAX_DAYS_PAST_DUE, c.REPORTING_AMOUNT)


@dataclass(frozen=True)
class CashPosition:
    """The cash card's figures, every amount in `reporting_currency`."""

    reporting_currency: str
    outstanding: float
    overdue: float
    """Documents still owed (residual > 0) past their due date; a credit note is never late."""
    over_90: float
    dso_days: float | None
    aging: pd.Series
    """Open amount per AR bucket (c.AR_BUCKETS order), converted."""
    invoices: pd.DataFrame
    """Overdue documents still owed (OVERDUE_INVOICES), the latest first."""
    customers: pd.DataFrame
    """Overdue per customer (OVERDUE_CUSTOMERS), the most owed first."""

    @property
    def overdue_share(self) -> float | None:
        """Overdue as a fraction of outstanding; None when nothing is outstanding."""
        return self.overdue / self.outstanding if self.outstanding else None


def cash_position(
    figures: pd.DataFrame,
    receivables: pd.DataFrame,
    as_of: date,
    reporting_currency: str,
    rates: Mapping[str, float],
    dso_window_days: int = 90,
) -> CashPosition:
    """The cash card from `project_figures` and `receivables_frame` output, converted at `rates`."""
    docs = receivables[receivables[c.RESIDUAL_AMOUNT].fillna(0) != 0]
    due = docs[c.DUE_DATE].fillna(docs[c.INVOICE_DATE])
    days = (pd.Timestamp(as_of) - due).dt.days.fillna(0).astype("int64")
    converted = to_reporting(docs[c.RESIDUAL_AMOUNT], docs[c.CURRENCY], reporting_currency, rates)
    docs = docs.assign(**{c.DAYS_PAST_DUE: days, c.REPORTING_AMOUNT: converted})
    known = docs[docs[c.REPORTING_AMOUNT].notna()]
    edges = [(c.AR_CURRENT_AMOUNT, None, 0), (c.AR_1_30_AMOUNT, 1, 30), (c.AR_31_60_AMOUNT, 31, 60),
             (c.AR_61_90_AMOUNT, 61, 90), (c.AR_90_PLUS_AMOUNT, 91, None)]  # fmt: skip
    aging = pd.Series(
        {
            bucket: round(
                float(
                    known.loc[
                        (known[c.DAYS_PAST_DUE] >= (low if low is not None else -(10**9)))
                        & (known[c.DAYS_PAST_DUE] <= (high if high is not None else 10**9)),
                        c.REPORTING_AMOUNT,
                    ].sum()
                ),
                2,
            )
            for bucket, low, high in edges
        }
    )
    late = known[(known[c.DAYS_PAST_DUE] > 0) & (known[c.RESIDUAL_AMOUNT] > 0)]
    owners = figures[figures[c.FINANCIAL_OWNER].astype(bool) & figures[c.ERP_RECORD_ID].notna()]
    names = owners.drop_duplicates(c.ERP_RECORD_ID).set_index(c.ERP_RECORD_ID)[
        [c.CUSTOMER_NAME, c.PROJECT_LABEL, c.ERP_PROJECT_ID, c.CRM_DEAL_ID, c.ROW_KEY]
    ]
    invoices = late.join(names, on=c.ERP_RECORD_ID, how="left")
    invoices = invoices.sort_values(
        [c.DAYS_PAST_DUE, c.REPORTING_AMOUNT], ascending=[False, False], kind="stable"
    )[list(OVERDUE_INVOICES)].reset_index(drop=True)
    customers = (
        invoices.assign(**{c.CUSTOMER_NAME: invoices[c.CUSTOMER_NAME].fillna("(none)")})
        .groupby(c.CUSTOMER_NAME)
        .agg(
            **{
                c.COUNT: (c.DOCUMENT, "size"),
                c.MAX_DAYS_PAST_DUE: (c.DAYS_PAST_DUE, "max"),
                c.REPORTING_AMOUNT: (c.REPORTING_AMOUNT, "sum"),
            }
        )
        .round({c.REPORTING_AMOUNT: 2})
        .sort_values(c.REPORTING_AMOUNT, ascending=False, kind="stable")
        .reset_index()
    )
    window = receivables[
        (receivables[c.INVOICE_DATE] > pd.Timestamp(as_of) - pd.Timedelta(days=dso_window_days))
        & (receivables[c.INVOICE_DATE] <= pd.Timestamp(as_of))
    ]
    billed = to_reporting(window[c.TOTAL_AMOUNT], window[c.CURRENCY], reporting_currency, rates).sum()
    outstanding = round(float(known[c.REPORTING_AMOUNT].sum()), 2)
    return CashPosition(
        reporting_currency=reporting_currency,
        outstanding=outstanding,
        overdue=round(float(late[c.REPORTING_AMOUNT].sum()), 2),
        over_90=round(float(late.loc[late[c.DAYS_PAST_DUE] > 90, c.REPORTING_AMOUNT].sum()), 2),
        dso_days=outstanding / float(billed) * dso_window_days if billed > 0 else None,
        aging=aging,
        invoices=invoices,
        customers=customers,
    )
