"""Started from another folder with plain `streamlit run`, the app shows no data and says how to start it.

Streamlit reads .streamlit/config.toml from the working directory only; this starts the app from a temp
folder, so none of the project's server settings apply (every interface, usage statistics on).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from sandbox.server import free_port
from tests.browser.conftest import _stop, _wait_healthy, browser, wait_idle
from tests.sandbox_fixture import ROOT, RunningSandbox


def test_an_app_started_from_elsewhere_shows_no_data_and_how_to_start_it(
    browser: Browser, demo: RunningSandbox, tmp_path: Path
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "THROUGHLINE_SANDBOX__CRM_PORT": demo.crm_url.rsplit(":", 1)[1],
        "THROUGHLINE_SANDBOX__ERP_PORT": demo.erp_url.rsplit(":", 1)[1],
        "THROUGHLINE_STORE__DATABASE_URL": f"sqlite:///{tmp_path / 'store.sqlite'}",
    }
    log = tmp_path / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
        "--server.port", str(port), "--server.headless", "true",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", process, log)
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        wait_idle(page)
        alert = page.get_by_test_id("stAlert")
        expect(alert).to_contain_text("Throughline shows no data from this server")
        expect(alert).to_contain_text("it listens on every network interface")
        expect(alert).to_contain_text("python -m dashboard serve")
        expect(page.get_by_test_id("stMetric")).to_have_count(0)  # no figure reached the page
        expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
        context.close()
    finally:
        _stop(process)


__all__ = ["browser"]  # the shared Chromium fixture, used here


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> object:
    """A small sandbox of this module's own."""
    from tests.sandbox_fixture import running_sandbox

    with running_sandbox(tmp_path_factory.mktemp("safety") / "sandbox.sqlite", deals=40) as sandbox:
        yield sandbox
