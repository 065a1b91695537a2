"""The only caches: settings, clients, and one snapshot shared by every page (with its analysis).

The snapshot is reused for `cache_ttl_s` seconds (default 60), then read again; the refresh button reads it
at once. The last good data of each source is kept, so a failing source degrades to a stale copy with its
age instead of an empty page.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from dashboard.analysis import Analysis, AnalysisParams, analyze, params_from_settings
from dashboard.settings import Settings, load_settings
from dashboard.usecases import Snapshot, load_snapshot, settle_pending
from dashboard.wiring import Clients, build_clients
from services.store import Store


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """The settings, read once per server process (ConfigError propagates to the entrypoint)."""
    return load_settings()


@st.cache_resource(show_spinner="Connecting to the CRM and the ERP…")
def clients() -> Clients:
    """One pair of clients per server process: they hold the connection pools and the rate budget."""
    return build_clients(settings())


@st.cache_resource(show_spinner=False)
def store() -> Store:
    """The store, migrated, with any correction left pending by a crash settled against the CRM."""
    the_store = Store(settings().store.database_url.get_secret_value())
    the_store.migrate()
    if the_store.pending():
        settle_pending(clients().crm, the_store)
    return the_store


@dataclass
class _Holder:
    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: Snapshot | None = None
    loaded_at: float = 0.0
    analyses: dict[Any, Analysis] = field(default_factory=dict)


@st.cache_resource(show_spinner=False)
def _holder() -> _Holder:
    return _Holder()


def snapshot(*, force: bool = False) -> Snapshot:
    """The current snapshot: cached for the configured time, read again when older or when forced."""
    holder = _holder()
    ttl = settings().cache_ttl_s
    with holder.lock:
        fresh = holder.snapshot is not None and time.monotonic() - holder.loaded_at < ttl
        if fresh and not force and holder.snapshot is not None:
            return holder.snapshot
        c = clients()
        with st.spinner(f"Reading {c.crm_label} and {c.erp_label}…", show_time=True):
            holder.snapshot = load_snapshot(
                c.crm.fetch_snapshot,
                c.erp.fetch_snapshot,
                crm_label=c.crm_label,
                erp_label=c.erp_label,
                previous=holder.snapshot,
            )
        holder.loaded_at = time.monotonic()
        holder.analyses.clear()
        return holder.snapshot


def analysis(snap: Snapshot, accepted: frozenset[str] = frozenset()) -> Analysis:
    """The analysis of `snap` (join, findings, figures...), computed once per snapshot and accepted list."""
    holder = _holder()
    params: AnalysisParams = params_from_settings(settings())
    key = (snap.version, accepted)
    with holder.lock:
        if key not in holder.analyses:
            holder.analyses[key] = analyze(snap, params, accepted_keys=accepted)
        return holder.analyses[key]


def clear() -> None:
    """Forget the snapshot (after a write, the next page run reads both systems again)."""
    holder = _holder()
    with holder.lock:
        holder.loaded_at = 0.0
        holder.analyses.clear()
