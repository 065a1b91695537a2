"""What every page shows around its content: freshness per source, refresh, banners, readable errors."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from dashboard import columns as c
from dashboard.analysis import Analysis
from dashboard.format import age
from dashboard.snapshot import Snapshot, StillReading
from dashboard.ui import cache
from dashboard.ui.escape import md
from services.errors import ThroughlineError, explain


def load(title: str, caption: str | None = None) -> tuple[Snapshot, Analysis]:
    """Title, freshness, refresh button, banners for failed sources; then the snapshot and analysis."""
    st.set_page_config(page_title=f"{title} · Throughline")  # each tab says which page it is
    head, button = st.columns([5, 1], vertical_alignment="bottom")
    head.title(title)
    if caption:
        head.caption(caption)
    force = button.button("Refresh", key="refresh", icon=":material/refresh:", help="Read both systems now")
    try:
        snap = cache.snapshot(force=force)
        analysis = cache.analysis(snap, accepted_keys())
    except StillReading as slow:
        st.info(f"{md(str(slow)).capitalize()}.", icon=":material/hourglass_top:")
        _rerun_when_read()
        st.stop()
    except ThroughlineError as error:
        st.error(md(explain(error)))
        st.stop()
    freshness(snap)
    unusable(analysis)
    return snap, analysis


def unusable(analysis: Analysis) -> None:
    """The values the systems sent that could not be used, each with its record and what to fix; the
    figures leave them out (one bad value never takes a page down)."""
    problems = [
        *analysis.deals[c.DEAL_PROBLEMS].dropna().tolist(),
        *analysis.erp_projects[c.ERP_PROBLEMS].dropna().tolist(),
    ]
    lines = [line for text in problems for line in str(text).split("\n") if line]
    if not lines:
        return
    records = len(problems)
    with st.expander(
        f"{records} record{'s' if records != 1 else ''} hold values that could not be used",
        icon=":material/report:",
    ):
        st.markdown("\n".join(f"- {md(line)}" for line in lines[:200]))
        if len(lines) > 200:
            st.caption(f"… and {len(lines) - 200} more.")


@st.fragment(run_every=3)
def _rerun_when_read() -> None:
    """While the first read goes on: look every 3 s, and run the page again once it has landed."""
    try:
        cache.keeper().get()
    except StillReading:
        return
    st.rerun(scope="app")


def accepted_keys() -> frozenset[str]:
    """Findings ops accepted; an unreachable store means none, with a warning (never a crash)."""
    try:
        return cache.store().accepted_keys()
    except ThroughlineError as error:
        st.warning(f"The accepted-findings list could not be read, so every finding is shown: {md(error)}")
        return frozenset()


def freshness(snap: Snapshot) -> None:
    """'HubSpot 42 s ago · Odoo 40 s ago', and a plain banner for each source that failed."""
    now = datetime.now(UTC)
    parts = []
    for source in (snap.crm_source, snap.erp_source):
        text = f"{source.label} {age(source.age_s(now))}"
        if source.quota_left is not None:
            of = f" of {source.quota_limit:,}" if source.quota_limit else ""
            text += f" ({source.quota_left:,}{of} requests left today)"
        parts.append(f"**{text}** (stale)" if source.stale else text)
    st.caption("Data read: " + " · ".join(parts))
    if snap.refreshing_since is not None:
        waited = age((now - snap.refreshing_since).total_seconds()).removesuffix(" ago")
        st.warning(
            f"**The systems have not answered a new read for {waited}**, so this page shows the data read "
            f"{age(snap.crm_source.age_s(now))}. The read goes on; Refresh shows it once it has landed.",
            icon=":material/hourglass_top:",
        )
    for source in (snap.crm_source, snap.erp_source):
        if source.error and source.read_at:
            st.warning(
                f"**{source.label} could not be read just now**, so this page shows its last good data from "
                f"{age(source.age_s(now))}. {md(source.error)}",
                icon=":material/cloud_off:",
            )
        elif source.error:
            st.error(
                f"**{source.label} could not be read**, so its figures are missing below. {md(source.error)}",
                icon=":material/cloud_off:",
            )


def demo_banner() -> None:
    """Says plainly that this is the demo: sandbox data, no sign-in."""
    try:
        c = cache.clients()
        sources = f"{c.crm_label} and {c.erp_label}"
    except ThroughlineError:
        sources = "the sandbox servers"
    st.info(
        f"Demo: this dashboard runs on demo data ({sources}), without sign-in. "
        "Configure real systems in `.env` to use it for real (see the README).",
        icon=":material/science:",
    )
