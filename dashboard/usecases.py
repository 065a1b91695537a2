"""The shell without Streamlit: read both systems into a snapshot, with freshness and a degraded mode.

A snapshot reads HubSpot and the ERP at the same time. When one of them fails, the snapshot keeps the
other's fresh data and the failed one's last good data (marked stale, with its age and the error in words),
so the pages can still show what is known and say plainly what failed and what to check.

After the first read, `refresh_snapshot` asks each system only for what changed since its last read (how,
in services/hubspot.py and services/odoo.py), and reads everything again every `FULL_READ_EVERY`.

Corrections go the other way: audit findings become deal ID corrections (`propose_*`), which
`apply_corrections` writes with a conflict check and a pending-then-settled log; `undo_*` writes the before
values back the same way; `create_project_records` does the handover's write. Each checks the actor's role.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import pandas as pd

from dashboard import columns as cols
from dashboard.roles import Actor, require
from dashboard.transforms.audit import Finding
from dashboard.transforms.corrections import (
    DEALS,
    FindingFix,
    ProposedCorrection,
    apply_band,
    propose_id_fixes,
    split_conflicts,
    validate_manual_id,
)
from dashboard.transforms.ids import normalize_id
from services.erp import ErpClient
from services.errors import ConfigError, InputError, ServiceError, ThroughlineError
from services.hubspot import HubSpotClient, new_batch_id
from services.models import Contact, CrmSnapshot, Deal, ErpSnapshot
from services.odoo import OdooClient, OdooMarks
from services.store import AcceptedFinding, Correction, NewCorrection, SettledStatus, Store

if TYPE_CHECKING:  # analysis imports this module (Snapshot), so only the type checker may import it back
    from dashboard.analysis import Analysis

T = TypeVar("T")


@dataclass(frozen=True)
class SourceRead:
    """How one source's data in the snapshot came to be: when it was read, and what failed if anything."""

    label: str
    read_at: datetime | None
    error: str | None = None
    stale: bool = False
    requests: int = 0
    mode: Literal["full", "incremental"] = "full"
    """A full read, or only what changed since the previous read."""

    def age_s(self, now: datetime) -> float | None:
        return (now - self.read_at).total_seconds() if self.read_at else None


@dataclass(frozen=True)
class ReadMarks:
    """Where each source's last good read began, when its last full read began, and the ERP's own marks."""

    crm_since: datetime | None = None
    crm_full_at: datetime | None = None
    erp_since: datetime | None = None
    erp_full_at: datetime | None = None
    erp: OdooMarks | None = None


@dataclass(frozen=True)
class Snapshot:
    crm: CrmSnapshot | None
    erp: ErpSnapshot | None
    crm_source: SourceRead
    erp_source: SourceRead
    marks: ReadMarks | None = None
    """What `refresh_snapshot` needs to ask only for changes next time (None: read everything)."""

    @property
    def complete(self) -> bool:
        return self.crm is not None and self.erp is not None

    @property
    def version(self) -> str:
        """Changes whenever either source's data changes (a cache key for the analysis)."""
        return f"{self.crm_source.read_at}|{self.erp_source.read_at}"


def explain(error: BaseException) -> str:
    """A message a person can act on: what failed and what to check. Never a traceback."""
    if isinstance(error, ServiceError):
        return f"{error} — {error.hint}."
    if isinstance(error, ThroughlineError):
        return str(error)
    return f"unexpected {type(error).__name__}; the details are in the server log"


def _read(
    label: str, fetch: Callable[[], T], previous: T | None, previous_source: SourceRead | None
) -> tuple[T | None, SourceRead]:
    try:
        data = fetch()
    except ConfigError:
        raise
    except Exception as error:  # any failure of one source must leave the other usable
        if previous is not None and previous_source is not None:
            return previous, replace(previous_source, error=explain(error), stale=True, requests=0)
        return None, SourceRead(label=label, read_at=None, error=explain(error), stale=True)
    read_at = getattr(data, "read_at", None)
    return data, SourceRead(label=label, read_at=read_at, requests=int(getattr(data, "requests", 0)))


def load_snapshot(
    fetch_crm: Callable[[], CrmSnapshot],
    fetch_erp: Callable[[], ErpSnapshot],
    *,
    crm_label: str = "HubSpot",
    erp_label: str = "Odoo",
    previous: Snapshot | None = None,
) -> Snapshot:
    """Read both sources concurrently; a failed source falls back to its part of `previous`."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        crm_f = pool.submit(
            _read,
            crm_label,
            fetch_crm,
            previous.crm if previous else None,
            previous.crm_source if previous else None,
        )
        erp_f = pool.submit(
            _read,
            erp_label,
            fetch_erp,
            previous.erp if previous else None,
            previous.erp_source if previous else None,
        )
        crm, crm_source = crm_f.result()
        erp, erp_source = erp_f.result()
    return Snapshot(crm=crm, erp=erp, crm_source=crm_source, erp_source=erp_source)


def utcnow() -> datetime:
    return datetime.now(UTC)


# -- incremental refresh --------------------------------------------------------------------------------

FULL_READ_EVERY = timedelta(minutes=30)
"""An incremental refresh relies on the systems reporting every change (a moved modification date, a count);
a full read this often bounds how long anything they do not report can stay unseen."""


@dataclass(frozen=True)
class _Result(Generic[T]):
    data: T
    since: datetime
    full_at: datetime
    mode: Literal["full", "incremental"]
    requests: int
    erp_marks: OdooMarks | None = None


def refresh_snapshot(
    crm: HubSpotClient,
    erp: ErpClient,
    previous: Snapshot | None,
    *,
    crm_label: str = "HubSpot",
    erp_label: str = "Odoo",
    full_every: timedelta = FULL_READ_EVERY,
    now: Callable[[], datetime] = utcnow,
) -> Snapshot:
    """Both sources brought up to date, concurrently: only what changed since `previous` was read, or
    everything the first time, every `full_every`, or when a system cannot tell what changed. A failed
    source keeps its part of `previous`, marked stale."""
    marks = (previous.marks if previous else None) or ReadMarks()
    old_crm, old_erp = (previous.crm, previous.erp) if previous else (None, None)
    with ThreadPoolExecutor(max_workers=2) as pool:
        crm_f = pool.submit(
            _attempt,
            crm_label,
            lambda: _read_crm(crm, old_crm, marks, full_every, now),
            previous.crm_source if previous and old_crm else None,
        )
        erp_f = pool.submit(
            _attempt,
            erp_label,
            lambda: _read_erp(erp, old_erp, marks, full_every, now),
            previous.erp_source if previous and old_erp else None,
        )
        crm_read, crm_source = crm_f.result()
        erp_read, erp_source = erp_f.result()
    return Snapshot(
        crm=crm_read.data if crm_read else old_crm,
        erp=erp_read.data if erp_read else old_erp,
        crm_source=crm_source,
        erp_source=erp_source,
        marks=ReadMarks(
            crm_since=crm_read.since if crm_read else marks.crm_since,
            crm_full_at=crm_read.full_at if crm_read else marks.crm_full_at,
            erp_since=erp_read.since if erp_read else marks.erp_since,
            erp_full_at=erp_read.full_at if erp_read else marks.erp_full_at,
            erp=erp_read.erp_marks if erp_read else marks.erp,
        ),
    )


def _attempt(
    label: str, read: Callable[[], _Result[T]], previous_source: SourceRead | None
) -> tuple[_Result[T] | None, SourceRead]:
    """One source's read, or (None, why it failed) with the previous read's freshness kept as stale."""
    try:
        result = read()
    except ConfigError:
        raise
    except Exception as error:  # any failure of one source must leave the other usable
        if previous_source is not None:
            return None, replace(previous_source, error=explain(error), stale=True, requests=0)
        return None, SourceRead(label=label, read_at=None, error=explain(error), stale=True)
    read_at = getattr(result.data, "read_at", None)
    return result, SourceRead(label=label, read_at=read_at, requests=result.requests, mode=result.mode)


def _read_crm(
    crm: HubSpotClient,
    previous: CrmSnapshot | None,
    marks: ReadMarks,
    full_every: timedelta,
    now: Callable[[], datetime],
) -> _Result[CrmSnapshot]:
    started, before = now(), crm.requests
    if previous and marks.crm_since and marks.crm_full_at and started - marks.crm_full_at < full_every:
        fresh = crm.fetch_snapshot_since(previous, marks.crm_since, now=now)
        if fresh is not None:
            return _Result(fresh, started, marks.crm_full_at, "incremental", crm.requests - before)
    snapshot = crm.fetch_snapshot(now=now)
    return _Result(snapshot, started, started, "full", crm.requests - before)


def _read_erp(
    erp: ErpClient,
    previous: ErpSnapshot | None,
    marks: ReadMarks,
    full_every: timedelta,
    now: Callable[[], datetime],
) -> _Result[ErpSnapshot]:
    started, before = now(), erp.requests
    if not isinstance(erp, OdooClient):  # an ERP without incremental reads is read whole every time
        return _Result(erp.fetch_snapshot(), started, started, "full", erp.requests - before)
    recent = marks.erp_full_at is not None and started - marks.erp_full_at < full_every
    if previous and marks.erp and marks.erp_since and marks.erp_full_at and recent:
        snapshot, erp_marks = erp.fetch_snapshot_since(previous, marks.erp, marks.erp_since, now=now)
        return _Result(snapshot, started, marks.erp_full_at, "incremental", erp.requests - before, erp_marks)
    snapshot, erp_marks = erp.fetch_snapshot_marked(now=now)
    return _Result(snapshot, started, started, "full", erp.requests - before, erp_marks)


# -- corrections: the shell around dashboard/transforms/corrections.py ---------------------------------


@dataclass(frozen=True)
class ApplyReport:
    """What a write-back did, per record: applied, failed (with HubSpot's message) or skipped as conflict."""

    batch_id: str
    applied: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    conflicts: tuple[tuple[str, str | None], ...] = ()
    requests: int = 0

    @property
    def summary(self) -> str:
        parts = [f"{len(self.applied)} applied"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.conflicts:
            parts.append(
                f"{len(self.conflicts)} skipped because someone changed them since the page read them"
            )
        return ", ".join(parts)


def apply_corrections(
    crm: HubSpotClient,
    store: Store,
    proposals: Sequence[ProposedCorrection],
    *,
    actor: Actor,
    action: Literal["apply", "undo"] = "apply",
    undoes: Mapping[str, int] | None = None,
    after_write: Callable[[], None] | None = None,
) -> ApplyReport:
    """Write `proposals` to the CRM safely.

    1. conflict check: read each record now; a record whose value differs from what the page showed is
       skipped and logged as a conflict; 2. log every other change as pending; 3. write in batches of 100;
    4. settle each log row as applied or failed (with the message). A crash between 3 and 4 leaves pending
    rows that `settle_pending` resolves on the next start by re-reading the CRM. `after_write` runs between
    3 and 4 (the crash test kills the process there).
    """
    require(actor.role, "correct_ids" if action == "apply" else "undo")
    user = actor.email
    batch_id = new_batch_id()
    if not proposals:
        return ApplyReport(batch_id=batch_id)
    start = crm.requests
    by_type: dict[tuple[str, str], list[ProposedCorrection]] = defaultdict(list)
    for p in proposals:
        by_type[(p.object_type, p.field)].append(p)
    applied: list[str] = []
    failed: list[tuple[str, str]] = []
    conflicts: list[tuple[str, str | None]] = []
    for (object_type, field), group in by_type.items():
        current = crm.read_values(object_type, [p.object_id for p in group], [field])
        ready, clashing = split_conflicts(group, current)
        rows = store.log_pending(
            [_entry(p, user, batch_id, action, undoes) for p in ready]
            + [_entry(p, user, batch_id, action, undoes) for p, _ in clashing]
        )
        row_of = {row.object_id: row for row in rows}
        for p, now_value in clashing:
            store.settle(
                row_of[p.object_id].id,
                "conflict",
                error=f"the CRM now holds {now_value!r}, not {p.before!r} as the page showed; not written",
            )
            conflicts.append((p.object_id, now_value))
        result = crm.update_objects(object_type, {p.object_id: {field: p.after} for p in ready})
        if after_write is not None:
            after_write()
        for p in ready:
            row = row_of[p.object_id]
            if p.object_id in result.written:
                store.settle(row.id, "applied")
                applied.append(p.object_id)
                if undoes and p.object_id in undoes:
                    store.settle(undoes[p.object_id], "undone")
            else:
                message = result.failed.get(p.object_id, "HubSpot did not confirm the write")
                store.settle(row.id, "failed", error=message)
                failed.append((p.object_id, message))
    return ApplyReport(
        batch_id=batch_id,
        applied=tuple(applied),
        failed=tuple(failed),
        conflicts=tuple(conflicts),
        requests=crm.requests - start,
    )


def undo_corrections(
    crm: HubSpotClient, store: Store, correction_ids: Sequence[int], *, actor: Actor
) -> ApplyReport:
    """Restore the before value of applied corrections (same conflict check), logged as an undo batch."""
    require(actor.role, "undo")
    proposals, undoes = _undo_plan(store, correction_ids)
    return apply_corrections(crm, store, proposals, actor=actor, action="undo", undoes=undoes)


def undo_preview(store: Store, correction_ids: Sequence[int]) -> list[ProposedCorrection]:
    """What undoing these corrections would write (applied ones only): before and after swapped."""
    return _undo_plan(store, correction_ids)[0]


def _undo_plan(
    store: Store, correction_ids: Sequence[int]
) -> tuple[list[ProposedCorrection], dict[str, int]]:
    proposals: list[ProposedCorrection] = []
    undoes: dict[str, int] = {}
    for correction_id in correction_ids:
        c = store.correction(correction_id)
        if c.status != "applied" or c.action not in ("apply", "undo"):
            continue
        proposals.append(
            ProposedCorrection(
                object_type=c.object_type,
                object_id=c.object_id,
                field=c.field,
                before=c.after,
                after=c.before,
                finding_key=c.finding_key,
                label=f"undo of correction {c.id}",
            )
        )
        undoes[c.object_id] = c.id
    return proposals, undoes


def undo_batch(crm: HubSpotClient, store: Store, batch_id: str, *, actor: Actor) -> ApplyReport:
    """Undo every applied correction of one batch."""
    return undo_corrections(crm, store, [c.id for c in store.corrections(batch_id=batch_id)], actor=actor)


def settle_pending(crm: HubSpotClient, store: Store) -> int:
    """Resolve log rows left pending by a crash, by reading what the CRM now holds. Returns how many."""
    pending = store.pending()
    by_type: dict[tuple[str, str], list[Correction]] = defaultdict(list)
    for c in pending:
        by_type[(c.object_type, c.field)].append(c)
    for (object_type, field), group in by_type.items():
        current = crm.read_values(object_type, [c.object_id for c in group], [field])
        for c in group:
            now_value = (current.get(c.object_id) or {}).get(field) or None
            if now_value == (c.after or None):
                store.settle(c.id, "applied")
                if c.undoes_id is not None:
                    store.settle(c.undoes_id, "undone")
            elif now_value == (c.before or None):
                store.settle(
                    c.id, "failed", error="the write did not reach the CRM (interrupted); nothing changed"
                )
            else:
                store.settle(
                    c.id, "conflict", error=f"the CRM now holds {now_value!r}, neither value of the log"
                )
    return len(pending)


def _entry(
    p: ProposedCorrection, user: str, batch_id: str, action: str, undoes: Mapping[str, int] | None
) -> NewCorrection:
    return NewCorrection(
        user=user,
        system="hubspot",
        object_type=p.object_type,
        object_id=p.object_id,
        field=p.field,
        before=p.before,
        after=p.after,
        finding_key=p.finding_key,
        batch_id=batch_id,
        action=action,  # type: ignore[arg-type]
        undoes_id=(undoes or {}).get(p.object_id),
    )


# -- from audit findings to corrections ----------------------------------------------------------------


def finding_fix(finding: Finding, raw_ids: Mapping[str, str | None]) -> FindingFix | None:
    """The deal a finding's suggestion is written to, with what it holds now; None when no deal can take it.

    An orphan ERP project names no deal itself: its best-fitting won deal (`candidates[0]`) takes its code.
    """
    if finding.crm_deal_id is not None:
        return FindingFix(
            key=finding.key,
            crm_deal_id=finding.crm_deal_id,
            deal_name=finding.deal_name,
            raw_id=finding.raw_id,
            suggested_id=finding.suggested_id,
            band=finding.band,
        )
    best = finding.candidates[0] if finding.candidates else None
    if finding.kind != "orphan" or best is None or best.crm_deal_id is None:
        return None
    return FindingFix(
        key=finding.key,
        crm_deal_id=best.crm_deal_id,
        deal_name=best.name,
        raw_id=raw_ids.get(best.crm_deal_id),
        suggested_id=finding.suggested_id,
        band=finding.band,
    )


def propose_fixes(
    analysis: Analysis, findings: Iterable[Finding], property_name: str
) -> list[ProposedCorrection]:
    """One deal ID correction per deal for these findings' suggestions (no-op suggestions left out)."""
    raw_ids = _raw_ids(analysis)
    fixes = [fix for fix in (finding_fix(f, raw_ids) for f in findings) if fix is not None]
    return propose_id_fixes(fixes, property_name)


def propose_apply_band(analysis: Analysis, property_name: str) -> list[ProposedCorrection]:
    """The corrections for every suggestion confident enough to apply in bulk (band "apply")."""
    raw_ids = _raw_ids(analysis)
    fixes = [fix for fix in (finding_fix(f, raw_ids) for f in analysis.findings) if fix is not None]
    return propose_id_fixes(apply_band(fixes), property_name)


def propose_manual_id(
    analysis: Analysis, finding: Finding, typed: str, property_name: str
) -> ProposedCorrection:
    """A correction writing an ID a person typed to the finding's deal; InputError saying what to fix."""
    fix = finding_fix(finding, _raw_ids(analysis))
    if finding.crm_deal_id is None or fix is None or fix.crm_deal_id is None:
        raise InputError(
            "this finding is about an ERP project and names no deal to type an ID for; apply its suggestion "
            "if it has one, or accept it"
        )
    erp_ids = erp_codes(analysis)
    try:
        canonical = validate_manual_id(typed, analysis.convention, erp_ids)
    except ValueError as error:
        raise InputError(f"Project ID: {error}") from None
    label = fix.deal_name or f"deal {fix.crm_deal_id}"
    if canonical == fix.raw_id:
        raise InputError(f"Project ID: {label} already holds {canonical}; there is nothing to write")
    return ProposedCorrection(
        object_type=DEALS,
        object_id=fix.crm_deal_id,
        field=property_name,
        before=fix.raw_id,
        after=canonical,
        finding_key=finding.key,
        label=label,
    )


def erp_codes(analysis: Analysis) -> set[str]:
    """The ERP's project codes in canonical form (codes that cannot be normalized left out)."""
    joined = analysis.joined
    return {
        str(code) for code in joined.loc[joined[cols.ERP_RECORD_ID].notna(), cols.ERP_PROJECT_ID].dropna()
    }


def _raw_ids(analysis: Analysis) -> dict[str, str | None]:
    deals = analysis.deals
    return {
        str(deal_id): raw if isinstance(raw, str) and raw else None
        for deal_id, raw in zip(deals[cols.CRM_DEAL_ID], deals[cols.DEAL_RAW_PROJECT_ID], strict=True)
    }


# -- accepting findings ---------------------------------------------------------------------------------


def accept_finding(store: Store, finding_key: str, reason: str, *, actor: Actor) -> AcceptedFinding:
    """Accept a finding as it is, with the reason, so it leaves the open findings (ops and admin only)."""
    require(actor.role, "accept_findings")
    return store.accept(finding_key, reason=reason, user=actor.email)


def unaccept_finding(store: Store, finding_key: str, *, actor: Actor) -> None:
    """Withdraw an acceptance, so the finding shows again (ops and admin only)."""
    require(actor.role, "accept_findings")
    store.unaccept(finding_key, user=actor.email)


# -- the handover: project records for won deals --------------------------------------------------------

NEW_PROJECT_STATUS = "planning"


@dataclass(frozen=True)
class ProjectRecordDraft:
    """The project record a won deal would get (property, value pairs), or why it cannot get one yet."""

    crm_deal_id: str
    deal_name: str
    properties: tuple[tuple[str, str], ...] = ()
    blocked: str | None = None

    @property
    def fields(self) -> dict[str, str]:
        """The properties as a dict."""
        return dict(self.properties)


@dataclass(frozen=True)
class CreateReport:
    """What a project-record creation did, per deal: created (new record id), failed, or skipped."""

    batch_id: str
    created: tuple[tuple[str, str], ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    conflicts: tuple[tuple[str, str], ...] = ()
    """Deals that got a project record since the page read them, with that record's id."""

    @property
    def summary(self) -> str:
        parts = [f"{len(self.created)} project records created"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} skipped because the deal got a project record meanwhile")
        return ", ".join(parts)


def draft_project_records(
    crm: HubSpotClient, analysis: Analysis, crm_snapshot: CrmSnapshot | None, deal_ids: Sequence[str]
) -> list[ProjectRecordDraft]:
    """The project record each deal would get: its context (scope, pricing, contacts, proposal version)
    stamped with its ERP project ID. Reads the deals' line items for the pricing summary."""
    snapshot = crm_snapshot or CrmSnapshot(deals=(), read_at=datetime.now(UTC))
    deals: dict[str, Deal] = {str(d.crm_deal_id): d for d in snapshot.deals}
    linked = analysis.joined[analysis.joined[cols.MATCH] == cols.MATCH_LINKED]
    code_of = {
        str(k): str(v) for k, v in zip(linked[cols.CRM_DEAL_ID], linked[cols.ERP_PROJECT_ID], strict=True)
    }
    record_of_code: dict[str, str] = {}
    for record in snapshot.projects:
        code = normalize_id(record.raw_project_id, analysis.convention).canonical
        if code:
            record_of_code.setdefault(code, record.project_record_id)
    drafts: list[ProjectRecordDraft] = []
    for deal_id in dict.fromkeys(deal_ids):
        deal = deals.get(deal_id)
        name = (deal.name if deal else None) or f"deal {deal_id}"
        reason = _blocked(deal, code_of.get(deal_id), record_of_code)
        drafts.append(ProjectRecordDraft(deal_id, name, blocked=reason))
    ready = [deals[d.crm_deal_id] for d in drafts if d.blocked is None]
    items = crm.read_objects(
        "line_items", [i for d in ready for i in d.line_item_ids], ("name", "quantity", "price", "amount")
    )
    contacts: dict[str, Contact] = {str(x.contact_id): x for x in snapshot.contacts}
    filled: dict[str, tuple[tuple[str, str], ...]] = {
        str(d.crm_deal_id): _project_properties(crm, d, code_of[d.crm_deal_id], items, contacts)
        for d in ready
    }
    return [replace(d, properties=filled[d.crm_deal_id]) if d.blocked is None else d for d in drafts]


def _blocked(deal: Deal | None, code: str | None, record_of_code: Mapping[str, str]) -> str | None:
    if deal is None:
        return "the deal is not in the data read; refresh the page"
    if not deal.is_won:
        return "the deal is not won"
    if deal.project_record_ids:
        return f"the deal already has project record {', '.join(deal.project_record_ids)}"
    if code is None:
        return "its project ID names no ERP project; correct the ID on the ID audit page first"
    if code in record_of_code:
        return (
            f"project record {record_of_code[code]} already carries {code}; associate the deal with it "
            "in HubSpot instead"
        )
    return None


def _project_properties(
    crm: HubSpotClient,
    deal: Deal,
    code: str,
    items: Mapping[str, Mapping[str, Any]],
    contacts: Mapping[str, Contact],
) -> tuple[tuple[str, str], ...]:
    contact = contacts.get(deal.primary_contact_id or "")
    person = None
    if contact is not None:
        person = f"{contact.name} <{contact.email}>" if contact.email else contact.name
    lines = [items[i].get("properties") or {} for i in deal.line_item_ids if i in items]
    values = {
        "project_name": deal.name or f"Deal {deal.crm_deal_id}",
        crm.names.project_record_id: code,
        "project_status": NEW_PROJECT_STATUS,
        "contract_value": str(deal.amount) if deal.amount is not None else None,
        "deal_currency_code": deal.currency,
        "scope_summary": deal.scope_summary,
        "signed_proposal_version": deal.proposal_version,
        "primary_contact": person,
        "pricing_summary": _pricing_summary(lines, deal.currency) if lines else None,
    }
    # HubSpot drops empty values, and the client pairs created records by their properties: leave them out.
    return tuple((k, v) for k, v in values.items() if v)


def _pricing_summary(lines: Sequence[Mapping[str, Any]], currency: str | None) -> str:
    parts, total = [], Decimal(0)
    for line in lines:
        quantity, price = _decimal(line.get("quantity")), _decimal(line.get("price"))
        amount = _decimal(line.get("amount"))
        if amount is None and quantity is not None and price is not None:
            amount = quantity * price
        total += amount or Decimal(0)
        detail = f"{quantity:g} × {price:,.2f}" if quantity is not None and price is not None else "—"
        amount_text = f"{amount:,.2f}" if amount is not None else "—"
        parts.append(f"{line.get('name') or 'line item'}: {detail} = {amount_text}")
    return "; ".join(parts) + f". Total {total:,.2f} {currency or ''}".rstrip()


def _decimal(value: object) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def create_project_records(
    crm: HubSpotClient,
    store: Store,
    drafts: Sequence[ProjectRecordDraft],
    *,
    actor: Actor,
    after_write: Callable[[], None] | None = None,
) -> CreateReport:
    """Create the drafted project records in the CRM, each associated to its deal, and log each outcome.

    Right before writing, each deal's project records are read again: a deal that got one since the page
    read it is skipped as a conflict. The new records are found back through the deals' associations, so a
    record HubSpot created but did not link is reported failed rather than claimed. Blocked drafts are
    ignored. The log rows are written after the create (a new record has no id before it).
    """
    require(actor.role, "create_project_records")
    batch_id = new_batch_id()
    ready = [d for d in drafts if d.blocked is None]
    if not ready:
        return CreateReport(batch_id=batch_id)
    object_type = crm.names.project_object_type
    existing = crm.read_associations("deals", object_type, [d.crm_deal_id for d in ready])
    clashing = [d for d in ready if existing.get(d.crm_deal_id)]
    to_create = [d for d in ready if not existing.get(d.crm_deal_id)]
    made, errors = _create(crm, object_type, to_create)
    if after_write is not None:
        after_write()
    links = crm.read_associations("deals", object_type, [d.crm_deal_id for d in to_create]) if made else {}
    outcomes: list[tuple[ProjectRecordDraft, str, SettledStatus, str | None]] = []
    for d in clashing:
        record = ", ".join(target for target, _ in existing[d.crm_deal_id])
        error = f"the deal got project record {record} since the page read it; nothing created"
        outcomes.append((d, record, "conflict", error))
    for d in to_create:
        new = [target for target, _ in links.get(d.crm_deal_id, []) if target in made]
        if new:
            outcomes.append((d, new[0], "applied", None))
        else:
            error = errors.get(d.crm_deal_id) or (
                "HubSpot did not confirm the new record and its link to the deal; "
                "check the deal's project records in HubSpot"
            )
            outcomes.append((d, f"deal:{d.crm_deal_id}", "failed", error))
    _log_creates(store, actor, batch_id, object_type, outcomes)
    return CreateReport(
        batch_id=batch_id,
        created=tuple((d.crm_deal_id, r) for d, r, s, _ in outcomes if s == "applied"),
        failed=tuple((d.crm_deal_id, e or "") for d, _, s, e in outcomes if s == "failed"),
        conflicts=tuple((d.crm_deal_id, r) for d, r, s, _ in outcomes if s == "conflict"),
    )


def _log_creates(
    store: Store,
    actor: Actor,
    batch_id: str,
    object_type: str,
    outcomes: Sequence[tuple[ProjectRecordDraft, str, SettledStatus, str | None]],
) -> None:
    """One settled log row per deal; a store failure says which records HubSpot has all the same."""
    entries = [
        NewCorrection(
            user=actor.email,
            system="hubspot",
            object_type=object_type,
            object_id=record,
            field="record",
            before=None,
            after=json.dumps({"deal": d.crm_deal_id, **d.fields}, ensure_ascii=False),
            finding_key=None,
            batch_id=batch_id,
            action="create",
        )
        for d, record, _, _ in outcomes
    ]
    try:
        rows = store.log_pending(entries)
        for row, (_, _, status, message) in zip(rows, outcomes, strict=True):
            store.settle(row.id, status, error=message)
    except ThroughlineError as error:
        made = ", ".join(record for _, record, status, _ in outcomes if status == "applied") or "none"
        raise ThroughlineError(
            f"HubSpot has the new project records ({made}), but the corrections log could not record "
            f"them: {explain(error)}"
        ) from None


def _create(
    crm: HubSpotClient, object_type: str, drafts: Sequence[ProjectRecordDraft]
) -> tuple[set[str], dict[str, str]]:
    """Create records; the new ids, and per deal the error of a record HubSpot did not create."""
    result = crm.create_objects(object_type, [(d.crm_deal_id, d.fields, d.crm_deal_id) for d in drafts])
    return {str(w["id"]) for w in result.written.values()}, dict(result.failed)


# -- the correction log ---------------------------------------------------------------------------------

LOG_COLUMNS = (
    "id", "created_at", "user", "action", "status", "object_type", "object_id", "field", "before", "after",
    "error", "batch_id", "undoes_id", "settled_at",
)  # fmt: skip


def correction_log(
    store: Store,
    *,
    user: str | None = None,
    status: str | None = None,
    object_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """The correction log as a frame of LOG_COLUMNS, newest first; `since` and `until` days are included."""
    rows = store.corrections(
        user=user or None,
        status=status or None,
        object_id=(object_id or "").strip() or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
    )
    return pd.DataFrame([row.model_dump() for row in rows], columns=list(LOG_COLUMNS))
