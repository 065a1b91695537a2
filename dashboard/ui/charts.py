"""Plotly figures the pages use; one function per chart, frames in, figure out.

Plotly renders HTML tags in labels and hover text, so every name from the systems goes through
`escape.plot` before it reaches a figure.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from dashboard import columns as c
from dashboard.ui.escape import plot
from dashboard.views import project_params

AR_LABELS = {
    c.AR_CURRENT_AMOUNT: "Not yet due",
    c.AR_1_30_AMOUNT: "1–30 days",
    c.AR_31_60_AMOUNT: "31–60 days",
    c.AR_61_90_AMOUNT: "61–90 days",
    c.AR_90_PLUS_AMOUNT: "90+ days",
}


def margin_bars(frame: pd.DataFrame, by: str, currency: str, top: int = 15) -> go.Figure:
    """Forecast margin against the estimate per customer or owner (the `top` largest by contract value)."""
    data = frame.sort_values(c.CONTRACT_VALUE_AMOUNT, ascending=False).head(top).iloc[::-1]
    data = data.assign(**{by: data[by].map(plot)})
    fig = go.Figure()
    fig.add_bar(y=data[by], x=data[c.EST_MARGIN_PCT] * 100, name="Estimated at close", orientation="h")
    fig.add_bar(y=data[by], x=data[c.FORECAST_MARGIN_PCT] * 100, name="Forecast", orientation="h")
    fig.update_layout(
        barmode="group", height=max(300, 28 * len(data)), margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis_title="margin %", yaxis_title=None, legend={"orientation": "h", "y": 1.08},
    )  # fmt: skip
    return fig


def aging_bars(aging: pd.DataFrame) -> go.Figure:
    """Outstanding receivables per aging bucket, one bar group per currency."""
    long = aging.reset_index().melt(
        id_vars=[c.CURRENCY], value_vars=list(AR_LABELS), var_name="bucket", value_name="amount"
    )
    long["bucket"] = long["bucket"].map(AR_LABELS)
    fig = px.bar(long, x="bucket", y="amount", color=c.CURRENCY, barmode="group", labels={"bucket": ""})
    fig.update_layout(height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10}, yaxis_title="outstanding")
    return fig


def aging_bars_converted(aging: pd.Series, currency: str) -> go.Figure:
    """Open receivables per aging bucket, every currency converted: one bar per bucket, one axis."""
    labels = [AR_LABELS[bucket] for bucket in aging.index]
    fig = go.Figure(go.Bar(x=labels, y=aging.to_numpy(), marker_color="#1F4E9A", name=currency))
    fig.update_layout(
        height=300, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title=f"open, {currency}",
        yaxis_tickformat=",.0f",
    )  # fmt: skip
    return fig


FORECAST_FLOOR = -50.0
"""The scatter's lowest forecast margin %: a project further down sits on this edge (drawn as a triangle),
so one outlier at -300 % does not squash every other project into a line."""


def clamped_count(figures: pd.DataFrame) -> int:
    """How many projects the scatter draws on its bottom edge (forecast margin below FORECAST_FLOOR)."""
    return int((figures[c.FORECAST_MARGIN_PCT] * 100 < FORECAST_FLOOR).sum())


def estimate_vs_forecast(figures: pd.DataFrame) -> go.Figure:
    """Each project's forecast margin % against its estimate at close; below the diagonal is erosion."""
    data = figures.dropna(subset=[c.EST_MARGIN_PCT, c.FORECAST_MARGIN_PCT])
    forecast = data[c.FORECAST_MARGIN_PCT] * 100
    data = data.assign(
        est=data[c.EST_MARGIN_PCT] * 100,
        forecast=forecast.clip(lower=FORECAST_FLOOR),
        forecast_real=forecast.round(1),
        edge=forecast < FORECAST_FLOOR,
        open_param=project_params(data),
        **{
            c.PROJECT_LABEL: data[c.PROJECT_LABEL].map(plot),
            c.ERP_PROJECT_ID: data[c.ERP_PROJECT_ID].map(plot),
        },
    )
    fig = px.scatter(
        data, x="est", y="forecast", color=c.EROSION_FLAG, symbol="edge", hover_name=c.PROJECT_LABEL,
        custom_data=["open_param"],  # a click on a point opens its project (selected_project)
        hover_data={c.ERP_PROJECT_ID: True, c.EROSION_FLAG: False, "edge": False, "forecast": False,
                    "forecast_real": True},
        labels={"est": "estimated at close %", "forecast": "forecast margin %", c.EROSION_FLAG: "eroding",
                c.ERP_PROJECT_ID: "project ID", "forecast_real": "forecast margin %"},
        color_discrete_map={True: "#D62728", False: "#1F77B4"},
        symbol_map={False: "circle", True: "triangle-down"},
    )  # fmt: skip
    # The diagonal spans every point drawn, so a project far below it is still on the chart.
    low = float(min(data["est"].min(), data["forecast"].min(), 0)) if len(data) else 0.0
    high = float(max(data["est"].max(), data["forecast"].max(), 50)) if len(data) else 50.0
    fig.add_shape(type="line", x0=low, y0=low, x1=high, y1=high, line={"dash": "dot", "color": "grey"})
    fig.update_layout(height=420, margin={"l": 10, "r": 10, "t": 30, "b": 10}, legend_title_text="eroding")
    # Plotly Express names each trace "<eroding>, <edge>"; the legend keeps one entry per colour.
    for trace in fig.data:
        eroding, _, on_edge = str(trace.name).partition(", ")
        trace.update(name="yes" if eroding == "True" else "no", showlegend=on_edge != "True")
    return fig


def selected_project(selection: object) -> str | None:
    """The `?project=` value of the first point picked on a chart drawn with custom_data=["open_param"].

    `selection` is what st.plotly_chart(on_select="rerun") returns: {"selection": {"points": [{...,
    "customdata": [param, ...]}]}} (Streamlit's PlotlySelectionState)."""
    try:
        points = selection["selection"]["points"]  # type: ignore[index]
        first = points[0]["customdata"][0]
    except (KeyError, IndexError, TypeError):
        return None
    return str(first) if first else None
