"""The pages on the demo sandbox, through AppTest: what each shows equals the analytics core's figures.

Every test runs the real entrypoint (demo mode, admin) against the session's sandbox over HTTP; the expected
values come from `analyze` on a snapshot the test reads itself (`oracle`), formatted as the pages format them.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import columns as c
from dashboard import views as v
from dashboard.analysis import Analysis
from dashboard.format import count, day, money, pct, pp
from dashboard.transforms.cash import cash_position
from services.store import PortfolioDay, Store
from tests.sandbox_fixture import RunningSandbox
from tests.ui.conftest import APP, open_page, oracle_of, plain, read_snapshot

MY_PAGES = ("overview", "margin", "project", "delivery", "settings")


def tiles(at: AppTest) -> dict[str, str]:
    """Metric label -> shown value (the first metric of each label)."""
    out: dict[str, str] = {}
    for metric in at.metric:
        out.setdefault(metric.label, metric.value)
    return out


def table(at: AppTest, column: str, root: Any = None) -> pd.DataFrame:
    """The one dataframe on the page (or in `root`) that has `column`."""
    found = [d.value for d in (root or at).dataframe if column in d.value.columns]
    assert len(found) == 1, f"{len(found)} tables with {column}"
    return found[0]


def texts(at: AppTest) -> list[str]:
    return [plain(e.value) for kind in (at.warning, at.error, at.info) for e in kind]


def linked_project(oracle: Analysis) -> pd.Series:
    """A linked project carrying its ERP money, with costs of every kind, invoices, line items and notes."""
    f = oracle.figures
    joined = oracle.joined.set_index(c.ROW_KEY).reindex(f[c.ROW_KEY])
    candidates = f[
        (joined[c.LINE_ITEM_COUNT].to_numpy() > 0)
        & (joined[c.NOTE_COUNT].to_numpy() > 0)
        & (f[c.MATCH] == c.MATCH_LINKED)
        & f[c.FINANCIAL_OWNER]
        & (f[c.VENDOR_COST_AMOUNT] > 0)
        & (f[c.OTHER_COST_AMOUNT] > 0)
        & (f[c.INVOICED_AMOUNT] > 0)
    ]
    return candidates.sort_values(c.CONTRACT_VALUE_AMOUNT, ascending=False).iloc[0]


# -- every page ---------------------------------------------------------------------------------------------


def test_every_page_renders_with_freshness_refresh_and_no_error(app: AppTest) -> None:
    for name in MY_PAGES:
        at = open_page(app, name)
        assert not at.error, (name, [e.value for e in at.error])
        read = [cap.value for cap in at.caption if cap.value.startswith("Data read: ")]
        assert len(read) == 1, name
        for part in ("HubSpot sandbox", "Odoo sandbox", " s ago"):
            assert part in read[0], read[0]
        assert "(stale)" not in read[0]
        assert at.button(key="refresh").label == "Refresh"


def test_sales_sees_neither_margin_nor_settings(app: AppTest) -> None:
    app.session_state["demo_role"] = "sales"
    app.run()
    for hidden in ("margin", "settings"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            app.switch_page(f"../pages/{hidden}.py")
    open_page(app, "delivery")
    assert tiles(app)["Won deals"]


def test_the_demos_view_as_is_kept_in_the_address(app: AppTest) -> None:
    app.query_params["as"] = "sales"  # a reload of a page opened as sales
    app.run()
    assert app.session_state["demo_role"] == "sales"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app.switch_page("../pages/margin.py")
    app.selectbox(key="demo_role").select("owner").run()
    assert app.query_params["as"] == "owner"


# -- overview -----------------------------------------------------------------------------------------------


def test_overview_tiles_and_tables_equal_the_analytics_core(app: AppTest, oracle: Analysis) -> None:
    at = open_page(app, "overview")
    assert oracle.portfolio is not None
    total, ccy = oracle.portfolio.total.iloc[0], oracle.portfolio.reporting_currency
    rates = oracle.portfolio.rates
    cash = cash_position(oracle.figures, oracle.receivables, oracle.as_of, ccy, rates)
    ranked = v.attention_rows(oracle.figures, ccy, rates)
    assert tiles(at) == {
        "Contract value": money(total[c.CONTRACT_VALUE_AMOUNT], ccy),
        "Forecast margin %": pct(total[c.FORECAST_MARGIN_PCT]),
        "Estimated margin at close": pct(total[c.EST_MARGIN_PCT]),
        "Outstanding": money(total[c.OUTSTANDING_AMOUNT], ccy),
        "At risk": money(ranked[c.AT_RISK_REPORTING_AMOUNT].iloc[0], ccy),  # the first needs-attention row
        "Overdue": money(cash.overdue, ccy),
        "Over 90 days": money(cash.over_90, ccy),
        "DSO": "—" if cash.dso_days is None else f"{round(cash.dso_days):,} days",
        "Invoiced": money(total[c.INVOICED_AMOUNT], ccy),
        "Cost to date": money(total[c.ACTUAL_COST_AMOUNT], ccy),
        "Realized margin": money(total[c.REALIZED_MARGIN_AMOUNT], ccy),
        "Realized margin %": pct(total[c.REALIZED_MARGIN_PCT]),
    }
    assert tiles(at)["Contract value"].startswith("$")  # the demo reports in USD, thousands separated
    links = [link for link in at.get("page_link") if "project" in link.proto.query_string]
    first = ranked.iloc[0]
    assert links[0].proto.label == first[c.PROJECT_LABEL]  # the most money at risk first
    assert links[0].proto.query_string == f"project={v.project_param(first)}"
    everything = table(at, v.REASON)
    assert list(everything[c.PROJECT_LABEL]) == list(ranked[c.PROJECT_LABEL])
    assert everything[c.PROJECT_LINK].iloc[0] == v.project_href(v.project_param(first))
    invoices = table(at, c.DAYS_PAST_DUE)
    assert invoices[c.REPORTING_AMOUNT].sum() == pytest.approx(cash.overdue, abs=0.01)


# -- margin -------------------------------------------------------------------------------------------------


def test_margin_without_filters_shows_every_project_and_the_portfolio(app: AppTest, oracle: Analysis) -> None:
    at = open_page(app, "margin")
    assert oracle.portfolio is not None
    total, ccy = oracle.portfolio.total.iloc[0], oracle.portfolio.reporting_currency
    shown = tiles(at)
    assert f"Projects ({count(len(oracle.figures))})" in [h.value for h in at.subheader]
    # the same whole-unit style as the overview (format.py), never "$20.82M" beside "$20,819,430"
    assert shown["Contract value"] == money(total[c.CONTRACT_VALUE_AMOUNT], ccy)
    assert shown["Forecast margin %"] == pct(total[c.FORECAST_MARGIN_PCT])
    assert shown["Cost to date"] == money(total[c.ACTUAL_COST_AMOUNT], ccy)
    rows = table(at, c.EROSION_PP)
    assert len(rows) == len(oracle.figures)
    # the grid opens on 9 deciding columns (the link first); the picker offers the other figures
    assert len(at.multiselect(key="margin_table_columns").options) == len(c.MARGIN_TABLE) + 1 - 9
    assert rows[c.EROSION_PP].iloc[0] == oracle.figures[c.EROSION_PP].max()  # most eroded first
    # The rows reconcile to the portfolio, per currency, to the cent.
    by_currency = rows.groupby(c.CURRENCY)[c.CONTRACT_VALUE_AMOUNT].sum().round(2)
    assert by_currency.to_dict() == oracle.portfolio.by_currency[c.CONTRACT_VALUE_AMOUNT].to_dict()
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    points = sum(len(trace["hovertext"]) for trace in chart["data"])  # one per project
    assert points == oracle.figures[[c.EST_MARGIN_PCT, c.FORECAST_MARGIN_PCT]].notna().all(axis=1).sum()
    assert [b.label for b in at.get("download_button")] == ["CSV", "Excel"]


def test_margin_filters_change_the_rows(app: AppTest, oracle: Analysis) -> None:
    f = oracle.figures
    owner = f[c.OWNER_NAME].value_counts().index[0]
    at = open_page(app, "margin")
    at.multiselect(key="margin_owner").set_value([owner]).run()
    rows = table(at, c.EROSION_PP)
    assert len(rows) == (f[c.OWNER_NAME] == owner).sum()
    assert set(rows[c.OWNER_NAME]) == {owner}
    assert f"Projects ({count(len(rows))})" in [h.value for h in at.subheader]

    at.multiselect(key="margin_flags").set_value([c.EROSION_FLAG]).run()
    rows = table(at, c.EROSION_PP)
    assert len(rows) == ((f[c.OWNER_NAME] == owner) & f[c.EROSION_FLAG]).sum()
    assert rows[c.EROSION_FLAG].all()

    at.multiselect(key="margin_owner").set_value([]).run()
    at.multiselect(key="margin_flags").set_value([]).run()
    at.multiselect(key="margin_status").set_value(["open"]).run()
    rows = table(at, c.EROSION_PP)
    open_keys = set(oracle.joined.loc[oracle.joined[c.ERP_STATUS] == "open", c.ROW_KEY])
    assert len(rows) == f[c.ROW_KEY].isin(open_keys).sum()

    at.multiselect(key="margin_status").set_value([]).run()
    start, end = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-06-30")
    at.date_input(key="margin_closed").set_value((start.date(), end.date())).run()
    closed = oracle.joined.set_index(c.ROW_KEY)[c.CLOSE_DATE].reindex(f[c.ROW_KEY])
    rows = table(at, c.EROSION_PP)
    assert len(rows) == ((closed >= start) & (closed <= end)).sum()
    assert rows[c.CLOSE_DATE].between(start, end).all()


def test_margin_currency_filter_converts_the_totals(app: AppTest, oracle: Analysis) -> None:
    assert oracle.portfolio is not None
    eur = oracle.portfolio.by_currency.loc["EUR"]
    rate = oracle.portfolio.rates["EUR"]
    at = open_page(app, "margin")
    at.multiselect(key="margin_currency").set_value(["EUR"]).run()
    assert f"Projects ({count(eur[c.PROJECT_COUNT])})" in [h.value for h in at.subheader]
    assert tiles(at)["Contract value"] == money(eur[c.CONTRACT_VALUE_AMOUNT] * rate, "USD")
    assert set(table(at, c.EROSION_PP)[c.CURRENCY]) == {"EUR"}


def test_margin_filters_that_match_nothing_say_so(app: AppTest) -> None:
    at = open_page(app, "margin")
    at.multiselect(key="margin_currency").set_value(["GBP"]).run()
    at.multiselect(key="margin_status").set_value(["(none)"]).run()
    assert any("No project matches these filters" in t for t in texts(at))
    assert not at.exception


# -- project ------------------------------------------------------------------------------------------------


def test_project_deep_link_opens_the_project_with_its_figures(app: AppTest, oracle: Analysis) -> None:
    row = linked_project(oracle)
    deal = oracle.joined.set_index(c.ROW_KEY).loc[row[c.ROW_KEY]]
    ccy = row[c.CURRENCY]
    at = open_page(app, "project", project=row[c.ERP_PROJECT_ID])
    assert at.selectbox(key="project_pick").value == row[c.ROW_KEY]
    header = [(m.label, m.value) for m in at.metric][:5]
    assert header == [
        ("Contract value", money(row[c.CONTRACT_VALUE_AMOUNT], ccy)),
        ("Invoiced", money(row[c.INVOICED_AMOUNT], ccy)),
        ("Outstanding", money(row[c.OUTSTANDING_AMOUNT], ccy)),
        ("Cost to date", money(row[c.ACTUAL_COST_AMOUNT], ccy)),
        ("Forecast margin", pct(row[c.FORECAST_MARGIN_PCT])),
    ]
    assert len(table(at, c.ITEM_NAME)) == deal[c.LINE_ITEM_COUNT]
    assert any(f"**Scope:** {deal[c.SCOPE_SUMMARY]}" == plain(m.value) for m in at.markdown)
    # Each profitability line opens the ERP lines behind it, and they add up to the figure.
    expanders = {e.label.split(":")[0]: e for e in at.expander}
    for label, figure in (
        ("Invoiced", c.INVOICED_AMOUNT),
        ("Labor (timesheets)", c.LABOR_COST_AMOUNT),
        ("Vendor bills", c.VENDOR_COST_AMOUNT),
        ("Other costs", c.OTHER_COST_AMOUNT),
    ):
        docs = table(at, c.LINE_AMOUNT, expanders[label])
        assert round(docs[c.LINE_AMOUNT].sum(), 2) == pytest.approx(row[figure], abs=0.005), label
        assert money(row[figure], ccy) in expanders[label].label
    activity = table(at, c.ACTIVITY_TEXT)
    assert (activity[c.ACTIVITY_KIND] == "Note").sum() == deal[c.NOTE_COUNT]
    pinned = (activity[c.ACTIVITY_KIND] == "Incident") & (activity[c.ACTIVITY_STATE] == "Open")
    assert list(pinned) == sorted(pinned, reverse=True)  # open incidents pinned on top
    assert activity.loc[~pinned, c.ACTIVITY_AT].dropna().is_monotonic_decreasing  # the newest first


def test_project_details_are_read_once_then_reused_until_refresh(
    app: AppTest, app_env: RunningSandbox, oracle: Analysis
) -> None:
    row = linked_project(oracle)
    at = open_page(app, "project", project=row[c.ERP_PROJECT_ID])
    app_env.reset_stats()
    at.run()
    assert sum(app_env.stats("crm").values()) == 0  # line items and notes came from the cache
    assert sum(app_env.stats("erp").values()) == 0  # and so did the ERP documents
    at.button(key="refresh").click().run()
    assert app_env.stats("crm").get("batch") == 2  # refresh reads the line items and notes again
    with_documents = app_env.stats("erp")["jsonrpc"]
    at = open_page(at, "margin")
    app_env.reset_stats()
    at.button(key="refresh").click().run()
    assert "batch" not in app_env.stats("crm")  # the margin page asks for no deal's details
    assert app_env.stats("erp")["jsonrpc"] < with_documents  # nor for any project's documents


def test_project_link_takes_a_deal_id_or_an_id_as_typed(app: AppTest, oracle: Analysis) -> None:
    row = linked_project(oracle)
    at = open_page(app, "project", project=str(row[c.CRM_DEAL_ID]))
    assert at.selectbox(key="project_pick").value == row[c.ROW_KEY]
    assert at.query_params["project"] == row[c.ERP_PROJECT_ID]  # the link now names the project ID

    number = int(str(row[c.ERP_PROJECT_ID]).split("-")[1])
    at = open_page(AppTest.from_file(str(APP), default_timeout=60), "project", project=f"prj {number}")
    assert at.selectbox(key="project_pick").value == row[c.ROW_KEY]


def test_unknown_project_link_says_so_and_choosing_one_updates_the_link(
    app: AppTest, oracle: Analysis
) -> None:
    at = open_page(app, "project", project="PRJ-99999")
    assert any("No project matches “PRJ-99999”" in t for t in texts(at))
    assert at.selectbox(key="project_pick").value is None
    assert not at.metric
    row = linked_project(oracle)
    at.selectbox(key="project_pick").select(row[c.ROW_KEY]).run()
    assert at.query_params["project"] == row[c.ERP_PROJECT_ID]
    assert tiles(at)["Contract value"] == money(row[c.CONTRACT_VALUE_AMOUNT], row[c.CURRENCY])


def test_project_without_erp_or_without_deal_says_what_is_missing(app: AppTest, oracle: Analysis) -> None:
    f = oracle.figures
    deal_only = f[f[c.MATCH] == c.MATCH_DEAL_ONLY].iloc[0]
    at = open_page(app, "project", project=str(deal_only[c.CRM_DEAL_ID]))
    assert any("No ERP project carries this deal's project ID" in t for t in texts(at))
    assert tiles(at)["Contract value"] == money(deal_only[c.CONTRACT_VALUE_AMOUNT], deal_only[c.CURRENCY])
    assert tiles(at)["Cost to date"] == "—"

    erp_only = f[f[c.MATCH] == c.MATCH_ERP_ONLY].iloc[0]
    at.selectbox(key="project_pick").select(erp_only[c.ROW_KEY]).run()
    assert any("No won HubSpot deal carries this ERP project's ID" in t for t in texts(at))
    assert tiles(at)["Cost to date"] == money(erp_only[c.ACTUAL_COST_AMOUNT], erp_only[c.CURRENCY])
    assert any("no scope, pricing or contact" in cap.value for cap in at.caption)


# -- delivery -----------------------------------------------------------------------------------------------


def test_delivery_shows_every_won_deal_and_filters_by_owner(app: AppTest, oracle: Analysis) -> None:
    d = oracle.delivery
    at = open_page(app, "delivery")
    assert at.selectbox(key="delivery_owner").value == "All owners"
    assert tiles(at) == {
        "Won deals": count(len(d)),
        "Open in the ERP": count((d[c.ERP_STATUS] == "open").sum()),
        "Open incidents": count(d[c.OPEN_INCIDENTS].sum()),
        "Open change requests": count(d[c.OPEN_CHANGE_REQUESTS].sum()),
    }
    rows = table(at, c.OPEN_INCIDENTS)
    assert len(rows) == len(d)
    assert rows[c.OPEN_INCIDENTS].iloc[0] == d[c.OPEN_INCIDENTS].max()  # incidents at the top

    owner = d[c.OWNER_NAME].value_counts().index[-1]
    at.selectbox(key="delivery_owner").select(owner).run()
    rows = table(at, c.OPEN_INCIDENTS)
    assert len(rows) == (d[c.OWNER_NAME] == owner).sum()
    assert set(rows[c.OWNER_NAME]) == {owner}

    at.selectbox(key="delivery_owner").select("All owners").run()
    at.toggle(key="delivery_incidents").set_value(True).run()
    rows = table(at, c.OPEN_INCIDENTS)
    with_incidents = (d[c.OPEN_INCIDENTS] > 0).sum()
    assert len(rows) == with_incidents
    assert (rows[c.OPEN_INCIDENTS] > 0).all()
    assert any(f"{with_incidents} deals with open incidents" in t for t in texts(at))

    customer = d[c.CUSTOMER_NAME].dropna().value_counts().index[0]  # the customer with the most deals
    at.toggle(key="delivery_incidents").set_value(False).run()
    at.multiselect(key="delivery_customer").set_value([customer]).run()
    rows = table(at, c.OPEN_INCIDENTS)
    assert len(rows) == (d[c.CUSTOMER_NAME] == customer).sum()
    assert set(rows[c.CUSTOMER_NAME]) == {customer}
    assert rows[c.PROJECT_LINK].str.startswith("project?project=").all()


# -- settings -----------------------------------------------------------------------------------------------


def test_settings_show_the_systems_and_mask_every_secret(
    app: AppTest, app_env: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THROUGHLINE_ODOO__API_KEY", "odoo-secret-4711")
    monkeypatch.setenv("THROUGHLINE_TRYTON__PASSWORD", "tryton-secret-0815")
    at = open_page(app, "settings")
    systems = table(at, c.ADDRESS)
    assert systems[c.ADDRESS].tolist()[:2] == [app_env.crm_url, app_env.erp_url]
    everything = table(at, c.SETTING_SECTION).set_index([c.SETTING_SECTION, c.SETTING_NAME])
    assert everything.loc[("odoo", "api_key"), c.SETTING_VALUE] == v.MASK
    assert everything.loc[("thresholds", "erosion_alert_pp"), c.SETTING_VALUE] == "5.0"
    shown = " ".join(
        [m.value for m in at.markdown]
        + [cap.value for cap in at.caption]
        + [d.value.to_csv() for d in at.dataframe]
        + texts(at)
    )
    for secret in ("odoo-secret-4711", "tryton-secret-0815", "sandbox-token", "sandbox-key"):
        assert secret not in shown
    named = [d.value.set_index(c.SETTING_NAME) for d in at.dataframe if c.SETTING_NAME in d.value]
    properties = named[0]  # the first settings table: the portal's property names
    names = properties[c.SETTING_VALUE].to_dict()
    assert {k: names[k] for k in list(names)[:4]} == {
        "project_id_property": "erp_project_id",
        "estimated_margin_property": "estimated_margin_at_close",
        "scope_property": "scope_summary",
        "proposal_version_property": "signed_proposal_version",
    }
    assert (names["project_object_type"], names["record_status_property"]) == ("p_projects", "project_status")
    assert names["primary_contact_label"] == "Primary contact"
    assert len(names) == 21  # every property, object and label name a portal may call its own

    at.button(key="portal_check").click().run()  # the portal check, as `python -m dashboard doctor`
    assert not at.exception
    checked = next(
        d.value.set_index(c.SETTING_NAME)[c.SETTING_VALUE]
        for d in at.dataframe
        if c.SETTING_NAME in d.value and "token scopes" in set(d.value[c.SETTING_NAME])
    )
    assert checked["deals.erp_project_id (project ID)"] == "OK: string"
    assert checked["token scopes"] == "OK: 10 needed, all granted"
    assert [s.value for s in at.success] == ["25 of 25 checks hold."]


# -- freshness and degraded mode ----------------------------------------------------------------------------


def test_erp_failing_after_a_good_read_keeps_its_last_good_data(
    app: AppTest, app_env: RunningSandbox, oracle: Analysis
) -> None:
    at = open_page(app, "overview")
    before = tiles(at)
    app_env.faults("erp", fail_next=1000)
    at.button(key="refresh").click().run()
    (banner,) = [w.value for w in at.warning if "could not be read just now" in w.value]
    assert banner.startswith("**Odoo sandbox could not be read just now**")
    assert "last good data" in banner
    assert not at.error
    assert tiles(at) == before  # fresh HubSpot data, the stale Odoo copy: the same figures
    assert any("(stale)" in cap.value and "Odoo sandbox" in cap.value for cap in at.caption)
    # The project page still shows the project; its on-demand ERP documents say they failed.
    row = linked_project(oracle)
    at = open_page(at, "project", project=row[c.ERP_PROJECT_ID])
    assert tiles(at)["Invoiced"] == money(row[c.INVOICED_AMOUNT], row[c.CURRENCY])
    assert any("The ERP documents could not be read" in t for t in texts(at))


def test_crm_failing_after_a_good_read_keeps_its_last_good_data(
    app: AppTest, app_env: RunningSandbox
) -> None:
    at = open_page(app, "margin")
    before = tiles(at)
    app_env.faults("crm", fail_next=1000)
    at.button(key="refresh").click().run()
    (banner,) = [w.value for w in at.warning if "could not be read just now" in w.value]
    assert banner.startswith("**HubSpot sandbox could not be read just now**")
    assert "last good data" in banner
    assert tiles(at) == before


def test_erp_failing_from_the_first_read_shows_the_crm_data(app: AppTest, app_env: RunningSandbox) -> None:
    expected = oracle_of(read_snapshot(app_env, erp=False))
    app_env.faults("erp", fail_next=1000)
    at = open_page(app, "overview")
    (banner,) = [e.value for e in at.error]
    assert banner.startswith("**Odoo sandbox could not be read**")
    assert expected.portfolio is not None
    total = expected.portfolio.total.iloc[0]
    assert tiles(at)["Contract value"] == money(total[c.CONTRACT_VALUE_AMOUNT], "USD")
    assert tiles(at)["Contract value"] != "$0"
    assert tiles(at)["Invoiced"] == "$0"  # nothing known about invoices without the ERP


def test_crm_failing_from_the_first_read_shows_the_erp_data(app: AppTest, app_env: RunningSandbox) -> None:
    expected = oracle_of(read_snapshot(app_env, crm=False))
    app_env.faults("crm", fail_next=1000)
    at = open_page(app, "overview")
    (banner,) = [e.value for e in at.error]
    assert banner.startswith("**HubSpot sandbox could not be read**")
    assert expected.portfolio is not None
    total = expected.portfolio.total.iloc[0]
    assert tiles(at)["Invoiced"] == money(total[c.INVOICED_AMOUNT], "USD")
    assert tiles(at)["Cost to date"] == money(total[c.ACTUAL_COST_AMOUNT], "USD")
    assert tiles(at)["Invoiced"] != "$0"


def test_both_sources_failing_leave_every_page_readable(app: AppTest, app_env: RunningSandbox) -> None:
    app_env.faults("crm", fail_next=1000)
    app_env.faults("erp", fail_next=1000)
    for name in MY_PAGES:
        at = open_page(app, name)  # asserts no exception
        banners = [e.value for e in at.error]
        assert [b.split("**")[1] for b in banners] == [
            "HubSpot sandbox could not be read",
            "Odoo sandbox could not be read",
        ], name


def test_overview_keeps_todays_figures_and_shows_the_month_over_month_trend(
    app: AppTest, oracle: Analysis, tmp_path: Any
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")  # the store app_env points the app at
    store.migrate()
    month_back = oracle.as_of - timedelta(days=30)
    store.record_day(
        PortfolioDay(
            day=month_back, reporting_currency="USD", contract_value_amount=1.0, forecast_margin_pct=0.30,
            outstanding_amount=1_000_000.0, overdue_amount=500_000.0,
        )
    )  # fmt: skip
    at = open_page(app, "overview")
    assert oracle.portfolio is not None
    cash = cash_position(oracle.figures, oracle.receivables, oracle.as_of, "USD", oracle.portfolio.rates)
    margin = pp((oracle.portfolio.total.iloc[0][c.FORECAST_MARGIN_PCT] - 0.30) * 100)
    outstanding, overdue = cash.outstanding - 1_000_000, cash.overdue - 500_000
    expected = (
        f"**Since {day(month_back)}:** forecast margin {margin}, outstanding "
        f"{'+' if outstanding >= 0 else ''}{money(outstanding, 'USD')}, overdue "
        f"{'+' if overdue >= 0 else ''}{money(overdue, 'USD')}."
    )
    assert expected in [m.value for m in at.markdown]
    [today] = [d for d in store.portfolio_days("USD", since=oracle.as_of) if d.day == oracle.as_of]
    assert (today.outstanding_amount, today.overdue_amount) == (cash.outstanding, cash.overdue)
    store.close()
