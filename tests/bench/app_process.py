"""The dashboard as `make run` serves it, opened in Chromium, for its peak memory at 10,000 deals.

`streamlit run dashboard/app.py` starts pointed at the benchmark's systems; Playwright opens the overview
(the app reads both systems) and the margin page; the peak is the server process's VmHWM, the most resident
memory it ever held.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from playwright.sync_api import sync_playwright

from sandbox.server import free_port
from tests.bench.sandboxes import FOLDER, peak_rss_mb
from tests.browser.conftest import APP_IDLE, CHROMIUM, CHROMIUM_ARGS, streamlit_server

LOAD_TIMEOUT_MS = 300_000


def app_peak_mb(environment: Mapping[str, str]) -> tuple[float, float]:
    """The dashboard server's peak memory (MB) after overview and margin, and the overview's load time."""
    with streamlit_server(FOLDER, free_port(), environment) as (url, process):
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
