"""Margin: one row per project with every kpis.md figure, filtered, sorted by erosion, exportable."""

import streamlit as st

from dashboard import columns as c
from dashboard import views as v
from dashboard.export import to_csv_bytes, to_excel_bytes
from dashboard.format import count, money, pct, plural, pp
from dashboard.ui import chrome, widgets
from dashboard.ui.charts import FORECAST_FLOOR, clamped_count, estimate_vs_forecast, selected_project
from dashboard.ui.decisions import PROJECT_PAGE
from dashboard.ui.tables import labelled, show
from dashboard.views import filter_margin, margin_rows, margin_totals

snap, analysis = chrome.load(
    "Margin", "Every project's figures against its estimate at close, most eroded first."
)
rows = margin_rows(analysis.figures, analysis.joined)
if rows.empty:
    st.info("No project to show: neither system has sent any yet.", icon=":material/inbox:")
    st.stop()
wanted = widgets.margin_filters(rows)
shown = filter_margin(rows, wanted)
if shown.empty:
    st.info("No project matches these filters. Clear one to see more.", icon=":material/filter_alt_off:")
    st.stop()

totals = margin_totals(shown, analysis.portfolio)
if totals.unconverted_note:
    st.warning(totals.unconverted_note, icon=":material/currency_exchange:")
total, ccy = totals.total.iloc[0], totals.reporting_currency
tiles = st.columns(4)
for tile, label, column in (
    (tiles[0], "Contract value", c.CONTRACT_VALUE_AMOUNT),
    (tiles[1], "Cost to date", c.ACTUAL_COST_AMOUNT),
    (tiles[2], "Forecast margin", c.FORECAST_MARGIN_AMOUNT),
):
    tile.metric(label, money(total[column], ccy), border=True)
tiles[3].metric(
    "Forecast margin %",
    pct(total[c.FORECAST_MARGIN_PCT]),
    delta=pp(total[c.EROSION_PP]) + " erosion",
    delta_color="inverse",  # the same sign as the tables' Erosion (pp): positive = eroding, red
    border=True,
)
if totals.converted:
    st.caption(
        f"Totals in {ccy} at the configured rates of {analysis.fx_rates_date}; percentages weighted by "
        "value. The table keeps each project's own currency."
    )

st.subheader("Forecast against estimate")
st.caption("Each dot is a project; below the dotted line its margin is eroding. Click a dot to open it.")
picked = st.plotly_chart(
    estimate_vs_forecast(shown), key="estimate_vs_forecast", on_select="rerun", selection_mode="points"
)
if opened := selected_project(picked):
    st.switch_page(PROJECT_PAGE, query_params={"project": opened})
edge = clamped_count(shown)
if edge:
    st.caption(
        f"{plural(edge, 'project')} forecast below {FORECAST_FLOOR:.0f}% margin: drawn as triangles on the "
        "bottom edge; hover for the value."
    )

st.subheader(f"Projects ({count(len(shown))})")
show(
    v.with_links(shown),
    (c.PROJECT_LINK, *c.MARGIN_TABLE),
    key="margin_table",
    height=560,
    download=None,
    deciding=9,
)
export = labelled(shown, c.MARGIN_TABLE)
downloads = st.container(horizontal=True)
downloads.download_button(
    "CSV",
    lambda: to_csv_bytes(export),
    file_name="throughline-margin.csv",
    mime="text/csv",
    key="download_csv",
    icon=":material/download:",
    on_click="ignore",
)
downloads.download_button(
    "Excel",
    lambda: to_excel_bytes(export, sheet="Margin"),
    file_name="throughline-margin.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="download_excel",
    icon=":material/download:",
    on_click="ignore",
)
