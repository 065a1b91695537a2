"""Every page of `make run`'s dashboard in headless Chromium, and the sign-in gate on every deep link.

Screenshots of each page land in build/screenshots/<page>.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from dashboard.roles import ROLE_PAGES
from tests.browser.conftest import SCREENSHOTS, running_dashboard, wait_idle

pytestmark = pytest.mark.browser

TITLES = {
    "overview": "Overview",
    "margin": "Margin",
    "project": "Project",
    "delivery": "Delivery status",
    "settings": "Settings",
}
"""Headings of the pages this test knows; the others are checked for errors only."""


def nav_pages(page: Page) -> dict[str, str]:
    """Page name -> URL of every link in the sidebar navigation (the default page is the root URL)."""
    links = page.get_by_test_id("stSidebarNav").locator("a")
    out = {}
    for link in links.all():
        href = str(link.get_attribute("href"))
        name = urlsplit(href).path.strip("/").rsplit("/", 1)[-1] or "overview"
        out[name] = href
    return out


def test_every_page_in_the_navigation_renders_without_an_error(page: Page, demo_dashboard: str) -> None:
    page.goto(demo_dashboard)
    wait_idle(page)  # the first run also starts the sandbox and reads both systems
    pages = nav_pages(page)
    assert set(pages) == set(ROLE_PAGES["admin"])  # demo mode shows the admin's pages: all of them
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in pages.items():
        page.goto(url)
        wait_idle(page)
        if name in TITLES:
            expect(page.get_by_role("heading", name=TITLES[name], exact=True)).to_be_visible()
            expect(page.get_by_text("Data read: HubSpot sandbox")).to_be_visible()
        assert page.get_by_test_id("stException").count() == 0, name
        assert page.get_by_test_id("stAlertContentError").count() == 0, name
        page.screenshot(path=SCREENSHOTS / f"{name}.png")
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 10_000  # a drawn page, not a blank one


def test_the_project_deep_link_opens_that_project(page: Page, demo_dashboard: str) -> None:
    page.goto(f"{demo_dashboard}/project?project=prj-175")
    wait_idle(page)
    expect(page.get_by_role("combobox", name="Project")).to_have_value(re.compile(r"\(PRJ-00175\)$"))
    expect(page.get_by_role("heading", name="Agreed at close")).to_be_visible()
    assert "project=PRJ-00175" in page.url  # the link now names the canonical ID
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "project-PRJ-00175.png")  # the project page with a project open


@pytest.fixture(scope="module")
def signed_out_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh server with local sign-in; nothing has loaded its root page before the first deep link."""
    folder = tmp_path_factory.mktemp("signed_out")
    with running_dashboard(folder, THROUGHLINE_ACCESS__MODE="local") as url:
        yield url


@pytest.mark.parametrize("name", ["settings", *[p for p in ROLE_PAGES["admin"] if p != "settings"]])
def test_a_deep_link_before_sign_in_shows_only_the_sign_in(
    browser: Browser, signed_out_dashboard: str, name: str
) -> None:
    # Settings goes first, so the first request the fresh server ever gets is a deep link.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{signed_out_dashboard}/{name}")
        wait_idle(page, timeout_ms=60_000)
        expect(page.get_by_role("textbox", name="E-mail")).to_be_visible()
        expect(page.get_by_role("textbox", name="Password")).to_be_visible()
        expect(page.get_by_role("button", name="Sign in")).to_be_visible()
        assert page.get_by_test_id("stSidebarNav").count() == 0
        assert page.get_by_text("Data read:").count() == 0
        assert page.get_by_test_id("stMetric").count() == 0
        assert page.get_by_test_id("stDataFrame").count() == 0
        if name in TITLES:
            assert page.get_by_role("heading", name=TITLES[name], exact=True).count() == 0
    finally:
        context.close()
