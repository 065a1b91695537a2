"""The one formatting style every page and export shares (dashboard/ui/format.py)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from dashboard import columns as c
from dashboard.format import day, days_late, money, pct, plural, pp, status
from dashboard.ui.charts import estimate_vs_forecast, selected_project
from dashboard.ui.tables import for_people, labelled


def test_money_whole_in_overviews_cents_in_lines_and_one_negative_style() -> None:
    assert money(20_819_430.4, "USD") == "$20,819,430"
    assert money(247_000, "EUR", cents=True) == "€247,000.00"
    assert money(-1_234.5, "GBP") == "-£1,234"  # a leading minus, before the symbol
    assert money(20_819_430, "USD", compact=True) == "$20.82M"
    assert money(None, "USD") == money(float("nan"), "USD") == "—"


def test_percentages_and_points() -> None:
    assert pct(0.268) == "26.8%"
    assert pct(0.29) == "29.0%"
    assert pct(-0.0001) == "0.0%"  # never "-0.0%"
    assert pct(-1.31) == "-131.0%"
    assert pp(-4.25) == "-4.2 pp"
    assert pct(None) == pp(None) == "—"


def test_one_date_style() -> None:
    assert day(date(2026, 12, 3)) == "3 Dec 2026"
    assert day(datetime(2026, 11, 27, 15, 0)) == "27 Nov 2026"
    assert day(pd.Timestamp("2026-01-05")) == "5 Jan 2026"
    assert day(None) == day(pd.NaT) == "—"


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("in_progress", "In progress"),
        ("on_track", "On track"),
        ("at_risk", "At risk"),
        ("cost-to-cost", "Cost-to-cost"),
        ("erp_only", "ERP only"),
        ("n/a", "—"),
        (None, "—"),
        (float("nan"), "—"),
        ("None", "—"),
        ("nan", "—"),
    ],
)
def test_statuses_in_words(code: object, words: str) -> None:
    assert status(code) == words


def test_days_late_and_plurals() -> None:
    assert days_late(227) == "227 days late"
    assert days_late(1) == "1 day late"
    assert days_late(0) == "due today"
    assert days_late(-5) == "due in 5 days"
    assert plural(1, "project") == "1 project"
    assert plural(138, "project") == "138 projects"


def test_tables_and_exports_show_words_and_dashes() -> None:
    frame = pd.DataFrame(
        {
            c.PROJECT_LABEL: ["Acme – Portal", None],
            c.PROJECT_STATUS: ["in_progress", None],
            c.OWNER_NAME: [float("nan"), "Ann"],
            c.CONTRACT_VALUE_AMOUNT: [100.0, None],
        }
    )
    shown = for_people(frame, list(frame.columns))
    assert shown[c.PROJECT_STATUS].tolist() == ["In progress", "—"]
    assert shown[c.PROJECT_LABEL].tolist() == ["Acme – Portal", "—"]
    assert shown[c.OWNER_NAME].tolist() == ["—", "Ann"]
    exported = labelled(frame, list(frame.columns))
    assert exported["Status"].tolist() == ["In progress", "—"]
    assert exported["Contract value"].iloc[0] == 100.0  # numbers stay numbers in an export


def test_a_picked_chart_point_names_its_project() -> None:
    figures = pd.DataFrame(
        {
            c.ROW_KEY: ["deal:1"], c.CRM_DEAL_ID: ["1"], c.ERP_PROJECT_ID: ["PRJ-00175"],
            c.PROJECT_LABEL: ["Acme – Portal"], c.EST_MARGIN_PCT: [0.3], c.FORECAST_MARGIN_PCT: [-0.9],
            c.EROSION_FLAG: [True],
        }
    )  # fmt: skip
    fig = estimate_vs_forecast(figures)
    [trace] = fig.data
    assert trace.customdata[0][0] == "PRJ-00175"  # what a click hands back
    assert trace.y[0] == -50  # drawn on the edge, the value kept for the hover
    event = {"selection": {"points": [{"customdata": list(trace.customdata[0])}]}}
    assert selected_project(event) == "PRJ-00175"
    assert selected_project({"selection": {"points": []}}) is None
    assert selected_project(None) is None
