"""The overview's decision blocks: needs attention (links to each Project page) and the cash card.

Each project name is an `st.page_link` to the Project page with `?project=`: a real anchor in the page that
a browser follows (and a person can open in a new tab), not only a cell inside a data grid.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import columns as c
from dashboard import views as v
from dashboard.format import day, days_late, money, pct, plural, pp
from dashboard.format import status as status_words
from dashboard.transforms.cash import CashPosition
from dashboard.transforms.trend import MONTH_BACK, month_ago
from dashboard.ui import cache
from dashboard.ui.charts import AR_LABELS, aging_bars_converted
from dashboard.ui.escape import md
from dashboard.ui.tables import show
from services.errors import ThroughlineError
from services.store import PortfolioDay

PROJECT_PAGE = Path(__file__).resolve().parents[2] / "pages" / "project.py"
TOP = 7
"""How many projects the first screen lists."""


def project_link(label: str, param: str, *, key: str) -> None:
    """A link that opens the Project page on `param` (an anchor the browser follows)."""
    st.page_link(PROJECT_PAGE, label=label, query_params={"project": param}, icon=":material/open_in_new:")


def needs_attention(rows: pd.DataFrame, reporting_currency: str, *, can_open: bool) -> None:
    """The top projects by money at risk, each with its reason in words, its owner and a link."""
    st.subheader("Needs attention")
    if rows.empty:
        st.success("No project is losing margin against its estimate or waiting on late payments.")
        return
    st.caption(
        f"Projects ranked by money at risk in {reporting_currency}: margin lost against the estimate at "
        "close plus receivables past due."
    )
    for i, (_, record) in enumerate(rows.head(TOP).iterrows()):
        name = str(record[c.PROJECT_LABEL]) if pd.notna(record[c.PROJECT_LABEL]) else "Unnamed project"
        with st.container(border=True, key=f"attention_{i}"):
            left, right = st.columns([3, 1], vertical_alignment="center")
            with left:
                if can_open:
                    project_link(name, v.project_param(record), key=f"attention_link_{i}")
                else:
                    st.markdown(f"**{md(name)}**")
                owner = md(record[c.OWNER_NAME]) if pd.notna(record[c.OWNER_NAME]) else "no owner"
                customer = md(record[c.CUSTOMER_NAME]) if pd.notna(record[c.CUSTOMER_NAME]) else "no customer"
                st.markdown(f"{md(record[v.REASON])}  \n{customer} · owner {owner}")
            right.metric(
                "At risk",
                money(record[c.AT_RISK_REPORTING_AMOUNT], reporting_currency),
                label_visibility="visible",
            )
    with st.expander(f"All {plural(len(rows), 'project')} with money at risk", icon=":material/list:"):
        show(
            rows,
            [c.PROJECT_LINK, c.PROJECT_LABEL, v.REASON, c.CUSTOMER_NAME, c.OWNER_NAME,
             c.AT_RISK_REPORTING_AMOUNT, c.CURRENCY, c.MARGIN_LOST_AMOUNT, c.OVERDUE_AMOUNT,
             c.MAX_DAYS_PAST_DUE],
            key="attention_all",
            download="needs-attention",
        )  # fmt: skip


def cash_card(cash: CashPosition, rates_note: str | None, *, can_open: bool) -> None:
    """Outstanding, overdue and its share, over 90 days, DSO; aging per bucket; the latest payers."""
    ccy = cash.reporting_currency
    st.subheader("Cash")
    tiles = st.columns(4)
    tiles[0].metric("Outstanding", money(cash.outstanding, ccy), border=True, help="open customer invoices")
    tiles[1].metric(
        "Overdue",
        money(cash.overdue, ccy),
        delta=f"{pct(cash.overdue_share)} of outstanding",
        delta_color="off",
        border=True,
        help="invoices still owed past their due date, each converted at the rate of its currency",
    )
    share_90 = cash.over_90 / cash.outstanding if cash.outstanding else None
    tiles[2].metric(
        "Over 90 days", money(cash.over_90, ccy), delta=f"{pct(share_90)} of outstanding", delta_color="off",
        border=True,
    )  # fmt: skip
    tiles[3].metric(
        "DSO",
        "—" if cash.dso_days is None else plural(round(cash.dso_days), "day"),
        border=True,
        help="days sales outstanding: outstanding ÷ invoiced in the last 90 days × 90",
    )
    if rates_note:
        st.caption(rates_note)
    left, right = st.columns(2)
    with left:
        st.markdown("**Receivables by age**")
        st.plotly_chart(aging_bars_converted(cash.aging, ccy), key="ar_aging")
        st.caption(  # the chart in words, for a screen reader and for a quick read
            " · ".join(
                f"{AR_LABELS[str(bucket)]}: {money(amount, ccy)}" for bucket, amount in cash.aging.items()
            )
        )
    with right:
        st.markdown("**Latest to pay**")
        if cash.invoices.empty:
            st.caption("No invoice is past its due date.")
        for i, (_, record) in enumerate(cash.invoices.head(5).iterrows()):
            customer = record[c.CUSTOMER_NAME] if pd.notna(record[c.CUSTOMER_NAME]) else "—"
            label = f"{record[c.DOCUMENT]} · {customer}"
            line = f"{money(record[c.REPORTING_AMOUNT], ccy)}, {days_late(record[c.DAYS_PAST_DUE])}" + (
                f" ({money(record[c.RESIDUAL_AMOUNT], record[c.CURRENCY])})"
                if record[c.CURRENCY] != ccy
                else ""
            )
            param = record[c.ERP_PROJECT_ID] if pd.notna(record[c.ERP_PROJECT_ID]) else record[c.CRM_DEAL_ID]
            if can_open and pd.notna(param):
                project_link(label, str(param), key=f"invoice_link_{i}")
            else:
                st.markdown(f"**{md(label)}**")
            st.caption(line)
        top = cash.customers.head(5)
        if len(top):
            st.markdown("**Customers with the most overdue**")
            st.markdown(
                "\n".join(
                    f"- {md(r[c.CUSTOMER_NAME])}: {money(r[c.REPORTING_AMOUNT], ccy)} in "
                    f"{plural(int(r[c.COUNT]), 'invoice')}, up to {days_late(r[c.MAX_DAYS_PAST_DUE])}"
                    for _, r in top.iterrows()
                )
            )
    with st.expander(f"All {plural(len(cash.invoices), 'overdue invoice')}", icon=":material/receipt_long:"):
        show(
            v.invoice_links(cash.invoices),
            [c.PROJECT_LINK, c.DOCUMENT, c.CUSTOMER_NAME, c.PROJECT_LABEL, c.DUE_DATE, c.DAYS_PAST_DUE,
             c.CURRENCY, c.RESIDUAL_AMOUNT, c.REPORTING_AMOUNT],
            key="overdue_invoices",
            download="overdue-invoices",
            cents=True,
        )  # fmt: skip


@st.cache_resource
def _recorded() -> dict[tuple[str, str], str]:
    """(day, reporting currency) -> the snapshot version last recorded: one write per read, not per view."""
    return {}


def trend(as_of: date, total: pd.Series, cash: CashPosition, version: str) -> None:
    """Keep today's figures in the store (once per read) and say how they moved over about a month.

    `total` is the portfolio's converted total row, `cash` the cash card's figures, `version` the snapshot's.
    """
    margin_pct = total[c.FORECAST_MARGIN_PCT]
    today = PortfolioDay(
        day=as_of,
        reporting_currency=cash.reporting_currency,
        contract_value_amount=float(total[c.CONTRACT_VALUE_AMOUNT]),
        forecast_margin_pct=None if pd.isna(margin_pct) else float(margin_pct),
        outstanding_amount=cash.outstanding,
        overdue_amount=cash.overdue,
    )
    try:
        store = cache.store()
        key = (today.day.isoformat(), today.reporting_currency)
        if _recorded().get(key) != version:
            store.record_day(today)
            _recorded()[key] = version
        kept = store.portfolio_days(today.reporting_currency, today.day - pd.Timedelta(days=MONTH_BACK[1]))
    except ThroughlineError as error:
        st.caption(f"No month-over-month trend: the store could not be used ({md(error)}).")
        return
    frame = pd.DataFrame([d.model_dump() for d in kept])
    back = month_ago(frame, today.day)
    ccy = today.reporting_currency
    if back is None:
        st.caption(
            "Month over month: not yet. Throughline keeps one set of portfolio figures a day (figures only, "
            f"no records); the trend shows once it holds a day {MONTH_BACK[0]} to {MONTH_BACK[1]} days back."
        )
        return
    margin = (
        pp((today.forecast_margin_pct - back["forecast_margin_pct"]) * 100)
        if today.forecast_margin_pct is not None and pd.notna(back["forecast_margin_pct"])
        else "—"
    )
    outstanding = today.outstanding_amount - back["outstanding_amount"]
    overdue = today.overdue_amount - back["overdue_amount"]
    st.markdown(
        f"**Since {day(back['day'])}:** forecast margin {margin}, outstanding "
        f"{'+' if outstanding >= 0 else ''}{money(outstanding, ccy)}, overdue "
        f"{'+' if overdue >= 0 else ''}{money(overdue, ccy)}."
    )


PHONE_CARDS = 20
"""How many deals the phone's card list shows (the filters narrow it)."""


def delivery_cards(brief: pd.DataFrame, *, can_open: bool) -> None:
    """The sales brief as cards, for phones (phone.css shows these below 640 px and the grid above)."""
    with st.container(key="cards_delivery"):
        for i, (_, row) in enumerate(brief.head(PHONE_CARDS).iterrows()):
            name = str(row[c.DEAL_NAME]) if pd.notna(row[c.DEAL_NAME]) else "Unnamed deal"
            with st.container(border=True, key=f"card_delivery_{i}"):
                if can_open:
                    project_link(name, v.project_param(row), key=f"card_link_{i}")
                else:
                    st.markdown(f"**{md(name)}**")
                invoiced = row[c.BILLING_BURN_PCT]
                lines = [
                    f"{md(row[c.CUSTOMER_NAME]) if pd.notna(row[c.CUSTOMER_NAME]) else '—'} · "
                    f"{md(status_words(row[c.PROJECT_STATUS]))}",
                    f"Next: {md(row[c.MILESTONE_DUE])}",
                    f"Open incidents: {md(row[c.INCIDENT_TITLES])}",
                    f"Invoiced {pct(invoiced)} of contract" if pd.notna(invoiced) else "Nothing invoiced yet",
                ]
                st.markdown("  \n".join(lines))
        if len(brief) > PHONE_CARDS:
            st.caption(f"The first {PHONE_CARDS} of {len(brief)} deals; pick a customer to narrow them.")
