"""Browser fixtures: the dashboard started as `make run` starts it, and Debian's Chromium under Playwright.

`running_dashboard` runs `python -m sandbox demo` (what `make run` runs: the sandbox servers, then the
dashboard's launcher) on free ports with its data in a temp folder; `streamlit_server` runs the launcher
alone (`python -m dashboard serve`), pointed at systems a test started. Playwright never downloads a
browser: it drives /usr/bin/chromium (`make browser-deps` installs it).
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
    """`python -m sandbox demo` (what `make run` runs) on free ports, data in `folder`; yields its URL."""
    port = free_port()
    command = [
        sys.executable, "-m", "sandbox", "demo", "--port", str(port), "--crm-port", str(free_port()),
        "--erp-port", str(free_port()), "--db", str(folder / "sandbox.sqlite"),
    ]  # fmt: skip
    settings = {"THROUGHLINE_STORE__DATABASE_URL": f"sqlite:///{folder / 'store.sqlite'}", **env}
    with _server(command, folder / "streamlit.log", port, settings) as (url, _process):
        yield url


@contextmanager
def streamlit_server(
    folder: Path, port: int, env: Mapping[str, str], *args: str, log_name: str = "streamlit.log"
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`python -m dashboard serve` (the launcher `make run` ends in) with `env` added and more Streamlit
    flags `args`; its URL and process. The log goes to `folder/log_name`; the server is stopped afterwards."""
    command = [sys.executable, "-m", "dashboard", "serve", "--port", str(port), *args]
    with _server(command, folder / log_name, port, env) as served:
        yield served


@contextmanager
def _server(
    command: list[str], log_path: Path, port: int, env: Mapping[str, str]
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with open(log_path, "ab") as log:
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
        _wait_healthy(url, process, log_path)
        yield url, process
    finally:
        _stop(process)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 240) -> None:
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
    """Stop the process group (the demo runner stops the sandbox it started), then any child left over."""
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
    # The runner stops the sandbox it started when it exits; this only catches one it could not stop.
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
