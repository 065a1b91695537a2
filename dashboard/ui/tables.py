"""Tables for people: readable headers, money with thousands separators, fractions as percentages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import columns as c

LABELS = {
    c.PROJECT_LABEL: "Project",
    c.CUSTOMER_NAME: "Customer",
    c.OWNER_NAME: "Owner",
    c.ERP_PROJECT_ID: "Project ID",
    c.CRM_DEAL_ID: "Deal",
    c.CURRENCY: "Ccy",
    c.CONTRACT_VALUE_AMOUNT: "Contract value",
    c.EST_MARGIN_PCT: "Est. margin",
    c.EST_COST_AMOUNT: "Est. cost",
    c.LABOR_COST_AMOUNT: "Labor",
    c.VENDOR_COST_AMOUNT: "Vendor",
    c.OTHER_COST_AMOUNT: "Other cost",
    c.ACTUAL_COST_AMOUNT: "Cost to date",
    c.INVOICED_AMOUNT: "Invoiced",
    c.PAID_AMOUNT: "Paid",
    c.OUTSTANDING_AMOUNT: "Outstanding",
    c.REMAINING_TO_INVOICE_AMOUNT: "To invoice",
    c.REALIZED_MARGIN_AMOUNT: "Realized margin",
    c.REALIZED_MARGIN_PCT: "Realized %",
    c.POC: "Complete",
    c.POC_METHOD: "Complete by",
    c.EAC_AMOUNT: "EAC",
    c.FORECAST_MARGIN_AMOUNT: "Forecast margin",
    c.FORECAST_MARGIN_PCT: "Forecast %",
    c.EROSION_PP: "Erosion (pp)",
    c.COST_BURN_PCT: "Cost burn",
    c.BILLING_BURN_PCT: "Billing burn",
    c.WIP_AMOUNT: "WIP",
    c.EROSION_FLAG: "Eroding",
    c.OVERRUN_FLAG: "Overrun",
    c.OVERDUE_FLAG: "Overdue AR",
    c.MAX_DAYS_PAST_DUE: "Days past due",
    c.DEAL_NAME: "Deal",
    c.CLOSE_DATE: "Closed",
    c.HANDOVER_SCORE: "Complete",
    c.MISSING_ITEMS: "Missing",
    c.DAYS_SINCE_CLOSE: "Days since close",
    c.HANDOVER_OVERDUE: "Overdue",
    c.PROJECT_STATUS: "Status",
    c.MILESTONES_DONE: "Milestones done",
    c.MILESTONES_TOTAL: "of",
    c.NEXT_MILESTONE: "Next milestone",
    c.NEXT_MILESTONE_DATE: "Due",
    c.OPEN_INCIDENTS: "Open incidents",
    c.OPEN_CHANGE_REQUESTS: "Open change requests",
    c.LAST_ACTIVITY_AT: "Last activity",
    c.ERP_STATUS: "ERP status",
    c.AR_CURRENT_AMOUNT: "Not yet due",
    c.AR_1_30_AMOUNT: "1–30 days",
    c.AR_31_60_AMOUNT: "31–60 days",
    c.AR_61_90_AMOUNT: "61–90 days",
    c.AR_90_PLUS_AMOUNT: "90+ days",
}


def column_config(columns: Sequence[str]) -> dict[str, Any]:
    """Streamlit column settings by naming convention: *_amount money, *_pct and poc percent, *_pp points."""
    config: dict[str, Any] = {}
    for name in columns:
        label = LABELS.get(name, name.replace("_", " ").capitalize())
        if name.endswith("_amount"):
            config[name] = st.column_config.NumberColumn(label, format="localized")
        elif name.endswith("_pct") or name in (c.POC, c.HANDOVER_SCORE):
            config[name] = st.column_config.NumberColumn(label, format="percent")
        elif name.endswith("_pp"):
            config[name] = st.column_config.NumberColumn(label, format="%+.1f pp")
        elif name.endswith(("_date", "_at")):
            config[name] = st.column_config.DateColumn(label, format="D MMM YYYY")
        else:
            config[name] = st.column_config.Column(label)
    return config


def show(frame: pd.DataFrame, columns: Sequence[str], *, key: str, height: int | None = None) -> None:
    """A read-only table of `columns` of `frame`, formatted for people."""
    present = [name for name in columns if name in frame.columns]
    st.dataframe(
        frame[present],
        column_config=column_config(present),
        hide_index=True,
        key=key,
        height=height if height is not None else "auto",
    )


AT_RISK_COLUMNS = (
    c.PROJECT_LABEL, c.CUSTOMER_NAME, c.OWNER_NAME, c.CURRENCY, c.CONTRACT_VALUE_AMOUNT, c.EST_MARGIN_PCT,
    c.FORECAST_MARGIN_PCT, c.EROSION_PP, c.COST_BURN_PCT, c.OUTSTANDING_AMOUNT, c.MAX_DAYS_PAST_DUE,
    c.EROSION_FLAG, c.OVERRUN_FLAG, c.OVERDUE_FLAG,
)  # fmt: skip


def at_risk(figures: pd.DataFrame) -> pd.DataFrame:
    """Projects with any risk flag, the most eroded first."""
    flagged = figures[figures[c.EROSION_FLAG] | figures[c.OVERRUN_FLAG] | figures[c.OVERDUE_FLAG]]
    return flagged.sort_values(c.EROSION_PP, ascending=False, na_position="last")


def at_risk_table(figures: pd.DataFrame, *, key: str) -> None:
    """The at-risk projects as a table."""
    show(at_risk(figures), AT_RISK_COLUMNS, key=key)
