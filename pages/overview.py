"""Overview (owners): which projects need attention and why, the cash position, then where margin goes."""

import streamlit as st

from dashboard import columns as c
from dashboard import views as v
from dashboard.format import money, pct, pp
from dashboard.transforms.cash import cash_position
from dashboard.transforms.portfolio import margin_by_customer, margin_by_owner
from dashboard.ui import auth, chrome, decisions
from dashboard.ui.charts import margin_bars

snap, analysis = chrome.load(
    "Overview", "What needs attention, the cash position, and margin across projects."
)
portfolio = analysis.portfolio
if portfolio.unconverted_note:
    st.warning(portfolio.unconverted_note, icon=":material/currency_exchange:")

total = portfolio.total.iloc[0]
ccy = portfolio.reporting_currency
user = auth.current_user()
can_open = user is not None and "project" in auth.allowed_pages(user)
rates_note = None
if portfolio.converted:
    rates = ", ".join(f"1 {k} = {v:g} {ccy}" for k, v in portfolio.rates.items() if k != ccy)
    rates_note = f"In {ccy}, converted at the configured rates of {analysis.fx_rates_date} ({rates})."

tiles = st.columns(4)
tiles[0].metric("Contract value", money(total[c.CONTRACT_VALUE_AMOUNT], ccy), border=True)
tiles[1].metric(
    "Forecast margin %",
    pct(total[c.FORECAST_MARGIN_PCT]),
    delta=pp(total[c.EROSION_PP]) + " erosion",
    delta_color="inverse",  # the same sign as the tables' Erosion (pp): positive = eroding, red
    border=True,
)
tiles[2].metric("Estimated margin at close", pct(total[c.EST_MARGIN_PCT]), border=True)
tiles[3].metric("Outstanding", money(total[c.OUTSTANDING_AMOUNT], ccy), border=True)

cash = cash_position(analysis.figures, analysis.receivables, analysis.as_of, ccy, portfolio.rates)
decisions.trend(analysis.as_of, total, cash, snap.version)
decisions.needs_attention(v.attention_rows(analysis.figures, ccy, portfolio.rates), ccy, can_open=can_open)
decisions.cash_card(
    cash,
    rates_note,
    can_open=can_open,
)

st.subheader("Portfolio")
tiles = st.columns(4)
tiles[0].metric("Invoiced", money(total[c.INVOICED_AMOUNT], ccy), border=True)
tiles[1].metric("Cost to date", money(total[c.ACTUAL_COST_AMOUNT], ccy), border=True)
tiles[2].metric("Realized margin", money(total[c.REALIZED_MARGIN_AMOUNT], ccy), border=True)
tiles[3].metric("Realized margin %", pct(total[c.REALIZED_MARGIN_PCT]), border=True)
st.caption(
    f"{rates_note + ' ' if rates_note else ''}Percentages are weighted by value, never averaged. "
    f"{int(total[c.PROJECT_COUNT]):,} projects."
)

left, right = st.columns(2)
with left:
    st.subheader("Margin by customer")
    by_customer = margin_by_customer(analysis.figures).reset_index()
    st.plotly_chart(margin_bars(by_customer, c.CUSTOMER_NAME, ccy), key="margin_by_customer")
    st.caption(
        "Estimated margin at close against forecast margin, the 15 largest customers by contract value."
    )
with right:
    st.subheader("Margin by owner")
    by_owner = margin_by_owner(analysis.figures).reset_index()
    st.plotly_chart(margin_bars(by_owner, c.OWNER_NAME, ccy), key="margin_by_owner")
    st.caption("Estimated margin at close against forecast margin, the 15 largest owners by contract value.")
