"""The dashboard as `make run` serves it, opened in Chromium, for its peak memory at 10,000 deals.

`streamlit run dashboard/app.py` starts pointed at the benchmark's systems; Playwright opens the overview
(the app reads both systems) and the margin page; the peak is the server process's VmHWM, the most resident
memory it ever held.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping

import httpx
from playwright.sync_api import sync_playwright

from sandbox.server import free_port
from tests.bench.sandboxes import FOLDER, peak_rss_mb
from tests.browser.conftest import APP_IDLE, CHROMIUM, CHROMIUM_ARGS
from tests.sandbox_fixture import ROOT

LOAD_TIMEOUT_MS = 300_000


def app_peak_mb(environment: Mapping[str, str]) -> tuple[float, float]:
    """The dashboard server's peak memory (MB) after overview and margin, and the overview's load time."""
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.port", str(port),
        "--server.headless", "true", "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with open(FOLDER / "streamlit.log", "ab") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **environment},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1400})
            started = time.perf_counter()
            for path in ("/", "/margin"):
                page.goto(url + path)
                page.locator("h1").first.wait_for(timeout=LOAD_TIMEOUT_MS)  # the run has begun
                page.wait_for_selector(APP_IDLE, timeout=LOAD_TIMEOUT_MS)  # and has ended
                if path == "/":
                    loaded = time.perf_counter() - started
                if page.locator('[data-testid="stException"]').count():
                    raise RuntimeError(f"the page {path} failed; see {FOLDER / 'streamlit.log'}")
            browser.close()
        return peak_rss_mb(process.pid), loaded
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).text == "ok":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer within {timeout:.0f} s")
