"""Secrets never reach a page, a log or an error message.

Throughline runs in real-systems mode against a sandbox with known fake secrets: a HubSpot token the CRM
rejects (401), the Odoo API key the ERP accepts, and a store URL with a password whose database is down.
An admin opens every page; the report command runs with the same settings. Every element the pages drew
(each element's full content, tables included), every log line and both commands' output are searched for
the secrets, and the 401 message must still name the setting to fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from sandbox.server import free_port
from tests.sandbox_fixture import RunningSandbox, running_sandbox
from tests.ui.conftest import plain

ROOT = Path(__file__).resolve().parents[1]
HUBSPOT_TOKEN = "pat-na1-SECRET-4c1e2d7a-9b3f-4e55-8d21-0f6a7c9e1b23"
ODOO_KEY = "odoo-SECRET-7d2f9a41c0b84e6f"
STORE_PASSWORD = "store-SECRET-pw-93b1"
SECRETS = (HUBSPOT_TOKEN, ODOO_KEY, STORE_PASSWORD)
EVERY_PAGE = ("overview", "margin", "project", "handover", "audit", "delivery", "history", "settings")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A sandbox whose Odoo side accepts ODOO_KEY and whose HubSpot side accepts another token."""
    db = tmp_path_factory.mktemp("secrets") / "sandbox.sqlite"
    with running_sandbox(db, deals=20, seed=3, extra=("--odoo-api-key", ODOO_KEY)) as running:
        yield running


@pytest.fixture
def live_env(sandbox: RunningSandbox) -> dict[str, str]:
    """Settings of a real deployment, pointed at the sandbox, with the known secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHLINE_")}
    env.update(
        THROUGHLINE_HUBSPOT__TOKEN=HUBSPOT_TOKEN,
        THROUGHLINE_HUBSPOT__BASE_URL=sandbox.crm_url,
        THROUGHLINE_ODOO__URL=sandbox.erp_url,
        THROUGHLINE_ODOO__DATABASE="sandbox",
        THROUGHLINE_ODOO__LOGIN="admin",
        THROUGHLINE_ODOO__API_KEY=ODOO_KEY,
        # Nothing listens on this port: the store is down, and its error must not show the password.
        THROUGHLINE_STORE__DATABASE_URL=(
            f"postgresql+psycopg://throughline:{STORE_PASSWORD}@127.0.0.1:{free_port()}/throughline"
        ),
        THROUGHLINE_ACCESS__MODE="local",
    )
    return env


def everything_drawn(at: AppTest) -> bytes:
    """Every element of the last run, main area and sidebar, serialized whole (tables' data included)."""
    return b"\n".join(
        node.proto.SerializeToString() for block in (at.main, at.sidebar) for node in block if node.proto
    )


def visible_text(at: AppTest) -> str:
    kinds = ("title", "markdown", "caption", "info", "warning", "error", "exception")
    return "\n".join(str(element.value) for kind in kinds for element in at.get(kind))


def test_no_page_shows_or_logs_a_secret_and_the_401_names_the_setting(
    live_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    for name in [n for n in os.environ if n.startswith("THROUGHLINE_")]:
        monkeypatch.delenv(name)
    for name, value in live_env.items():
        if name.startswith("THROUGHLINE_"):
            monkeypatch.setenv(name, value)
    monkeypatch.chdir(ROOT)
    st.cache_resource.clear()
    st.cache_data.clear()
    caplog.set_level("DEBUG")
    try:
        drawn, shown, opened = [], [], []
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
        at.session_state["local_user"] = {"email": "admin@example.com", "role": "admin"}
        at.run()
        first_page = visible_text(at)
        for name in EVERY_PAGE:
            at.switch_page(f"../pages/{name}.py").run()
            opened.append(name)
            drawn.append(everything_drawn(at))
            shown.append(visible_text(at))
    finally:
        st.cache_resource.clear()
        st.cache_data.clear()
    out, err = capfd.readouterr()
    logs = "\n".join(record.getMessage() for record in caplog.records)

    assert opened == list(EVERY_PAGE)
    assert "HubSpot rejected the token: check the HubSpot token setting" in plain(first_page)
    assert b"HubSpot rejected the token" in drawn[0]  # the byte search does see what the page drew
    assert "postgresql+psycopg://throughline:***@127.0.0.1" in plain("\n".join(shown))  # masked, still useful
    for secret in SECRETS:
        for name, content in zip(EVERY_PAGE, drawn, strict=True):
            assert secret.encode() not in content, f"{secret} drawn on {name}"
        assert secret not in out
        assert secret not in err
        assert secret not in logs


def test_the_report_command_prints_no_secret_and_names_the_setting(live_env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "report", "audit"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=live_env,
        timeout=120,
    )
    assert done.returncode == 2
    assert "check the HubSpot token setting" in done.stderr
    for secret in SECRETS:
        assert secret not in done.stdout
        assert secret not in done.stderr


def test_a_placeholder_token_is_refused_without_echoing_the_other_secrets(live_env: dict[str, str]) -> None:
    env = dict(live_env, THROUGHLINE_HUBSPOT__TOKEN="changeme")
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "report", "figures"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 2
    assert "THROUGHLINE_HUBSPOT__TOKEN holds a placeholder" in done.stderr
    for secret in (ODOO_KEY, STORE_PASSWORD):
        assert secret not in done.stderr
        assert secret not in done.stdout
