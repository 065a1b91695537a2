"""Tables for people: readable headers, money with thousands separators, fractions as percentages.

Every grid and every CSV goes through `show`/`labelled`, so they share format.py's style: money whole in
overviews and with cents in line-level tables (`cents=True`), percentages with one decimal, one date
format, statuses in words and an em dash for an empty text cell. A `project_link` column (views.with_links)
becomes a link that opens the row's Project page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import columns as c
from dashboard.export import to_csv_bytes
from dashboard.format import DATE_GRID, MISSING, status

LABELS = {
    c.PROJECT_LABEL: "Project",
    c.CUSTOMER_NAME: "Customer",
    c.OWNER_NAME: "Owner",
    c.ERP_PROJECT_ID: "Project ID",
    c.CRM_DEAL_ID: "Deal ID",
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
    c.EARLY_FORECAST_FLAG: "Too early to extrapolate",
    c.FORECAST_MARGIN_AMOUNT: "Forecast margin",
    c.FORECAST_MARGIN_PCT: "Forecast %",
    c.EROSION_PP: "Erosion (pp)",
    c.COST_BURN_PCT: "Cost burn",
    c.BILLING_BURN_PCT: "Invoiced of contract",
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
    c.OPEN_INCIDENTS: "Incidents",
    c.OPEN_CHANGE_REQUESTS: "Open change requests",
    c.LAST_ACTIVITY_AT: "Last activity",
    c.MILESTONE_DUE: "Next milestone",
    c.INCIDENT_TITLES: "Open incidents (age)",
    c.PROJECT_LINK: "Open",
    c.AT_RISK_REPORTING_AMOUNT: "At risk",
    c.MARGIN_LOST_AMOUNT: "Margin lost",
    c.OVERDUE_AMOUNT: "Overdue",
    c.REPORTING_AMOUNT: "Amount (reporting)",
    c.RESIDUAL_AMOUNT: "Open",
    c.DAYS_PAST_DUE: "Days late",
    c.DUE_DATE: "Due",
    "reason": "Why",
    c.ERP_STATUS: "ERP status",
    c.AR_CURRENT_AMOUNT: "Not yet due",
    c.AR_1_30_AMOUNT: "1–30 days",
    c.AR_31_60_AMOUNT: "31–60 days",
    c.AR_61_90_AMOUNT: "61–90 days",
    c.AR_90_PLUS_AMOUNT: "90+ days",
    c.SCOPE_SUMMARY: "Scope",
    c.PROPOSAL_VERSION: "Proposal",
    c.PRIMARY_CONTACT_NAME: "Primary contact",
    c.DOCUMENT: "Document",
    c.SECTION: "Section",
    c.LINE_DATE: "Date",
    c.PARTNER: "Employee or partner",
    c.DESCRIPTION: "Description",
    c.HOURS: "Hours",
    c.LINE_AMOUNT: "Amount",
    c.ITEM_NAME: "Line item",
    c.QUANTITY: "Quantity",
    c.UNIT_PRICE_AMOUNT: "Unit price",
    c.ACTIVITY_AT: "When",
    c.ACTIVITY_KIND: "What",
    c.ACTIVITY_TEXT: "Subject or note",
    c.ACTIVITY_STATE: "State",
    c.SETTING_SECTION: "Section",
    c.SETTING_NAME: "Setting",
    c.SETTING_VALUE: "Value",
    c.SYSTEM_ROLE: "Role",
    c.SYSTEM: "System",
    c.ADDRESS: "Address",
}
PINNED = (c.PROJECT_LABEL, c.DEAL_NAME, c.PROJECT_LINK)
"""Wide tables keep the row's name in view while scrolling sideways."""
STATUS_COLUMNS = (
    c.PROJECT_STATUS, c.ERP_STATUS, c.POC_METHOD, c.COST_BURN_LEVEL, c.MATCH, c.KIND, c.SEVERITY, c.BAND,
    c.ACTIVITY_KIND, c.ACTIVITY_STATE, c.PAYMENT_STATE,
)  # fmt: skip
"""Codes the systems or the core use, shown in words (`in_progress` -> `In progress`)."""


def column_config(columns: Sequence[str], *, cents: bool = False) -> dict[str, Any]:
    """Streamlit column settings by naming convention: *_amount money, *_pct and poc percent, *_pp points.

    Money is "localized" (thousands separators, a leading minus, as format.money) with whole units, or
    cents in line-level tables; the currency travels in its own column, rows may differ.
    """
    config: dict[str, Any] = {}
    for name in columns:
        label = LABELS.get(name, name.replace("_", " ").capitalize())
        if name.endswith("_amount"):
            step = 0.01 if cents else 1
            config[name] = st.column_config.NumberColumn(label, format="localized", step=step)
        elif name in (c.POC, c.BILLING_BURN_PCT):  # a bar reads at a glance (POC is capped at 100 %)
            config[name] = st.column_config.ProgressColumn(label, format="percent", min_value=0, max_value=1)
        elif name.endswith("_pct") or name == c.HANDOVER_SCORE:
            # "percent" keeps (step digits - 2) decimals: 0.001 -> one decimal, as format.pct
            config[name] = st.column_config.NumberColumn(label, format="percent", step=0.001)
        elif name.endswith("_pp"):
            config[name] = st.column_config.NumberColumn(label, format="%+.1f pp")
        elif name.endswith(("_date", "_at")):
            config[name] = st.column_config.DateColumn(label, format=DATE_GRID)
        elif name == c.PROJECT_LINK:
            config[name] = st.column_config.LinkColumn(
                label, display_text=r"project=(.*)$", pinned=True, help="Opens the project's page"
            )
        else:
            config[name] = st.column_config.Column(label, pinned=name in PINNED or None)
    return config


def for_people(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """`columns` of `frame` as shown: statuses in words, an em dash in empty text cells."""
    out = frame[list(columns)].copy()
    for name in columns:
        if name in STATUS_COLUMNS:
            out[name] = _by_value(out[name], status)
        elif out[name].dtype == object or str(out[name].dtype) in ("str", "string"):
            out[name] = _by_value(out[name], lambda value: MISSING if _blank(value) else value)
    return out


def _by_value(column: pd.Series, word: Callable[[Any], Any]) -> pd.Series:
    """`column.map(word)`, with `word` called once per distinct value (codes and names repeat: at 10,000
    rows a call per cell was a tenth of a page's run)."""
    try:
        codes, uniques = pd.factorize(column)
    except TypeError:  # an unhashable value (a list, say): one call per cell
        return column.map(word)
    words = np.array([*(word(value) for value in uniques), word(None)], dtype=object)  # code -1: missing
    return pd.Series(words[codes], index=column.index, name=column.name).infer_objects()


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return value != value  # NaN
    return isinstance(value, str) and value in ("", "nan", "None")


def show(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    key: str,
    height: int | None = None,
    download: str | None = "table",
    cents: bool = False,
    deciding: int | None = None,
) -> None:
    """A read-only table of `columns` of `frame`, formatted for people, with a CSV download of what it
    shows (the grid's own export is switched off: it would carry formulas; see dashboard/export.py).

    With `deciding`, the grid opens on the first `deciding` columns and a picker adds any of the others
    (the CSV always has them all)."""
    present = [name for name in columns if name in frame.columns]
    order = present
    if deciding is not None and len(present) > deciding:
        rest = present[deciding:]
        picked = st.multiselect(
            "More columns",
            rest,
            format_func=lambda name: LABELS.get(name, name),
            key=f"{key}_columns",
            placeholder=f"{len(rest)} more: choose any to add",
        )
        order = [*present[:deciding], *(name for name in rest if name in picked)]
    st.dataframe(
        for_people(frame, present),
        column_config=column_config(present, cents=cents),
        column_order=order,
        hide_index=True,
        key=key,
        height=height if height is not None else "auto",
    )
    if download and not frame.empty:
        st.download_button(
            "Download CSV",
            lambda: to_csv_bytes(labelled(frame, present)),  # made on the click, not on every run
            file_name=f"throughline-{download}.csv",
            mime="text/csv",
            key=f"{key}_csv",
            on_click="ignore",
            icon=":material/download:",
            type="tertiary",
        )


def at_risk(figures: pd.DataFrame) -> pd.DataFrame:
    """Projects with any risk flag, the most eroded first."""
    flagged = figures[figures[c.EROSION_FLAG] | figures[c.OVERRUN_FLAG] | figures[c.OVERDUE_FLAG]]
    return flagged.sort_values(c.EROSION_PP, ascending=False, na_position="last")


def at_risk_table(figures: pd.DataFrame, *, key: str) -> None:
    """The at-risk projects as a table."""
    show(at_risk(figures), c.AT_RISK_TABLE, key=key)


def labelled(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """`columns` of `frame` under the headers people see, for a download."""
    present = [name for name in columns if name in frame.columns and name != c.PROJECT_LINK]
    return for_people(frame, present).rename(columns=lambda name: LABELS.get(name, name))
