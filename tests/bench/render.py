"""Page renders at 10,000 deals in AppTest: the overview, then the margin page, each run twice.

A first session opens the overview, which reads both systems and analyzes them (the app's own cold load).
A second session, as a person opening the app a moment later, finds both in the cache: its runs time the
pages themselves, the first run of each page and the second (a widget changed, say). The app's cache lives
in this process too, so the benchmark then reads it warm, and compares the snapshot its own incremental
refresh made with the app's full read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import streamlit as st
from streamlit.logger import set_log_level
from streamlit.testing.v1 import AppTest

from dashboard.snapshot import Snapshot
from dashboard.ui import cache
from tests.sandbox_fixture import ROOT
from tests.services.test_incremental import crm_view, erp_view

APP = ROOT / "dashboard" / "app.py"


def app_environment(crm_url: str, erp_url: str, store_url: str) -> dict[str, str]:
    """The settings that point the dashboard at the benchmark's systems, as a Professional portal."""
    return {
        "THROUGHLINE_SANDBOX__CRM_PORT": crm_url.rsplit(":", 1)[1],
        "THROUGHLINE_SANDBOX__ERP_PORT": erp_url.rsplit(":", 1)[1],
        "THROUGHLINE_STORE__DATABASE_URL": store_url,
        "THROUGHLINE_ACCESS__MODE": "none",
        "THROUGHLINE_HUBSPOT__REQUESTS_PER_10S": "190",
    }


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _timed_run(at: AppTest) -> float:
    started = time.perf_counter()
    at.run()
    took = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"the page failed: {[e.value for e in at.exception]}")
    return took


def render_times(environment: Mapping[str, str], compare_with: Snapshot) -> dict[str, float | bool]:
    """Seconds per AppTest run: the app's cold load, overview and margin (first and second run); the app's
    cache read warm; and whether `compare_with` equals the full read the app made."""
    os.chdir(ROOT)  # AppTest reads .streamlit/config.toml from the working directory
    set_log_level("error")  # no "missing ScriptRunContext" lines between the benchmark's figures
    with _environment(environment):
        st.cache_resource.clear()
        st.cache_data.clear()
        cold = AppTest.from_file(str(APP), default_timeout=600)
        found: dict[str, float | bool] = {"app_cold_load_s": _timed_run(cold)}  # reads both, analyzes
        at = AppTest.from_file(str(APP), default_timeout=600)  # a new session: a person opening the app
        found["render_overview_first_s"] = _timed_run(at)
        found["render_overview_s"] = _timed_run(at)
        at.switch_page("../pages/margin.py")
        found["render_margin_first_s"] = _timed_run(at)
        found["render_margin_s"] = _timed_run(at)
        # the same process holds the app's cache: what a page run gets when the snapshot is fresh
        set_log_level("error")  # AppTest set Streamlit's own level again
        requests = cache.clients().crm.requests + cache.clients().erp.requests
        started = time.perf_counter()
        snap = cache.snapshot()
        cache.analysis(snap, frozenset())
        found["warm_load_s"] = time.perf_counter() - started
        found["warm_load_requests"] = cache.clients().crm.requests + cache.clients().erp.requests - requests
        found["refresh_matches_full"] = _same(compare_with, snap)
        st.cache_resource.clear()
        st.cache_data.clear()
    return found


def _same(refreshed: Snapshot, full: Snapshot) -> bool:
    if not (refreshed.crm and refreshed.erp and full.crm and full.erp):
        return False
    return crm_view(refreshed.crm) == crm_view(full.crm) and erp_view(refreshed.erp) == erp_view(full.erp)
