"""The write side: corrections, undo, accepted findings and project records, each logged outbox-style.

Every write follows the same protocol, kept because it holds under crashes and timeouts:
1. conflict check: each record is read now; one whose value differs from what the page showed is skipped
   and logged as a conflict (nobody's edit is overwritten);
2. log: every other change is written to the correction log as pending, before anything leaves;
3. write: in batches (the CRM adapter maps the domain field to the portal's property);
4. settle: each log row becomes applied, failed (with the CRM's message) or, when the CRM did not answer
   (a timeout after sending), is settled by reading the record back, as `settle_pending` does for rows a
   crash left pending at the next start.
Each use case checks the actor's role first (dashboard/roles.py) and logs what it did (`write.*` events).
The proposals come from the pure core (dashboard/transforms/corrections.py, project_records.py).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

import pandas as pd

from dashboard.roles import Actor, require
from dashboard.transforms.corrections import ProposedCorrection, by_field, reversed_proposal, split_conflicts
from dashboard.transforms.ids import IdConvention
from dashboard.transforms.project_records import ProjectRecordDraft, draft_project_records, linked_codes
from services import log
from services.crm import CrmClient
from services.erp import ErpClient
from services.errors import InputError, ThroughlineError, explain
from services.models import Contact, CrmField, CrmSnapshot, Deal, LineItem, NewProjectRecord
from services.store import AcceptedFinding, Correction, NewCorrection, SettledStatus, Store

_log = log.get("dashboard.writeback")
PROJECT_RECORD = "project_record"
ERP_PROJECT = "erp_project"
"""Log rows of ERP projects the Closed Won workflow created (dashboard/closed_won.py); `after` holds the
project's name, customer and, once made, its ERP record id (`ERP_RECORD_KEY`)."""
ERP_RECORD_KEY = "erp_record_id"
RECORD_FIELD = "record"


def new_batch_id() -> str:
    """A fresh id for one batch of writes."""
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class ApplyReport:
    """What a write-back did, per record: applied, failed (with the CRM's message) or skipped as conflict."""

    batch_id: str
    applied: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    conflicts: tuple[tuple[str, str | None], ...] = ()
    requests: int = 0

    @property
    def summary(self) -> str:
        """ "3 applied, 1 failed" in words."""
        parts = [f"{len(self.applied)} applied"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.conflicts:
            parts.append(
                f"{len(self.conflicts)} skipped because someone changed them since the page read them"
            )
        return ", ".join(parts)


# -- deal ID corrections ---------------------------------------------------------------------------------


def apply_corrections(
    crm: CrmClient,
    store: Store,
    proposals: Sequence[ProposedCorrection],
    *,
    actor: Actor,
    action: Literal["apply", "undo"] = "apply",
    undoes: Mapping[str, int] | None = None,
    after_write: Callable[[], None] | None = None,
) -> ApplyReport:
    """Write `proposals` to the CRM by the protocol in the module docstring. `after_write` runs between the
    write and the settling (the crash test kills the process there)."""
    require(actor.role, "correct_ids" if action == "apply" else "undo")
    batch_id = new_batch_id()
    if not proposals:
        return ApplyReport(batch_id=batch_id)
    start = crm.requests
    applied: list[str] = []
    failed: list[tuple[str, str]] = []
    conflicts: list[tuple[str, str | None]] = []
    for field, group in by_field(proposals).items():
        current = crm.read_field(field, [p.record_id for p in group])
        ready, clashing = split_conflicts(group, current)
        rows = store.log_pending(
            [_entry(p, actor.email, batch_id, action, undoes) for p in [*ready, *(p for p, _ in clashing)]]
        )
        row_of = {row.object_id: row for row in rows}
        for p, now_value in clashing:
            why = f"the CRM now holds {now_value!r}, not {p.before!r} as the page showed; not written"
            store.settle(row_of[p.record_id].id, "conflict", error=why)
            conflicts.append((p.record_id, now_value))
        result = crm.write_field(field, {p.record_id: p.after for p in ready})
        if after_write is not None:
            after_write()
        unknown = [p for p in ready if p.record_id in result.unknown]
        read_back = crm.read_field(field, [p.record_id for p in unknown]) if unknown else {}
        for p in ready:
            row = row_of[p.record_id]
            status: SettledStatus
            message: str | None
            if p.record_id in result.written:
                status, message = "applied", None
            elif p.record_id in result.unknown:
                status, message = _settled_by_reading(row, read_back)
            else:
                status, message = (
                    "failed",
                    result.failed.get(p.record_id, "the CRM did not confirm the write"),
                )
            store.settle(row.id, status, error=message)
            if status == "applied":
                applied.append(p.record_id)
                if undoes and p.record_id in undoes:
                    store.settle(undoes[p.record_id], "undone")
            elif status == "conflict":
                conflicts.append((p.record_id, read_back.get(p.record_id)))
            else:
                failed.append((p.record_id, message or "failed"))
    report = ApplyReport(
        batch_id=batch_id,
        applied=tuple(applied),
        failed=tuple(failed),
        conflicts=tuple(conflicts),
        requests=crm.requests - start,
    )
    _log.info(
        f"write.{action}",
        actor=actor.email,
        batch_id=batch_id,
        system=crm.label,
        records=len(proposals),
        applied=list(report.applied),
        failed=[record for record, _ in report.failed],
        conflicts=[record for record, _ in report.conflicts],
    )
    return report


def _settled_by_reading(
    row: Correction, now_values: Mapping[str, str | None]
) -> tuple[SettledStatus, str | None]:
    """A write whose outcome the CRM did not tell, settled by what the record holds now."""
    now_value = now_values.get(row.object_id)
    if (now_value or None) == (row.after or None):
        return "applied", None
    if (now_value or None) == (row.before or None):
        return "failed", "the CRM did not answer in time and the record was not changed; try again"
    return "conflict", f"the CRM now holds {now_value!r}, neither value of the log"


def undo_corrections(
    crm: CrmClient,
    store: Store,
    correction_ids: Sequence[int],
    *,
    actor: Actor,
    erp: ErpClient | None = None,
) -> ApplyReport:
    """Restore the before value of applied corrections (same conflict check), logged as an undo batch; an
    applied project-record creation is undone by archiving the record, an ERP project's creation (the Closed
    Won workflow's) by archiving the project in `erp` (without it, such rows are reported as not undone)."""
    require(actor.role, "undo")
    rows = [store.correction(i) for i in correction_ids]
    applied_creates = [r for r in rows if r.action == "create" and r.status == "applied"]
    creates = [r for r in applied_creates if r.object_type == PROJECT_RECORD]
    erp_creates = [r for r in applied_creates if r.object_type == ERP_PROJECT]
    proposals, undoes = _undo_plan(rows)
    report = apply_corrections(crm, store, proposals, actor=actor, action="undo", undoes=undoes)
    parts = [report]
    if creates:
        parts.append(archive_project_records(crm, store, creates, actor=actor, batch_id=report.batch_id))
    if erp_creates and erp is None:
        why = "undoing an ERP project needs the ERP; undo it with its Closed Won run"
        parts.append(ApplyReport(report.batch_id, failed=tuple((r.object_id, why) for r in erp_creates)))
    elif erp_creates and erp is not None:
        parts.append(archive_erp_projects(erp, store, erp_creates, actor=actor, batch_id=report.batch_id))
    return ApplyReport(
        batch_id=report.batch_id,
        applied=tuple(a for part in parts for a in part.applied),
        failed=tuple(f for part in parts for f in part.failed),
        conflicts=report.conflicts,
        requests=sum(part.requests for part in parts),
    )


def undo_preview(store: Store, correction_ids: Sequence[int]) -> list[ProposedCorrection]:
    """What undoing these corrections would write (applied ones only): before and after swapped."""
    return _undo_plan([store.correction(i) for i in correction_ids])[0]


def undo_batch(
    crm: CrmClient, store: Store, batch_id: str, *, actor: Actor, erp: ErpClient | None = None
) -> ApplyReport:
    """Undo every applied correction of one batch."""
    ids = [r.id for r in store.corrections(batch_id=batch_id)]
    return undo_corrections(crm, store, ids, actor=actor, erp=erp)


def _undo_plan(rows: Sequence[Correction]) -> tuple[list[ProposedCorrection], dict[str, int]]:
    proposals: list[ProposedCorrection] = []
    undoes: dict[str, int] = {}
    for row in rows:
        if row.status != "applied" or row.action not in ("apply", "undo"):
            continue
        field = _crm_field(row)
        if field is None:
            continue
        label = row.label or f"{row.object_type} {row.object_id}"
        proposals.append(
            reversed_proposal(
                field, row.object_id, row.before, row.after, f"undo of {label}", row.finding_key
            )
        )
        undoes[row.object_id] = row.id
    return proposals, undoes


def _crm_field(row: Correction) -> CrmField | None:
    """The domain field a log row wrote, when it is one corrections write."""
    name = f"{row.object_type}.{row.field}"
    return "deal.project_id" if name == "deal.project_id" else None


def settle_pending(crm: CrmClient, store: Store) -> int:
    """Resolve log rows left pending by a crash, by reading what the CRM now holds. Returns how many."""
    pending = store.pending()
    groups: dict[CrmField, list[Correction]] = {}
    for row in pending:
        field = _crm_field(row)
        if field is not None:
            groups.setdefault(field, []).append(row)
    for field, group in groups.items():
        current = crm.read_field(field, [r.object_id for r in group])
        for row in group:
            status, message = _settled_by_reading(row, current)
            if status == "failed":
                message = "the write did not reach the CRM (interrupted); nothing changed"
            store.settle(row.id, status, error=message)
            if status == "applied" and row.undoes_id is not None:
                store.settle(row.undoes_id, "undone")
            _log.info("write.settle", correction=row.id, status=status, batch_id=row.batch_id)
    return len(pending)


def _entry(
    p: ProposedCorrection, user: str, batch_id: str, action: str, undoes: Mapping[str, int] | None
) -> NewCorrection:
    return NewCorrection(
        user=user,
        system="hubspot",
        object_type=p.record_type,
        object_id=p.record_id,
        field=p.field_name,
        before=p.before,
        after=p.after,
        finding_key=p.finding_key,
        batch_id=batch_id,
        action="undo" if action == "undo" else "apply",
        undoes_id=(undoes or {}).get(p.record_id),
        label=p.label,
    )


# -- accepting findings ---------------------------------------------------------------------------------


def accept_finding(store: Store, finding_key: str, reason: str, *, actor: Actor) -> AcceptedFinding:
    """Accept a finding as it is, with the reason, so it leaves the open findings (ops and admin only)."""
    require(actor.role, "accept_findings")
    accepted = store.accept(finding_key, reason=reason, user=actor.email)
    _log.info("finding.accept", actor=actor.email, finding=finding_key, reason=reason)
    return accepted


def unaccept_finding(store: Store, finding_key: str, *, actor: Actor) -> None:
    """Withdraw an acceptance, so the finding shows again (ops and admin only)."""
    require(actor.role, "accept_findings")
    store.unaccept(finding_key, user=actor.email)
    _log.info("finding.unaccept", actor=actor.email, finding=finding_key)


# -- the handover: project records for won deals --------------------------------------------------------


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
        """ "2 project records created, 1 failed" in words."""
        parts = [f"{len(self.created)} project records created"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.conflicts:
            parts.append(f"{len(self.conflicts)} skipped because the deal got a project record meanwhile")
        return ", ".join(parts)


def draft_records(
    crm: CrmClient,
    crm_snapshot: CrmSnapshot | None,
    joined: pd.DataFrame,
    convention: IdConvention,
    deal_ids: Sequence[str],
) -> list[ProjectRecordDraft]:
    """The project record each deal would get; reads the deals' line items for the pricing summary."""
    snapshot = crm_snapshot or CrmSnapshot(deals=(), read_at=datetime.now(UTC))
    deals: dict[str, Deal] = {d.crm_deal_id: d for d in snapshot.deals}
    wanted = [deals[i] for i in deal_ids if i in deals]
    fetched = crm.fetch_line_items([x for d in wanted for x in d.line_item_ids])
    items: dict[str, LineItem] = {i.line_item_id: i for i in fetched}
    contacts: dict[str, Contact] = {x.contact_id: x for x in snapshot.contacts}
    return draft_project_records(
        deal_ids, deals, linked_codes(joined), snapshot.projects, convention, items, contacts
    )


def create_project_records(
    crm: CrmClient,
    store: Store,
    drafts: Sequence[ProjectRecordDraft],
    *,
    actor: Actor,
    after_write: Callable[[], None] | None = None,
) -> CreateReport:
    """Create the drafted project records in the CRM, each associated to its deal, and log each outcome.

    Right before writing, each deal's project records are read again: a deal that got one since the page
    read it is skipped as a conflict. The new records are found back through the deals' associations, so a
    record the CRM created but did not link is reported failed rather than claimed. Blocked drafts are
    ignored. The log rows are written after the create (a new record has no id before it).
    """
    require(actor.role, "create_project_records")
    batch_id = new_batch_id()
    ready = [d for d in drafts if d.record is not None and d.blocked is None]
    if not ready:
        return CreateReport(batch_id=batch_id)
    existing = crm.project_records_of([d.crm_deal_id for d in ready])
    clashing = [d for d in ready if existing.get(d.crm_deal_id)]
    to_create = [d for d in ready if not existing.get(d.crm_deal_id)]
    result = crm.create_project_records([d.record for d in to_create if d.record is not None])
    if after_write is not None:
        after_write()
    made = {str(w["id"]) for w in result.written.values()}
    links = crm.project_records_of([d.crm_deal_id for d in to_create]) if to_create else {}
    outcomes: list[tuple[ProjectRecordDraft, str, SettledStatus, str | None]] = []
    for d in clashing:
        record = ", ".join(existing[d.crm_deal_id])
        error = f"the deal got project record {record} since the page read it; nothing created"
        outcomes.append((d, record, "conflict", error))
    for d in to_create:
        new = [
            target
            for target in links.get(d.crm_deal_id, [])
            if target in made or d.crm_deal_id in result.unknown
        ]
        if new:
            outcomes.append((d, new[0], "applied", None))
        else:
            error = result.failed.get(d.crm_deal_id) or (
                "the CRM did not confirm the new record and its link to the deal; check the deal's project "
                "records in the CRM"
            )
            outcomes.append((d, f"deal:{d.crm_deal_id}", "failed", error))
    _log_creates(store, actor, batch_id, outcomes)
    report = CreateReport(
        batch_id=batch_id,
        created=tuple((d.crm_deal_id, r) for d, r, s, _ in outcomes if s == "applied"),
        failed=tuple((d.crm_deal_id, e or "") for d, _, s, e in outcomes if s == "failed"),
        conflicts=tuple((d.crm_deal_id, r) for d, r, s, _ in outcomes if s == "conflict"),
    )
    _log.info(
        "write.create",
        actor=actor.email,
        batch_id=batch_id,
        system=crm.label,
        records=len(ready),
        created=[record for _, record in report.created],
        failed=[deal for deal, _ in report.failed],
        conflicts=[deal for deal, _ in report.conflicts],
    )
    return report


def _record_json(record: NewProjectRecord | None, deal_id: str) -> str:
    values = record.model_dump(mode="json", exclude_none=True) if record else {"crm_deal_id": deal_id}
    return json.dumps(values, ensure_ascii=False)


def _log_creates(
    store: Store,
    actor: Actor,
    batch_id: str,
    outcomes: Sequence[tuple[ProjectRecordDraft, str, SettledStatus, str | None]],
) -> None:
    """One settled log row per deal; a store failure says which records the CRM has all the same."""
    entries = [
        NewCorrection(
            user=actor.email,
            system="hubspot",
            object_type=PROJECT_RECORD,
            object_id=record,
            field=RECORD_FIELD,
            before=None,
            after=_record_json(d.record, d.crm_deal_id),
            finding_key=None,
            batch_id=batch_id,
            action="create",
            label=d.deal_name,
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
            f"the CRM has the new project records ({made}), but the corrections log could not record "
            f"them: {explain(error)}"
        ) from None


def archive_project_records(
    crm: CrmClient, store: Store, creates: Sequence[Correction], *, actor: Actor, batch_id: str
) -> ApplyReport:
    """Undo project-record creations: archive each record, log it as an undo of its create."""
    rows = store.log_pending(
        [
            NewCorrection(
                user=actor.email,
                system=row.system,
                object_type=row.object_type,
                object_id=row.object_id,
                field=RECORD_FIELD,
                before=row.after,
                after=None,
                finding_key=None,
                batch_id=batch_id,
                action="undo",
                undoes_id=row.id,
                label=row.label,
            )
            for row in creates
        ]
    )
    start = crm.requests
    result = crm.archive_project_records([row.object_id for row in creates])
    applied: list[str] = []
    failed: list[tuple[str, str]] = []
    for row, created in zip(rows, creates, strict=True):
        if row.object_id in result.written:
            store.settle(row.id, "applied")
            store.settle(created.id, "undone")
            applied.append(row.object_id)
        else:
            message = result.failed.get(row.object_id) or result.unknown.get(row.object_id) or "not archived"
            store.settle(row.id, "failed", error=message)
            failed.append((row.object_id, message))
    _log.info(
        "write.undo", actor=actor.email, batch_id=batch_id, archived=applied, failed=[r for r, _ in failed]
    )
    return ApplyReport(
        batch_id=batch_id, applied=tuple(applied), failed=tuple(failed), requests=crm.requests - start
    )


def erp_record_of(row: Correction) -> str | None:
    """The ERP record id an ERP-project creation's log row holds (in its after-value, once settled)."""
    try:
        value = json.loads(row.after or "{}").get(ERP_RECORD_KEY)
    except (ValueError, AttributeError):
        return None
    return str(value) if value else None


def archive_erp_projects(
    erp: ErpClient, store: Store, creates: Sequence[Correction], *, actor: Actor, batch_id: str
) -> ApplyReport:
    """Undo ERP-project creations: archive each project, logged as an undo of its create."""
    rows = store.log_pending(
        [
            NewCorrection(
                user=actor.email, system=row.system, object_type=row.object_type, object_id=row.object_id,
                field=RECORD_FIELD, before=row.after, after=None, finding_key=None, batch_id=batch_id,
                action="undo", undoes_id=row.id, label=row.label,
            )
            for row in creates
        ]
    )  # fmt: skip
    start = erp.requests
    applied: list[str] = []
    failed: list[tuple[str, str]] = []
    for row, created in zip(rows, creates, strict=True):
        record = erp_record_of(created)
        try:
            if record is None:
                raise InputError(f"the log does not say which {erp.label} record {created.object_id} is")
            erp.archive_project(record)
        except ThroughlineError as error:
            store.settle(row.id, "failed", error=explain(error))
            failed.append((row.object_id, explain(error)))
            continue
        store.settle(row.id, "applied")
        store.settle(created.id, "undone")
        applied.append(row.object_id)
    _log.info("write.undo", actor=actor.email, batch_id=batch_id, system=erp.label, archived=applied,
              failed=[r for r, _ in failed])  # fmt: skip
    return ApplyReport(
        batch_id=batch_id, applied=tuple(applied), failed=tuple(failed), requests=erp.requests - start
    )


# -- the correction log ---------------------------------------------------------------------------------


def correction_log(
    store: Store,
    *,
    user: str | None = None,
    status: str | None = None,
    object_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """The correction log as a frame (one column per field of a log row), newest first; `since` and `until`
    days included."""
    if since and until and since > until:
        raise InputError("the log's 'from' day is after its 'to' day; swap them")
    rows = store.corrections(
        user=user or None,
        status=status or None,
        object_id=(object_id or "").strip() or None,
        since=datetime.combine(since, time(), UTC) if since else None,
        until=datetime.combine(until + timedelta(days=1), time(), UTC) if until else None,
    )
    return pd.DataFrame([row.model_dump() for row in rows], columns=list(Correction.model_fields))
