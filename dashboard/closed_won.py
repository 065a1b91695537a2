"""Closed Won: a won deal gets the next project ID, the ERP project, the CRM project record and the ID on the
deal, each write logged with its undo, and a retry completes what failed without doing anything twice.

The steps, in order (each skipped when the deal's run says it is done; services/store/closed_won.py):
1. the project ID: the next canonical one above every ID the ERP, the CRM (deals and project records) and
   earlier runs hold (`next_project_id`), reserved in the store, where a unique row per deal and per ID
   settles a race between two requests;
2. the ERP project carrying the ID (`ErpClient.create_project`, which returns an existing project with that
   ID instead of making a second: so a create whose answer was lost is found, not repeated), logged
   pending before the write and settled after, like every write-back;
3. the CRM project record, drafted from the deal as the Handover page drafts it and created by its use case
   (dashboard/writeback.py `create_project_records`: associated to the deal, logged); a record the deal got
   meanwhile (an earlier attempt whose answer was lost) is taken as the deal's, not doubled;
4. the ID on the deal's project-ID property (writeback's `apply_corrections`: conflict check, pending log
   row, write, settle). A deal that holds another ID by then is left alone and reported.
A step that fails stops the run (a project record or ID must not point at an ERP project that is not there);
the report says which step failed and why, and the same request later resumes at that step.

Undo (`undo_closed_won`) restores the deal's property, archives the project record (writeback's undo) and
archives the ERP project, each logged as an undo of its write; the ID stays reserved, never given again.
Deals that already carry a project ID, or are not won, are refused with nothing written; a run that is over
(done or undone) is answered from the store alone, with no request to either system.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from dashboard.roles import Actor, require
from dashboard.transforms.corrections import ProposedCorrection
from dashboard.transforms.ids import IdConvention, convention_from_pattern, infer_convention, next_project_id
from dashboard.transforms.project_records import draft_project_records
from dashboard.writeback import (
    ERP_PROJECT,
    ERP_RECORD_KEY,
    apply_corrections,
    create_project_records,
    new_batch_id,
    undo_corrections,
)
from services import log
from services.crm import CrmClient
from services.erp import ErpClient
from services.errors import ThroughlineError, explain
from services.models import Contact, CrmSnapshot, Deal, ErpSnapshot, LineItem
from services.store import ClosedWon, Correction, NewCorrection, Store

_log = log.get("dashboard.closed_won")
StepName = Literal["project_id", "erp_project", "project_record", "deal_property"]
Outcome = Literal["done", "already", "failed", "not_reached"]
STEPS: tuple[StepName, ...] = ("project_id", "erp_project", "project_record", "deal_property")


@dataclass(frozen=True)
class Step:
    """One step of a run: done now, already done by an earlier request, failed (why), or not reached."""

    name: StepName
    outcome: Outcome
    detail: str = ""


@dataclass(frozen=True)
class ClosedWonReport:
    """What one request did for a deal; `refused` when nothing was to be done (and nothing was written)."""

    crm_deal_id: str
    project_id: str | None = None
    erp_record_id: str | None = None
    project_record_id: str | None = None
    steps: tuple[Step, ...] = ()
    refused: str | None = None

    @property
    def complete(self) -> bool:
        """Every step done, now or before."""
        return self.refused is None and all(s.outcome in ("done", "already") for s in self.steps)

    @property
    def changed(self) -> bool:
        """Whether this request wrote anything."""
        return any(s.outcome == "done" for s in self.steps)

    @property
    def message(self) -> str:
        """What happened, in words, for the workflow's history and the log."""
        if self.refused:
            return self.refused
        failed = [s for s in self.steps if s.outcome == "failed"]
        if failed:
            what = failed[0].name.replace("_", " ")
            return f"{what} failed: {failed[0].detail}; run the action again to complete"
        if not self.changed:
            return f"already done: {self.project_id} (nothing written)"
        return f"{self.project_id}: " + "; ".join(s.detail for s in self.steps if s.outcome == "done")


def id_convention(id_pattern: str | None, erp: ErpSnapshot | None) -> IdConvention:
    """The ID convention as the analysis takes it: the pattern setting, else the ERP's own codes' shape."""
    if id_pattern:
        return convention_from_pattern(id_pattern)
    raw = [p.erp_project_id for p in erp.projects] if erp is not None else []
    return infer_convention(raw, fallback=IdConvention())


def taken_ids(crm: CrmSnapshot, erp: ErpSnapshot) -> list[str | None]:
    """Every project ID either system holds, as written (deals, project records, ERP projects)."""
    return [
        *(d.raw_project_id for d in crm.deals),
        *(r.raw_project_id for r in crm.projects),
        *(p.erp_project_id for p in erp.projects),
    ]


def settled_report(run: ClosedWon | None) -> ClosedWonReport | None:
    """The answer for a run that is over (done, or undone), which needs no read; None when there is work."""
    if run is None or run.status == "started":
        return None
    if run.status == "undone":
        why = f"the Closed Won run of this deal ({run.project_id}) was undone; nothing is created again"
        return ClosedWonReport(run.crm_deal_id, run.project_id, refused=why)
    steps = tuple(Step(name, "already") for name in STEPS)
    return ClosedWonReport(run.crm_deal_id, run.project_id, run.erp_record_id, run.project_record_id, steps)


def run_closed_won(
    crm: CrmClient,
    erp: ErpClient,
    store: Store,
    deal_id: str,
    *,
    crm_snapshot: CrmSnapshot,
    erp_snapshot: ErpSnapshot,
    convention: IdConvention,
    actor: Actor,
    project_name: str | None = None,
) -> ClosedWonReport:
    """Complete the deal's Closed Won run (module docstring); snapshots read just before, for the deal and the
    IDs taken. `project_name` names the ERP project and the project record instead of the deal's name."""
    require(actor.role, "create_project_records")
    require(actor.role, "correct_ids")
    deal = next((d for d in crm_snapshot.deals if d.crm_deal_id == deal_id), None)
    run = store.closed_won(deal_id)
    settled = settled_report(run)
    if settled is not None:
        return settled
    if run is None:
        refused = _refusal(deal, deal_id)
        if refused is not None:
            return ClosedWonReport(deal_id, refused=refused)
        taken = [*taken_ids(crm_snapshot, erp_snapshot), *store.reserved_project_ids()]
        run = _reserve(store, deal_id, taken, convention)
        steps = [Step("project_id", "done", f"project ID {run.project_id} reserved")]
    else:
        steps = [Step("project_id", "already", run.project_id)]
    if deal is None:
        steps.append(Step("erp_project", "failed", f"HubSpot has no deal {deal_id} in the data read"))
        return _finish(store, run, steps)
    if project_name and project_name.strip():
        deal = deal.model_copy(update={"name": project_name.strip()})
    for step in (_erp_step, _record_step, _property_step):
        outcome, run = step(crm, erp, store, deal, run, crm_snapshot, convention, actor)
        steps.append(outcome)
        if outcome.outcome == "failed":
            break
    return _finish(store, run, steps)


def _refusal(deal: Deal | None, deal_id: str) -> str | None:
    if deal is None:
        return f"HubSpot has no deal {deal_id}; check the workflow's object"
    if not deal.is_won:
        return f"the deal is not won (stage {deal.stage_label or deal.stage}); nothing created"
    if (deal.raw_project_id or "").strip():
        return f"the deal already carries project ID {deal.raw_project_id!r}; nothing created"
    return None


def _reserve(store: Store, deal_id: str, taken: list[str | None], convention: IdConvention) -> ClosedWon:
    """The next free ID reserved for the deal (a later one when another run took it meanwhile)."""
    for _ in range(20):
        candidate = next_project_id(taken, convention)
        run = store.reserve_project_id(deal_id, candidate)
        if run is not None:
            return run
        existing = store.closed_won(deal_id)
        if existing is not None:  # another request for this deal reserved first
            return existing
        taken.append(candidate)
    raise ThroughlineError("could not reserve a free project ID after 20 tries; try again")


def _erp_step(
    crm: CrmClient, erp: ErpClient, store: Store, deal: Deal, run: ClosedWon,
    snapshot: CrmSnapshot, convention: IdConvention, actor: Actor,
) -> tuple[Step, ClosedWon]:  # fmt: skip
    if run.erp_record_id is not None:
        return Step("erp_project", "already", f"{erp.label} record {run.erp_record_id}"), run
    values = {"name": _project_name(deal), "customer": _customer(deal, snapshot)}
    (row,) = store.log_pending(
        [
            NewCorrection(
                user=actor.email, system=erp.label.lower(), object_type=ERP_PROJECT, object_id=run.project_id,
                field="record", after=json.dumps(values, ensure_ascii=False), batch_id=new_batch_id(),
                action="create", label=deal.name,
            )
        ]
    )  # fmt: skip
    try:
        made = erp.create_project(run.project_id, values["name"] or run.project_id, values["customer"])
    except ThroughlineError as error:
        store.settle(row.id, "failed", error=explain(error))
        return Step("erp_project", "failed", explain(error)), run
    found = "" if made.created else " (found: made by an earlier attempt)"
    settled = json.dumps(values | {ERP_RECORD_KEY: made.erp_record_id}, ensure_ascii=False)
    store.settle(row.id, "applied", error=found.strip(" ()") or None, after=settled)
    run = store.update_closed_won(deal.crm_deal_id, erp_record_id=made.erp_record_id)
    return Step("erp_project", "done", f"{erp.label} project {made.erp_record_id} created{found}"), run


def _record_step(
    crm: CrmClient, erp: ErpClient, store: Store, deal: Deal, run: ClosedWon,
    snapshot: CrmSnapshot, convention: IdConvention, actor: Actor,
) -> tuple[Step, ClosedWon]:  # fmt: skip
    if run.project_record_id is not None:
        return Step("project_record", "already", f"project record {run.project_record_id}"), run
    try:
        existing = crm.project_records_of([deal.crm_deal_id]).get(deal.crm_deal_id)
        if existing:
            run = store.update_closed_won(deal.crm_deal_id, project_record_id=existing[0])
            return Step("project_record", "already", f"the deal has project record {existing[0]}"), run
        items: dict[str, LineItem] = {i.line_item_id: i for i in crm.fetch_line_items(deal.line_item_ids)}
        contacts: dict[str, Contact] = {c.contact_id: c for c in snapshot.contacts}
        fresh = deal.model_copy(update={"project_record_ids": ()})
        (draft,) = draft_project_records(
            [deal.crm_deal_id], {deal.crm_deal_id: fresh}, {deal.crm_deal_id: run.project_id},
            snapshot.projects, convention, items, contacts,
        )  # fmt: skip
        if draft.blocked is not None:
            return Step("project_record", "failed", draft.blocked), run
        report = create_project_records(crm, store, [draft], actor=actor)
    except ThroughlineError as error:
        return Step("project_record", "failed", explain(error)), run
    made = report.created or report.conflicts
    if not made:
        reason = report.failed[0][1] if report.failed else "the CRM did not confirm the record"
        return Step("project_record", "failed", reason), run
    record = made[0][1]
    run = store.update_closed_won(deal.crm_deal_id, project_record_id=record)
    if report.conflicts:
        return Step("project_record", "already", f"the deal got project record {record} meanwhile"), run
    return Step("project_record", "done", f"project record {record} created"), run


def _property_step(
    crm: CrmClient, erp: ErpClient, store: Store, deal: Deal, run: ClosedWon,
    snapshot: CrmSnapshot, convention: IdConvention, actor: Actor,
) -> tuple[Step, ClosedWon]:  # fmt: skip
    try:
        current = crm.read_field("deal.project_id", [deal.crm_deal_id]).get(deal.crm_deal_id)
        if current == run.project_id:
            return Step("deal_property", "already", f"the deal carries {run.project_id}"), run
        if current:
            why = f"the deal now holds project ID {current!r}, written by someone else; not overwritten"
            return Step("deal_property", "failed", why), run
        proposal = ProposedCorrection(
            "deal.project_id", deal.crm_deal_id, None, run.project_id, None, deal.name or deal.crm_deal_id
        )
        report = apply_corrections(crm, store, [proposal], actor=actor)
    except ThroughlineError as error:
        return Step("deal_property", "failed", explain(error)), run
    if report.applied:
        return Step("deal_property", "done", f"the deal's project ID set to {run.project_id}"), run
    reason = (report.failed or [("", "the CRM did not confirm the write")])[0][1]
    if report.conflicts:
        reason = f"the deal now holds {report.conflicts[0][1]!r}, written by someone else; not overwritten"
    return Step("deal_property", "failed", reason), run


def _finish(store: Store, run: ClosedWon, steps: list[Step]) -> ClosedWonReport:
    reached = {s.name for s in steps}
    steps += [Step(name, "not_reached") for name in STEPS if name not in reached]
    failed = next((s for s in steps if s.outcome == "failed"), None)
    run = store.update_closed_won(
        run.crm_deal_id, status="started" if failed else "done", error=failed.detail if failed else None
    )
    report = ClosedWonReport(
        run.crm_deal_id, run.project_id, run.erp_record_id, run.project_record_id, tuple(steps)
    )
    _log.info(
        "closed_won.run",
        deal=run.crm_deal_id,
        project_id=run.project_id,
        steps={s.name: s.outcome for s in steps},
        complete=report.complete,
    )
    return report


def _project_name(deal: Deal) -> str:
    return (deal.name or f"Deal {deal.crm_deal_id}").strip()


def _customer(deal: Deal, snapshot: CrmSnapshot) -> str | None:
    names = {c.company_id: c.name for c in snapshot.companies}
    return next((names[i] for i in deal.company_ids if names.get(i)), None)


# -- undo -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UndoReport:
    """What undoing a deal's run did: per write, undone or failed (why)."""

    crm_deal_id: str
    undone: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()


def undo_closed_won(
    crm: CrmClient, erp: ErpClient, store: Store, deal_id: str, *, actor: Actor
) -> UndoReport:
    """Undo every applied write of the deal's run (writeback's undo, one batch): the deal's ID restored, the
    project record and the ERP project archived, each logged as an undo of its write."""
    require(actor.role, "undo")
    run = store.closed_won(deal_id)
    if run is None or run.status == "undone":
        return UndoReport(deal_id)
    rows = [
        r
        for r in _applied(store.corrections(object_id=deal_id))
        if r.field == "project_id" and r.action == "apply" and r.after == run.project_id
    ]
    if run.project_record_id is not None:
        rows += [
            r for r in _applied(store.corrections(object_id=run.project_record_id)) if r.action == "create"
        ]
    rows += [r for r in _applied(store.corrections(object_id=run.project_id)) if r.object_type == ERP_PROJECT]
    report = undo_corrections(crm, store, [r.id for r in rows], actor=actor, erp=erp)
    if not report.failed and not report.conflicts:
        store.update_closed_won(deal_id, status="undone", error=None)
    _log.info(
        "closed_won.undo", deal=deal_id, undone=list(report.applied), failed=[f for f, _ in report.failed]
    )
    changed = tuple((r, f"someone changed it to {v!r} since; left as it is") for r, v in report.conflicts)
    return UndoReport(deal_id, report.applied, report.failed + changed)


def _applied(rows: Iterable[Correction]) -> list[Correction]:
    return [r for r in rows if r.status == "applied"]
