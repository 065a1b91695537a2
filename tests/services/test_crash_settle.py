"""A crash between the CRM write and the log update: the next start settles the pending row by reading
the CRM. The crash is real: a child process applies a correction and is SIGKILLed right after the write.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.writeback import settle_pending
from services.store import Correction, Store
from tests.corrections_support import clients, deal_value, first, new_store, read_analysis
from tests.sandbox_fixture import ROOT, RunningSandbox, running_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A demo sandbox these tests may write to."""
    with running_sandbox(tmp_path_factory.mktemp("crash") / "sandbox.sqlite") as running:
        yield running


def crash_after_write(sandbox: RunningSandbox, store_url: str, kind: str) -> tuple[Correction, str]:
    """Apply the first `kind` finding's fix in a child process killed after the write; the row it left."""
    with clients(sandbox) as (crm, erp):
        _, analysis = read_analysis(crm, erp)
    finding = first(analysis.findings, kind)
    deal_id, after = str(finding.crm_deal_id), str(finding.suggested_id)
    child = subprocess.run(
        [sys.executable, "-m", "tests.services.crash_writer", sandbox.crm_url, store_url, deal_id,
         finding.raw_id or "", after],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    store = Store(store_url)
    try:
        [row] = store.pending()
    finally:
        store.close()
    assert (row.object_id, row.before, row.after) == (deal_id, finding.raw_id, after)
    assert deal_value(sandbox, deal_id) == after  # the write reached the CRM before the kill
    return row, after


def test_settle_pending_marks_the_interrupted_write_applied(sandbox: RunningSandbox, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    row, _ = crash_after_write(sandbox, url, "malformed")
    store = new_store(url)

    with clients(sandbox) as (crm, _):
        assert settle_pending(crm, store) == 1

    settled = store.correction(row.id)
    assert (settled.status, settled.user) == ("applied", "crash.test@example.com")
    assert settled.settled_at is not None
    assert store.pending() == []
    store.close()


def test_the_next_dashboard_start_settles_it(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    row, _ = crash_after_write(sandbox, url, "missing")
    crm_port, erp_port = sandbox.crm_url.rsplit(":", 1)[1], sandbox.erp_url.rsplit(":", 1)[1]
    for name, value in {
        "THROUGHLINE_SANDBOX__CRM_PORT": crm_port,
        "THROUGHLINE_SANDBOX__ERP_PORT": erp_port,
        "THROUGHLINE_STORE__DATABASE_URL": url,
        "THROUGHLINE_ACCESS__MODE": "none",
    }.items():
        monkeypatch.setenv(name, value)
    st.cache_resource.clear()
    st.cache_data.clear()

    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("../pages/history.py").run()  # the log page opens the store, as any start does

    assert not at.exception
    store = Store(url)
    assert store.correction(row.id).status == "applied"
    assert store.pending() == []
    store.close()
    log = at.dataframe[0].value
    assert log.loc[log["id"] == row.id, "status"].tolist() == ["applied"]
    st.cache_resource.clear()
