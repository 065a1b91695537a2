"""Overview (owners): the portfolio's money at a glance, where margin goes, what is at risk."""

import streamlit as st

from dashboard import columns as c
from dashboard.transforms.portfolio import ar_aging, margin_by_customer, margin_by_owner
from dashboard.ui import chrome
from dashboard.ui.charts import aging_bars, margin_bars
from dashboard.ui.format import money, pct, pp
from dashboard.ui.tables import at_risk_table, show

snap, analysis = chrome.load("Overview", "Contract value, billing, cost and margin across every project.")
portfolio = analysis.portfolio
if portfolio.unconverted_note:
    st.warning(portfolio.unconverted_note, icon=":material/currency_exchange:")

total = portfolio.total.iloc[0]
ccy = portfolio.reporting_currency
tiles = st.columns(4)
tiles[0].metric("Contract value", money(total[c.CONTRACT_VALUE_AMOUNT], ccy), border=True)
tiles[1].metric("Invoiced", money(total[c.INVOICED_AMOUNT], ccy), border=True)
tiles[2].metric("Outstanding", money(total[c.OUTSTANDING_AMOUNT], ccy), border=True)
tiles[3].metric("Cost to date", money(total[c.ACTUAL_COST_AMOUNT], ccy), border=True)
tiles = st.columns(4)
tiles[0].metric("Realized margin", money(total[c.REALIZED_MARGIN_AMOUNT], ccy), border=True)
tiles[1].metric("Realized margin %", pct(total[c.REALIZED_MARGIN_PCT]), border=True)
tiles[2].metric(
    "Forecast margin %",
    pct(total[c.FORECAST_MARGIN_PCT]),
    delta=pp(-total[c.EROSION_PP]) + " vs estimate",
    border=True,
)
tiles[3].metric("Estimated margin at close", pct(total[c.EST_MARGIN_PCT]), border=True)
if portfolio.converted:
    rates = ", ".join(f"1 {k} = {v:g} {ccy}" for k, v in portfolio.rates.items() if k != ccy)
    st.caption(
        f"Totals in {ccy}, converted at the configured rates of {analysis.fx_rates_date} ({rates}); "
        f"percentages are weighted by value, never averaged. {int(total[c.PROJECT_COUNT])} projects."
    )

left, right = st.columns(2)
with left:
    st.subheader("Margin by customer")
    by_customer = margin_by_customer(analysis.figures).reset_index()
    st.plotly_chart(margin_bars(by_customer, c.CUSTOMER_NAME, ccy), key="margin_by_customer")
with right:
    st.subheader("Margin by owner")
    by_owner = margin_by_owner(analysis.figures).reset_index()
    st.plotly_chart(margin_bars(by_owner, c.OWNER_NAME, ccy), key="margin_by_owner")

st.subheader("Projects at risk")
st.caption("Eroding margin, cost over the estimate, or receivables overdue, worst first.")
at_risk_table(analysis.figures, key="at_risk")

st.subheader("Receivables aging")
aging = ar_aging(analysis.figures)
st.plotly_chart(aging_bars(aging), key="ar_aging")
show(aging.reset_index(), [c.CURRENCY, c.OUTSTANDING_AMOUNT, *c.AR_BUCKETS], key="ar_aging_table")
