"""Sign-in in a real browser against a real `streamlit run`: OIDC, local accounts with lockout, deep links.

Each test starts its own dashboard server on a free 127.0.0.1 port (reading the shared demo sandbox) and
drives Debian's Chromium through Playwright; the OIDC test also starts a small OIDC provider (fake_idp.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from sandbox.server import free_port
from tests.browser.conftest import streamlit_server as shared_server
from tests.browser.fake_idp import running_idp
from tests.sandbox_fixture import RunningSandbox

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
APP_IDLE = (
    '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
)
PAGES = ("overview", "margin", "project", "handover", "audit", "delivery", "history", "settings")
PASSWORD = "correct horse battery staple"


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log.read_text(errors="replace")


def app_env(sandbox: RunningSandbox, store_url: str, **settings: str) -> dict[str, str]:
    """The environment of a dashboard on `sandbox`, free of any THROUGHLINE_ setting from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHLINE_")}
    env.update(
        THROUGHLINE_SANDBOX__CRM_PORT=sandbox.crm_url.rsplit(":", 1)[1],
        THROUGHLINE_SANDBOX__ERP_PORT=sandbox.erp_url.rsplit(":", 1)[1],
        THROUGHLINE_STORE__DATABASE_URL=store_url,
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env


@contextmanager
def streamlit_server(
    env: Mapping[str, str], log: Path, *args: str, port: int | None = None
) -> Iterator[AppServer]:
    """The dashboard's launcher on a free port until the block ends (the shared browser fixture's)."""
    with shared_server(log.parent, port or free_port(), env, *args, log_name=log.name) as (url, process):
        yield AppServer(url, process, log)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def add_account(store_url: str, email: str, role: str, password: str) -> str:
    """Create a local account with the project's CLI, as an admin would; returns what it printed."""
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.users", "add", email, "--role", role, "--password-stdin"],
        input=password + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "THROUGHLINE_STORE__DATABASE_URL": store_url},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def idle(page: Page) -> None:
    page.wait_for_selector(APP_IDLE, timeout=30_000)


def sign_in_locally(page: Page, email: str, password: str) -> None:
    """Fill and submit the form, then wait until the app answered (it empties the password field)."""
    page.get_by_role("textbox", name="E-mail").fill(email)
    field = page.get_by_role("textbox", name="Password")
    field.fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(field).to_have_value("", timeout=30_000)
    idle(page)


# ------------------------------------------------------------------------------------------------------------


def test_oidc_sign_in_and_sign_out_through_a_provider(
    browser: Browser, demo: RunningSandbox, tmp_path: Path
) -> None:
    client_secret, cookie_secret = "client-SECRET-5f1d0c3a9e", "cookie-SECRET-2b7e44a1c8"
    alice = {"email": "alice@example.com", "name": "Alice Admin", "email_verified": True}
    port = free_port()
    with running_idp("throughline-test", client_secret, alice) as idp:
        secrets_file = tmp_path / "secrets.toml"
        secrets_file.write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{cookie_secret}"\n'
            'client_id = "throughline-test"\n'
            f'client_secret = "{client_secret}"\n'
            f'server_metadata_url = "{idp.metadata_url}"\n'
        )
        env = app_env(
            demo,
            f"sqlite:///{tmp_path / 'store.sqlite'}",
            THROUGHLINE_ACCESS__MODE="oidc",
            THROUGHLINE_ACCESS__ROLES='{"alice@example.com": "admin"}',
        )
        args = ("--secrets.files", str(secrets_file))
        with streamlit_server(env, tmp_path / "app.log", *args, port=port) as app:
            context = browser.new_context()
            page = context.new_page()
            page.goto(app.url)
            idle(page)
            expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
            page.get_by_role("button", name="Sign in with your company account").click()

            # authorize -> /oauth2callback -> the app, signed in, on the first page of the admin's list
            page.wait_for_url(f"{app.url}/", timeout=30_000)
            idle(page)
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar).to_contain_text("Signed in as Alice Admin (admin)", timeout=30_000)
            nav = page.get_by_test_id("stSidebarNav")
            for title in ("Overview", "Margin", "ID audit", "Corrections log", "Settings"):
                expect(nav).to_contain_text(title)
            expect(page.get_by_role("heading", name="Overview")).to_be_visible(timeout=30_000)
            assert {"authorize", "token", "jwks"} <= set(idp.calls)
            assert "_streamlit_user" in {c["name"] for c in context.cookies()}

            sidebar.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("button", name="Sign in with your company account")).to_be_visible(
                timeout=30_000
            )
            assert "end_session" in idp.calls
            assert "_streamlit_user" not in {c["name"] for c in context.cookies()}
            expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
            text = page.inner_text("body")
            context.close()
        output = app.output()
    for secret in (client_secret, cookie_secret):
        assert secret not in text
        assert secret not in output


def test_local_sign_in_wrong_then_right_password_and_lockout(
    browser: Browser, demo: RunningSandbox, tmp_path: Path
) -> None:
    store_url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert add_account(store_url, "Olga@Example.com", "ops", PASSWORD) == "added olga@example.com (ops)"
    env = app_env(demo, store_url, THROUGHLINE_ACCESS__MODE="local")
    with streamlit_server(env, tmp_path / "app.log") as app:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{app.url}/history")  # a bookmark: after sign-in it must open that page
        idle(page)

        sign_in_locally(page, "olga@example.com", "not my password at all")
        expect(page.get_by_test_id("stAlert")).to_contain_text("Not signed in: wrong e-mail or password")
        expect(page.get_by_role("textbox", name="E-mail")).to_have_value("olga@example.com")
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)

        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Signed in as olga@example.com (ops)")
        expect(page.get_by_role("heading", name="Corrections log")).to_be_visible(timeout=30_000)
        assert page.url == f"{app.url}/history"
        expect(page.get_by_test_id("stSidebarNav")).to_contain_text("Corrections log")
        expect(page.get_by_test_id("stSidebarNav")).not_to_contain_text("Settings")

        page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
        idle(page)
        expect(page.get_by_role("textbox", name="Password")).to_be_visible()

        for attempt in range(1, 6):
            sign_in_locally(page, "olga@example.com", f"wrong guess number {attempt}")
        expect(page.get_by_test_id("stAlert")).to_contain_text("wrong e-mail or password")
        # locked now: the right password is refused with the same words, which do not tell the lock apart
        sign_in_locally(page, "olga@example.com", PASSWORD)
        expect(page.get_by_test_id("stAlert")).to_contain_text(
            "wrong e-mail or password (after repeated failures an account is locked for a while"
        )
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        expect(page.get_by_test_id("stMetric")).to_have_count(0)
        assert PASSWORD not in page.inner_text("body")
        context.close()
    assert PASSWORD not in app.output()


def test_a_deep_link_to_any_page_before_sign_in_shows_only_the_sign_in_page(
    browser: Browser, demo: RunningSandbox, tmp_path: Path
) -> None:
    env = app_env(demo, f"sqlite:///{tmp_path / 'store.sqlite'}", THROUGHLINE_ACCESS__MODE="local")
    with streamlit_server(env, tmp_path / "app.log") as app:  # fresh: no session has loaded "/" yet
        context = browser.new_context()
        pages = {}
        for name in PAGES:  # every link opened at once: a new session each, as from a bookmark
            pages[name] = context.new_page()
            pages[name].goto(f"{app.url}/{name}", wait_until="commit")
        for name, page in pages.items():
            idle(page)
            expect(page.get_by_role("textbox", name="Password"), f"/{name}").to_be_visible()
            expect(page.get_by_role("heading", name="Throughline")).to_be_visible()
            for element in ("stMetric", "stDataFrame", "stPlotlyChart", "stSidebarNav"):
                expect(page.get_by_test_id(element), f"{element} on /{name}").to_have_count(0)
            expect(page.get_by_text("Page not found")).to_have_count(0)
        context.close()
