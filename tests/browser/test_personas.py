"""Each persona's task on `make run`'s demo, in headless Chromium, asserting the outcome a person sees.

- Owner: the first "Needs attention" row is the project with the most money at risk (checked against the
  full list's own CSV), and its link opens that project's page.
- Owner: the cash card's overdue equals the overdue invoices (their CSV) converted at the rates the page
  states.
- Sales: the customer filter on Delivery status leaves only that customer's deals.
- Everyone: no page's visible text holds "None", "nan" or a status code; axe-core (tests/browser/axe, from
  npm) finds no serious or critical violation on any page at 1440×900 and 390×844; a screenshot of each
  page at both sizes lands in build/screenshots/<page>-<width>x<height>.png.

One dashboard for the whole session (`demo_dashboard`); one browser per module.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from dashboard.roles import ROLE_PAGES
from tests.browser.conftest import SCREENSHOTS, wait_idle

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"desktop": (1440, 900), "phone": (390, 844)}
STATUS_CODES = re.compile(
    r"\b(in_progress|on_track|at_risk|off_track|not_started|on_hold|deal_only|erp_only|change_request|"
    r"cost_to_cost|n/a)\b"
)
RAW_EMPTY = re.compile(r"(?<![\w-])(None|nan|NaN|NaT)(?![\w-])")


@pytest.fixture
def desktop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    yield context.new_page()
    context.close()


def settle(page: Page) -> None:
    """Until the run has finished and no element is still a loading placeholder (a skeleton)."""
    wait_idle(page)
    page.wait_for_function("() => !document.querySelector('[data-testid^=\"stSkeleton\"]')", timeout=60_000)


def main(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def money_value(text: str) -> float:
    """`$1,234,567` or `-€1,234.50` as a number."""
    return float(re.sub(r"[^\d.\-]", "", text))


def download_csv(page: Page, button: Locator) -> list[dict[str, str]]:
    """The rows of the CSV a download button gives. The app's run must be over first: a button clicked while
    a run replaces it serves a file the new run has already dropped, and no download comes (seen once in CI
    under load)."""
    settle(page)
    expect(button).to_be_enabled()
    with page.expect_download(timeout=60_000) as info:
        button.click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def open_expander(page: Page, label: str) -> Locator:
    expander = main(page).get_by_test_id("stExpander").filter(has_text=label).first
    expander.locator("summary").click()
    return expander


def test_the_first_needs_attention_row_has_the_most_money_at_risk_and_opens_its_project(
    desktop: Page, demo_dashboard: str
) -> None:
    page = desktop
    page.goto(f"{demo_dashboard}/overview")
    settle(page)
    expect(page).to_have_title("Overview · Throughline")
    expect(main(page).get_by_role("heading", name="Needs attention")).to_be_visible()
    everything = open_expander(page, "with money at risk")
    rows = download_csv(page, everything.get_by_role("button", name="Download CSV"))
    count = int(re.search(r"All ([\d,]+) project", everything.locator("summary").inner_text()).group(1))
    assert count == len(rows)
    worst = max(rows, key=lambda row: float(row["At risk"]))
    first_link = main(page).get_by_test_id("stPageLink").first
    assert first_link.inner_text().strip().endswith(worst["Project"])
    at_risk = main(page).get_by_test_id("stMetric").filter(has_text="At risk").first
    assert money_value(at_risk.get_by_test_id("stMetricValue").inner_text()) == round(float(worst["At risk"]))

    first_link.locator("a").click()
    settle(page)
    assert re.search(r"/project\?project=", page.url), page.url
    expect(page).to_have_title("Project · Throughline")
    expect(page.get_by_role("combobox", name="Project")).to_have_value(
        re.compile(re.escape(worst["Project"]))
    )
    expect(page.get_by_role("heading", name="Agreed at close")).to_be_visible()


def test_the_cash_cards_overdue_is_the_overdue_invoices_at_the_stated_rates(
    desktop: Page, demo_dashboard: str
) -> None:
    page = desktop
    page.goto(demo_dashboard)
    settle(page)
    caption = main(page).get_by_text(re.compile(r"converted at the configured rates")).first.inner_text()
    rates = {ccy: float(rate) for ccy, rate in re.findall(r"1 ([A-Z]{3}) = ([\d.]+) [A-Z]{3}", caption)}
    reporting = re.search(r"In ([A-Z]{3}), converted", caption).group(1)
    rates[reporting] = 1.0
    invoices = download_csv(
        page, open_expander(page, "overdue invoice").get_by_role("button", name="Download CSV")
    )
    assert invoices, "the demo has overdue invoices"
    expected = sum(float(row["Open"]) * rates[row["Ccy"]] for row in invoices)
    overdue = main(page).get_by_test_id("stMetric").filter(has_text="Overdue").first
    assert money_value(overdue.get_by_test_id("stMetricValue").inner_text()) == pytest.approx(expected, abs=1)


def test_the_customer_filter_leaves_only_that_customers_deals(desktop: Page, demo_dashboard: str) -> None:
    page = desktop
    page.goto(f"{demo_dashboard}/delivery")
    settle(page)
    before = download_csv(page, main(page).get_by_role("button", name="Download CSV"))
    customer = max({row["Customer"] for row in before}, key=[r["Customer"] for r in before].count)
    page.get_by_role("combobox", name="Customer").click()
    page.keyboard.type(customer)
    page.get_by_role("option").filter(has_text=customer).first.click()
    page.keyboard.press("Escape")
    settle(page)
    after = download_csv(page, main(page).get_by_role("button", name="Download CSV"))
    assert {row["Customer"] for row in after} == {customer}
    assert len(after) == sum(row["Customer"] == customer for row in before)


def test_a_click_on_a_margin_point_opens_its_project(desktop: Page, demo_dashboard: str) -> None:
    page = desktop
    page.goto(f"{demo_dashboard}/margin")
    settle(page)
    point = main(page).locator('[data-testid="stPlotlyChart"] .scatterlayer .point').first
    point.click(force=True)
    page.wait_for_url(re.compile(r"/project\?project="), timeout=60_000)
    settle(page)
    expect(page.get_by_role("heading", name="Agreed at close")).to_be_visible()  # a project is open
    assert page.get_by_text("No project matches").count() == 0


def test_on_a_phone_the_sidebar_closes_after_picking_a_page(browser: Browser, demo_dashboard: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(demo_dashboard)
        settle(page)
        sidebar = page.get_by_test_id("stSidebar")
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(sidebar.get_by_role("link").nth(1)).to_be_in_viewport()
        sidebar.get_by_test_id("stSidebarNav").get_by_role("link", name=re.compile("Margin")).click()
        settle(page)
        assert "/margin" in page.url
        expect(sidebar.get_by_role("link").nth(1)).not_to_be_in_viewport()
    finally:
        context.close()


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations on the page, one line each."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_reads_as_words_passes_axe_and_is_screenshotted(
    browser: Browser, demo_dashboard: str, size: str
) -> None:
    width, height = SIZES[size]
    context: BrowserContext = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    try:
        for name in ROLE_PAGES["admin"]:
            page.goto(f"{demo_dashboard}/{name}")
            settle(page)
            text = main(page).inner_text()
            found = [*RAW_EMPTY.findall(text), *STATUS_CODES.findall(text)]
            found += axe_violations(page)
            if found:
                problems[name] = found
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}x{height}.png")
            if name == "delivery":  # a card list on phones, the grid on wider screens
                cards, grid = page.locator(".st-key-cards_delivery"), page.locator(".st-key-wide_delivery")
                expect(cards if size == "phone" else grid).to_be_visible()
                expect(grid if size == "phone" else cards).to_be_hidden()
            if name == "overview" and size == "phone":  # the key tiles two-up, not one per screen row
                first, second = (t.bounding_box() for t in main(page).get_by_test_id("stMetric").all()[:2])
                assert first is not None
                assert second is not None
                assert abs(first["y"] - second["y"]) < 2, (first, second)
    finally:
        context.close()
    (SCREENSHOTS / f"problems-{width}x{height}.json").write_text(json.dumps(problems, indent=1))
    assert not problems, problems
