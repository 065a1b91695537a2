"""Browser fixtures: the dashboard started as `make run` starts it, and Debian's Chromium under Playwright.

The dashboard runs `streamlit run dashboard/app.py` from the repository root; in sandbox mode the app itself
starts `python -m sandbox serve` (dashboard/wiring.py), here on free ports with its data in a temp folder.
Playwright never downloads a browser: it drives /usr/bin/chromium (`make browser-deps` installs it).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from sandbox.server import free_port
from tests.sandbox_fixture import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage",
]  # fmt: skip
APP_IDLE = (
    '[data-testid="stApp"][data-test-connection-state="CONNECTED"][data-test-script-state="notRunning"]'
)
SCREENSHOTS = ROOT / "build" / "screenshots"
"""Where the browser test leaves one PNG per page (the README points here)."""


@contextmanager
def running_dashboard(folder: Path, **env: str) -> Iterator[str]:
    """`streamlit run dashboard/app.py` on a free port with a sandbox on free ports; yields its URL."""
    port = free_port()
    settings = {
        "THROUGHLINE_SANDBOX__CRM_PORT": str(free_port()),
        "THROUGHLINE_SANDBOX__ERP_PORT": str(free_port()),
        "THROUGHLINE_SANDBOX__DB_PATH": str(folder / "sandbox.sqlite"),
        "THROUGHLINE_STORE__DATABASE_URL": f"sqlite:///{folder / 'store.sqlite'}",
        **env,
    }
    with streamlit_server(folder, port, settings) as (url, _process):
        yield url


@contextmanager
def streamlit_server(
    folder: Path, port: int, env: Mapping[str, str]
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`streamlit run dashboard/app.py` as `make run` starts it, with `env` added; its URL and process.

    The log goes to `folder/streamlit.log`; the server (and any sandbox it started) is stopped afterwards.
    """
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(folder / "streamlit.log", "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, folder / "streamlit.log")
        yield url, process
    finally:
        _stop(process)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer within {timeout:.0f} s; see {log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop streamlit's process group, then any child it started in a session of its own (the sandbox)."""
    try:
        children = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        children = []
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # The app stops the sandbox it started when it exits; this only catches one it could not stop.
    for child in children:
        if child.is_running():
            child.terminate()
    psutil.wait_procs(children, timeout=10)


@pytest.fixture(scope="session")
def demo_dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard in demo mode (sandbox, no sign-in), as `make run` serves it."""
    with running_dashboard(tmp_path_factory.mktemp("dashboard"), THROUGHLINE_ACCESS__MODE="none") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module: Playwright's sync API allows one running instance, so each module
    closes its own before the next module starts one."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies, no session) with a tall viewport: Streamlit scrolls inside."""
    context = browser.new_context(viewport={"width": 1440, "height": 2200})
    yield context.new_page()
    context.close()


def wait_idle(page: Page, timeout_ms: float = 180_000) -> None:
    """Until the page's script run has finished and every Plotly chart has drawn."""
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)
    for chart in page.get_by_test_id("stPlotlyChart").all():
        chart.locator(".main-svg").first.wait_for(timeout=30_000)
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)
