"""Corrections on the pages: the preview dialog, its session-state keys, and the outcome after a write.

A page asks for a preview (`preview_ids`, `preview_creates`, `preview_undo`); the preview is kept in
session state under PENDING and the dialog opens on every run while it is set, because a click inside a
dialog reruns the whole script. Confirm writes through the use cases (which check the role and each
record's current value), clears the snapshot so the next run reads both systems again, and leaves the
outcome under OUTCOME for `render` to show once. Nothing is written before Confirm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import pandas as pd
import streamlit as st

from dashboard import columns as c
from dashboard import usecases
from dashboard.analysis import Analysis
from dashboard.roles import Action, may
from dashboard.transforms.audit import Finding
from dashboard.transforms.corrections import ProposedCorrection
from dashboard.ui import auth, cache
from dashboard.usecases import ApplyReport, CreateReport, ProjectRecordDraft, Snapshot, explain
from services.errors import AccessDenied, ThroughlineError
from services.store import STATUSES

PENDING = "pending_corrections"
"""The preview waiting for Confirm or Cancel (a Pending), or absent."""
OUTCOME = "corrections_outcome"
"""What the last write did (an Outcome), shown once on the next run."""
EMPTY = "(empty)"
STATUS_CHOICES = STATUSES


@dataclass(frozen=True)
class Pending:
    """A write waiting for confirmation: ID corrections, project records to create, or an undo."""

    kind: Literal["ids", "create", "undo"]
    title: str
    proposals: tuple[ProposedCorrection, ...] = ()
    drafts: tuple[ProjectRecordDraft, ...] = ()
    correction_ids: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    """What the preview leaves out and why."""


@dataclass(frozen=True)
class Outcome:
    level: Literal["success", "warning", "error"]
    summary: str
    details: tuple[str, ...] = field(default=())


# -- who may do what ------------------------------------------------------------------------------------


def can(action: Action) -> bool:
    """True when the signed-in person's role allows `action` (the use case checks again)."""
    user = auth.current_user()
    return user is not None and may(user.role, action)


def property_name() -> str:
    """The deal property that holds the ERP project ID in this portal."""
    return cache.clients().crm.names.project_id


# -- asking for a preview -------------------------------------------------------------------------------


def preview_ids(proposals: Sequence[ProposedCorrection], title: str) -> None:
    """Open the preview of deal ID corrections (nothing is written yet)."""
    _open(Pending("ids", title, proposals=tuple(proposals)))


def preview_creates(drafts: Sequence[ProjectRecordDraft]) -> None:
    """Open the preview of project records to create, noting the blocked ones; if all are, just say why."""
    ready = tuple(d for d in drafts if d.blocked is None)
    notes = tuple(f"{d.deal_name}: not created, {d.blocked}." for d in drafts if d.blocked)
    if not ready:
        for line in notes:
            st.warning(line)
        return
    title = f"Create {len(ready)} project records in HubSpot, each associated to its deal"
    _open(Pending("create", title, drafts=ready, notes=notes))


def preview_undo(correction_ids: Sequence[int], title: str) -> None:
    """Open the preview of an undo: each applied correction's value now and the value it goes back to."""
    proposals = usecases.undo_preview(cache.store(), correction_ids)
    ids = tuple(int(i) for i in correction_ids)
    _open(Pending("undo", title, proposals=tuple(proposals), correction_ids=ids))


def preview_manual(analysis: Analysis, finding: Finding, typed: str) -> None:
    """Check an ID a person typed (convention, names an ERP project) and open its preview, or say why not."""
    try:
        proposal = usecases.propose_manual_id(analysis, finding, typed, property_name())
    except ThroughlineError as error:
        st.error(str(error))
        return
    preview_ids([proposal], f"Write the typed ID {proposal.after} to {proposal.label}")


def _open(pending: Pending) -> None:
    st.session_state[PENDING] = pending
    st.session_state.pop(OUTCOME, None)
    st.rerun()


def preview_frame(pending: Pending) -> pd.DataFrame:
    """The preview as a table: each record with its current and new value (or the values to create)."""
    if pending.kind == "create":
        rows = [
            {"Deal": d.deal_name, "Deal ID": d.crm_deal_id, "Current": "(no project record)", **d.fields}
            for d in pending.drafts
        ]
        return pd.DataFrame(rows)
    return pd.DataFrame(
        [
            {
                "Record": p.label,
                "HubSpot ID": p.object_id,
                "Property": p.field,
                "Current value": p.before or EMPTY,
                "New value": p.after or EMPTY,
            }
            for p in pending.proposals
        ],
        columns=["Record", "HubSpot ID", "Property", "Current value", "New value"],
    )


# -- the dialog and the outcome -------------------------------------------------------------------------


def render() -> None:
    """Show the last write's outcome once, and the preview dialog while a preview is pending."""
    outcome: Outcome | None = st.session_state.pop(OUTCOME, None)
    if outcome is not None:
        show = {"success": st.success, "warning": st.warning, "error": st.error}[outcome.level]
        show(outcome.summary + "".join(f"\n- {line}" for line in outcome.details))
    if st.session_state.get(PENDING) is not None:
        _dialog()


def _dismiss() -> None:
    st.session_state.pop(PENDING, None)


@st.dialog("Preview the changes", width="large", on_dismiss=_dismiss)
def _dialog() -> None:
    pending: Pending | None = st.session_state.get(PENDING)
    if pending is None:
        return
    st.markdown(f"**{pending.title}**")
    for line in pending.notes:
        st.warning(line)
    frame = preview_frame(pending)
    if frame.empty:
        st.info("There is nothing to write.")
    else:
        st.dataframe(frame, hide_index=True, key="preview_table")
        st.caption(
            "Nothing is written before you confirm. Right before writing, each record is read again: one "
            "that changed since this page read it is skipped and reported as a conflict."
        )
    left, right = st.columns(2)
    confirm = left.button(
        "Confirm and write to HubSpot", key="confirm_corrections", type="primary", disabled=frame.empty
    )
    if right.button("Cancel", key="cancel_corrections"):
        st.session_state.pop(PENDING, None)
        st.rerun()
    if confirm:
        with st.spinner("Writing to HubSpot…"):
            st.session_state[OUTCOME] = _write(pending)
        st.session_state.pop(PENDING, None)
        cache.clear()
        st.rerun()


def _write(pending: Pending) -> Outcome:
    user = auth.current_user()
    if user is None:
        return Outcome("error", "You are signed out; sign in again, then repeat the change.")
    crm, store = cache.clients().crm, cache.store()
    try:
        if pending.kind == "create":
            created = usecases.create_project_records(crm, store, pending.drafts, actor=user.actor)
            return _create_outcome(created, pending)
        if pending.kind == "undo":
            report = usecases.undo_corrections(crm, store, pending.correction_ids, actor=user.actor)
        else:
            report = usecases.apply_corrections(crm, store, pending.proposals, actor=user.actor)
    except AccessDenied as error:
        return Outcome("error", f"Nothing was written: {error}")
    except ThroughlineError as error:
        return Outcome(
            "error",
            f"The change did not complete: {explain(error)} The corrections log shows what reached "
            "HubSpot; a row left pending is settled against HubSpot at the next start.",
        )
    return _apply_outcome(report, pending)


def _apply_outcome(report: ApplyReport, pending: Pending) -> Outcome:
    label = {p.object_id: p.label for p in pending.proposals}
    details = [f"{label.get(i, i)}: failed, {message}" for i, message in report.failed]
    details += [
        f"{label.get(i, i)}: not written, HubSpot now holds {now or EMPTY}" for i, now in report.conflicts
    ]
    level: Literal["success", "warning"] = "warning" if details else "success"
    summary = f"Undo: {report.summary}" if pending.kind == "undo" else report.summary.capitalize()
    st.toast(summary)
    return Outcome(level, f"{summary} (batch {report.batch_id}).", tuple(details))


def _create_outcome(report: CreateReport, pending: Pending) -> Outcome:
    name = {d.crm_deal_id: d.deal_name for d in pending.drafts}
    details = [f"{name.get(i, i)}: project record {r}" for i, r in report.created]
    problems = [f"{name.get(i, i)}: failed, {message}" for i, message in report.failed]
    problems += [f"{name.get(i, i)}: skipped, it has project record {r} now" for i, r in report.conflicts]
    st.toast(report.summary)
    level: Literal["success", "warning"] = "warning" if problems else "success"
    return Outcome(level, f"{report.summary.capitalize()} (batch {report.batch_id}).", (*details, *problems))


def note(level: Literal["success", "warning", "error"], summary: str) -> None:
    """Leave a message for the next run (after an accept, say) and rerun."""
    st.session_state[OUTCOME] = Outcome(level, summary)
    st.rerun()


# -- what the pages read --------------------------------------------------------------------------------

FINDING_COLUMNS = ("kind", "severity", "band", "deal", "erp_project", "raw_id", "suggested_id", "confidence")


def findings_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """Findings as a table: kind, severity, band, deal, ERP project, raw and suggested ID, confidence."""
    return pd.DataFrame(
        [
            {
                "key": f.key,
                "kind": f.kind,
                "severity": f.severity,
                "band": f.band,
                "deal": f.deal_name or f.crm_deal_id or "",
                "erp_project": f.erp_project_id or (f"record {f.erp_record_id}" if f.erp_record_id else ""),
                "raw_id": f.raw_id or "",
                "suggested_id": f.suggested_id or "",
                "confidence": f.confidence if f.confidence is not None else float("nan"),
                "message": f.message,
            }
            for f in findings
        ],
        columns=["key", *FINDING_COLUMNS, "message"],
    )


def accepted_frame() -> pd.DataFrame:
    """The findings accepted now: key, reason, who and when (empty, with a warning, if the store fails)."""
    try:
        rows = [a.model_dump() for a in cache.store().accepted()]
    except ThroughlineError as error:
        st.warning(f"The accepted findings could not be read: {explain(error)}")
        rows = []
    return pd.DataFrame(rows, columns=["finding_key", "reason", "user", "accepted_at"])


def accept(finding_key: str, reason: str) -> None:
    """Accept a finding with a reason (the use case checks the role); say what happened."""
    user = auth.current_user()
    try:
        if user is None:
            raise ThroughlineError("you are signed out; sign in again")
        usecases.accept_finding(cache.store(), finding_key, reason, actor=user.actor)
    except ThroughlineError as error:
        st.error(explain(error))
        return
    note("success", f"Accepted {finding_key}: it leaves the open findings. Withdraw it below if needed.")


def unaccept(finding_key: str) -> None:
    """Withdraw an acceptance (the use case checks the role); say what happened."""
    user = auth.current_user()
    try:
        if user is None:
            raise ThroughlineError("you are signed out; sign in again")
        usecases.unaccept_finding(cache.store(), finding_key, actor=user.actor)
    except ThroughlineError as error:
        st.error(explain(error))
        return
    note("success", f"Withdrew the acceptance of {finding_key}: it shows as a finding again.")


def drafts(analysis: Analysis, snap: Snapshot, deal_ids: Sequence[str]) -> list[ProjectRecordDraft]:
    """The project records these deals would get (reads their line items from HubSpot); [] on failure."""
    try:
        return usecases.draft_project_records(cache.clients().crm, analysis, snap.crm, deal_ids)
    except ThroughlineError as error:
        st.error(f"The deals' line items could not be read, so nothing can be previewed: {explain(error)}")
        return []


def log(
    *,
    user: str | None = None,
    status: str | None = None,
    object_id: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """The correction log, filtered, newest first."""
    return usecases.correction_log(
        cache.store(), user=user, status=status, object_id=object_id, since=since, until=until
    )


def text(value: object) -> str:
    """A logged value as text: (empty) for None, NaN or ""."""
    return value if isinstance(value, str) and value else EMPTY


def missing_text(items: object) -> str:
    """A handover row's missing items as text."""
    return ", ".join(str(i) for i in items) if isinstance(items, tuple | list) else ""


HANDOVER_COLUMNS = (
    c.DEAL_NAME, c.CUSTOMER_NAME, c.OWNER_NAME, c.CLOSE_DATE, c.HANDOVER_SCORE, c.MISSING_ITEMS,
    c.DAYS_SINCE_CLOSE, c.HANDOVER_OVERDUE,
)  # fmt: skip
