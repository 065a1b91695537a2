"""The only caches: settings, clients, and one snapshot shared by every page (with its analysis).

The snapshot (dashboard/snapshot.py `SnapshotKeeper`) is reused for `cache_ttl_s` seconds (default 60), then
read again in the background; the refresh button reads it at once. A page waits for a read at most
`read_deadline_s`, then shows the last good data with a banner; a read in progress never blocks another
session. The last good data of each source is kept, so a failing source degrades to a stale copy with its
age instead of an empty page. One deal's line items and notes and one project's ERP documents are read only
when a page asks for them, and reused per id for the same time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar, cast

import streamlit as st

from dashboard.analysis import Analysis, AnalysisParams, analyze, params_from_settings
from dashboard.settings import Settings, load_settings
from dashboard.snapshot import Snapshot, SnapshotKeeper
from dashboard.wiring import Clients, build_clients
from dashboard.wiring import portal_checks as portal_checks_of
from dashboard.writeback import settle_pending
from services import log
from services.errors import ThroughlineError, explain
from services.hubspot.doctor import Check
from services.models import ErpDocumentLine, LineItem, Note
from services.store import Store

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def settings() -> Settings:
    """The settings, read once per server process (ConfigError propagates to the entrypoint); the server
    log takes its level and format from them."""
    loaded = load_settings()
    log.configure(loaded.log.level, loaded.log.format)
    return loaded


@st.cache_resource(show_spinner="Connecting to the CRM and the ERP…")
def clients() -> Clients:
    """One pair of clients per server process: they hold the connection pools and the rate budget."""
    return build_clients(settings())


def portal_checks() -> list[Check] | None:
    """The portal check of the CRM (read now, on request: it writes nothing)."""
    with st.spinner("Checking the HubSpot portal…"):
        return portal_checks_of(clients().crm)


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
    analyses: dict[Any, Analysis] = field(default_factory=dict)
    details: dict[tuple[str, str], tuple[float, Any]] = field(default_factory=dict)
    """On-demand reads per (kind, id): when read (monotonic) and what came back."""


@st.cache_resource(show_spinner=False)
def _holder() -> _Holder:
    return _Holder()


@st.cache_resource(show_spinner=False)
def keeper() -> SnapshotKeeper:
    """The snapshot every session shares (one per server process)."""
    s, c = settings(), clients()
    return SnapshotKeeper(
        c.crm,
        c.erp,
        labels=(c.crm_label, c.erp_label),
        ttl_s=s.cache_ttl_s,
        deadline_s=s.read_deadline_s,
        full_every=timedelta(minutes=s.full_read_every_min),
    )


def snapshot(*, force: bool = False) -> Snapshot:
    """The current snapshot: cached for the configured time, brought up to date (only what changed) when
    older or when forced; the last good one when a read takes longer than the deadline."""
    the_keeper = keeper()
    crm_label, erp_label = the_keeper.labels
    with st.spinner(f"Reading {crm_label} and {erp_label}…", show_time=True):
        snap = the_keeper.get(force=force)
    if force:  # "Refresh" means every system read now, the per-project details too
        holder = _holder()
        with holder.lock:
            holder.details.clear()
    return snap


def analysis(snap: Snapshot, accepted: frozenset[str] = frozenset()) -> Analysis:
    """The analysis of `snap` (join, findings, figures...), computed once per snapshot and accepted list."""
    holder = _holder()
    params: AnalysisParams = params_from_settings(settings())
    key = (snap.version, accepted)
    with holder.lock:
        if key in holder.analyses:
            return holder.analyses[key]
    result = analyze(snap, params, accepted_keys=accepted)  # outside the lock: other sessions go on
    with holder.lock:
        # keep the analyses of this snapshot only: an older one is never asked for again
        holder.analyses = {k: v for k, v in holder.analyses.items() if k[0] == snap.version}
        holder.analyses[key] = result
    return result


@dataclass(frozen=True)
class OnDemand(Generic[T]):
    """What an on-demand read brought back, or, when it failed, an empty value and the failure in words."""

    value: T
    error: str | None = None


DealDetails = OnDemand[tuple[list[LineItem], list[Note]]]
"""One deal's line items and notes, or why they could not be read."""


def _on_demand(kind: str, key: str, read: Callable[[], T], empty: T) -> OnDemand[T]:
    """`read()`'s result, reused for the snapshot's TTL per (kind, key); a failure is reported, not cached."""
    holder = _holder()
    ttl = settings().cache_ttl_s
    with holder.lock:
        hit = holder.details.get((kind, key))
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return OnDemand(cast(T, hit[1]))
    # Read outside the lock: one slow project must not hold up every other session's page.
    try:
        value = read()
    except ThroughlineError as error:
        return OnDemand(empty, explain(error))
    now = time.monotonic()
    with holder.lock:
        holder.details = {k: v for k, v in holder.details.items() if now - v[0] < ttl}
        holder.details[(kind, key)] = (now, value)
    return OnDemand(value)


def deal_details(snap: Snapshot, crm_deal_id: str) -> DealDetails:
    """One deal's line items and notes, read from the CRM the first time a page asks for them."""
    deal = next((d for d in (snap.crm.deals if snap.crm else ()) if d.crm_deal_id == crm_deal_id), None)
    if deal is None:
        return OnDemand(([], []), f"deal {crm_deal_id} is not in the data read from {snap.crm_source.label}")
    return _on_demand("deal", crm_deal_id, lambda: clients().crm.fetch_deal_details(deal), ([], []))


def project_documents(erp_record_id: str) -> OnDemand[list[ErpDocumentLine]]:
    """The ERP lines behind one project's figures, read the first time a page asks for them."""
    return _on_demand("erp", erp_record_id, lambda: clients().erp.fetch_project_documents(erp_record_id), [])


def clear() -> None:
    """Forget the snapshot (after a write, the next page run reads both systems again)."""
    keeper().invalidate()
    holder = _holder()
    with holder.lock:
        holder.analyses.clear()
        holder.details.clear()
