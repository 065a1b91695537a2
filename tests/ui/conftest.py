"""AppTest fixtures: one sandbox for every UI test, the app pointed at it through the environment.

The expected figures come from the analytics core (`analyze`) on a snapshot the test reads itself through
the service clients, with the same settings and the same `as_of` (today) as the app.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.analysis import Analysis, analyze, params_from_settings
from dashboard.settings import load_settings
from dashboard.snapshot import Snapshot, refresh_snapshot
from services.hubspot import HubSpotClient
from services.odoo import OdooClient
from tests.sandbox_fixture import ODOO, ROOT, TOKEN, RunningSandbox, running_sandbox

APP = ROOT / "dashboard" / "app.py"


@pytest.fixture(scope="session")
def ui_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The demo portfolio on its own two ports, for every UI test of the session."""
    with running_sandbox(tmp_path_factory.mktemp("ui") / "sandbox.sqlite") as sandbox:
        yield sandbox


def _clear_caches() -> None:
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_env(
    ui_sandbox: RunningSandbox, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[RunningSandbox]:
    """The environment `make run` would get, pointed at the test sandbox, with a fresh store and caches."""
    monkeypatch.chdir(ROOT)  # AppTest reads .streamlit/config.toml from the working directory
    monkeypatch.setenv("THROUGHLINE_SANDBOX__CRM_PORT", ui_sandbox.crm_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_SANDBOX__ERP_PORT", ui_sandbox.erp_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_STORE__DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("THROUGHLINE_ACCESS__MODE", "none")
    monkeypatch.setenv("THROUGHLINE_HUBSPOT__MAX_RETRIES", "1")  # a failing CRM gives up fast
    ui_sandbox.reset()
    _clear_caches()
    yield ui_sandbox
    ui_sandbox.reset()
    _clear_caches()


@pytest.fixture
def app(app_env: RunningSandbox) -> AppTest:
    """The dashboard's entrypoint, not yet run."""
    return AppTest.from_file(str(APP), default_timeout=60)


def open_page(at: AppTest, name: str, **query: str) -> AppTest:
    """Run the entrypoint, switch to pages/<name>.py (with `query` as its URL query) and run it."""
    if not at.session_state or "demo_role" not in at.session_state:
        at.run()
    at.switch_page(f"../pages/{name}.py")
    at.query_params.update(query)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def read_snapshot(sandbox: RunningSandbox, *, crm: bool = True, erp: bool = True) -> Snapshot:
    """Both systems (or one) read now through the service clients, as the app reads them."""
    with (
        HubSpotClient(sandbox.crm_url, TOKEN) as hubspot,
        OdooClient(sandbox.erp_url, ODOO["database"], ODOO["login"], ODOO["api_key"]) as odoo,
    ):
        return refresh_snapshot(hubspot if crm else LeftOut("HubSpot"), odoo if erp else LeftOut("Odoo"))


class LeftOut:
    """A source a test leaves out of the snapshot: every read fails."""

    requests = 0

    def __init__(self, label: str) -> None:
        self.label = label

    def fetch_snapshot(self, **_: Any) -> Any:
        raise RuntimeError("left out")

    fetch_read = fetch_snapshot


def plain(shown: str) -> str:
    """What a person reads in Markdown the page escaped (dashboard/ui/escape.py): the backslashes go."""
    return re.sub(r"\\(.)", r"\1", shown)


def oracle_of(snap: Snapshot) -> Analysis:
    """The analytics core's answer for `snap`, with the app's settings and today's date."""
    return analyze(snap, params_from_settings(load_settings(), as_of=datetime.now(UTC).date()))


@pytest.fixture
def oracle(app_env: RunningSandbox) -> Analysis:
    """The expected figures for the demo portfolio the app shows."""
    return oracle_of(read_snapshot(app_env))
