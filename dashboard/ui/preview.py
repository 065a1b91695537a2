"""The preview dialog of every write: its session-state keys, the confirm, and the outcome shown after.

A page asks for a preview (dashboard/ui/corrections.py); the preview is kept in session state under PENDING
and the dialog opens on every run while it is set, because a click inside a dialog reruns the whole script.
Confirm writes through the write side (dashboard/writeback.py, which checks the role and each record's
current value), clears the snapshot so the next run reads both systems again, and leaves the outcome under
OUTCOME for `render` to show once. Nothing is written before Confirm.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import pandas as pd
import streamlit as st

from dashboard import writeback
from dashboard.roles import may
from dashboard.transforms.corrections import ProposedCorrection
from dashboard.transforms.project_records import RECORD_FIELDS, ProjectRecordDraft
from dashboard.ui import auth, cache
from dashboard.ui.escape import md
from services.errors import AccessDenied, ConfigError, ThroughlineError, explain

PENDING = "pending_corrections"
"""The preview waiting for Confirm or Cancel (a Pending), or absent."""
OUTCOME = "corrections_outcome"
"""What the last write did (an Outcome), shown once on the next run."""
EMPTY = "(empty)"
FIELD_WORDS = {"deal.project_id": "Project ID"}


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
    matches: dict[str, dict[str, object]] = field(default_factory=dict)
    """Per deal id: what the suggestion rests on (MATCH_COLUMNS: confidence, the ERP project's name and
    customer), shown beside each row of a bulk preview."""


MATCH_COLUMNS = ("Confidence", "ERP project", "ERP customer")
INCLUDE = "Include"


@dataclass(frozen=True)
class Outcome:
    level: Literal["success", "warning", "error"]
    summary: str
    details: tuple[str, ...] = field(default=())
    batch_id: str | None = None
    """The batch written, for the Undo link (None when nothing was written or it was an undo)."""


HISTORY_PAGE = Path(__file__).resolve().parents[2] / "pages" / "history.py"


def open_preview(pending: Pending) -> None:
    """Keep the preview in session state and rerun, so the dialog opens."""
    st.session_state[PENDING] = pending
    st.session_state.pop(OUTCOME, None)
    st.rerun()


def note(level: Literal["success", "warning", "error"], summary: str) -> None:
    """Leave a message for the next run (after an accept, say) and rerun."""
    st.session_state[OUTCOME] = Outcome(level, summary)
    st.rerun()


def preview_frame(pending: Pending) -> pd.DataFrame:
    """The preview as a table: each record with its current and new value (or the values to create)."""
    if pending.kind == "create":
        rows = []
        for d in pending.drafts:
            values = d.record.model_dump(exclude={"crm_deal_id"}) if d.record else {}
            rows.append(
                {
                    "Deal": d.deal_name,
                    "Deal ID": d.crm_deal_id,
                    "Current": "(no project record)",
                    **{
                        RECORD_FIELDS[k]: v for k, v in values.items() if v is not None and k in RECORD_FIELDS
                    },
                }
            )
        return pd.DataFrame(rows)
    columns = ["Record", "HubSpot ID", "Field", "Current value", "New value"]
    extra = list(MATCH_COLUMNS) if pending.matches else []
    bulk = [INCLUDE] if _selectable(pending) else []
    return pd.DataFrame(
        [
            {
                INCLUDE: True,
                "Record": p.label,
                "HubSpot ID": p.record_id,
                "Field": FIELD_WORDS.get(p.field, p.field),
                "Current value": p.before or EMPTY,
                "New value": p.after or EMPTY,
                **pending.matches.get(p.record_id, {}),
            }
            for p in pending.proposals
        ],
        columns=[*bulk, *columns, *extra],
    )


def _selectable(pending: Pending) -> bool:
    """A bulk ID write lets a person leave rows out; a single change or an undo is all or nothing."""
    return pending.kind == "ids" and len(pending.proposals) > 1


def render() -> None:
    """Show the last write's outcome once, and the preview dialog while a preview is pending."""
    outcome: Outcome | None = st.session_state.pop(OUTCOME, None)
    if outcome is not None:
        show = {"success": st.success, "warning": st.warning, "error": st.error}[outcome.level]
        show(md(outcome.summary) + "".join(f"\n- {md(line)}" for line in outcome.details))
        user = auth.current_user()
        if outcome.batch_id and user is not None and may(user.role, "undo"):
            st.page_link(
                HISTORY_PAGE,
                label="Undo this in the Corrections log",
                query_params={"batch": outcome.batch_id},
                icon=":material/undo:",
            )
    if st.session_state.get(PENDING) is not None:
        _dialog()


def _dismiss() -> None:
    st.session_state.pop(PENDING, None)


@st.dialog("Preview the changes", width="large", on_dismiss=_dismiss)
def _dialog() -> None:
    pending: Pending | None = st.session_state.get(PENDING)
    if pending is None:
        return
    st.markdown(f"**{md(pending.title)}**")
    for line in pending.notes:
        st.warning(md(line))
    frame = preview_frame(pending)
    chosen = pending
    if frame.empty:
        st.info("There is nothing to write.")
    else:
        if _selectable(pending):
            edited = st.data_editor(
                frame,
                hide_index=True,
                key="preview_table",
                disabled=[column for column in frame.columns if column != INCLUDE],
                column_config={
                    INCLUDE: st.column_config.CheckboxColumn(INCLUDE, help="untick a row to leave it out"),
                    "Confidence": st.column_config.NumberColumn("Confidence", format="percent", step=0.01),
                },
            )
            keep = set(edited.loc[edited[INCLUDE].astype(bool), "HubSpot ID"].astype(str))
            chosen = replace(pending, proposals=tuple(p for p in pending.proposals if p.record_id in keep))
            st.caption(f"{len(chosen.proposals)} of {len(pending.proposals)} rows will be written.")
        else:
            st.dataframe(frame, hide_index=True, key="preview_table")
        st.caption(
            "Nothing is written before you confirm. Right before writing, each record is read again: one "
            "that changed since this page read it is skipped and reported as a conflict."
        )
    left, right = st.columns(2)
    nothing = frame.empty or (pending.kind == "ids" and not chosen.proposals)
    confirm = left.button(
        "Confirm and write to HubSpot", key="confirm_corrections", type="primary", disabled=nothing
    )
    if right.button("Cancel", key="cancel_corrections"):
        st.session_state.pop(PENDING, None)
        st.rerun()
    if confirm:
        with st.spinner("Writing to HubSpot…"):
            st.session_state[OUTCOME] = _write(chosen)
        st.session_state.pop(PENDING, None)
        cache.clear()
        st.rerun()


def _write(pending: Pending) -> Outcome:
    user = auth.current_user()
    if user is None:
        return Outcome("error", "You are signed out; sign in again, then repeat the change.")
    clients, store = cache.clients(), cache.store()
    crm = clients.crm
    try:
        if pending.kind == "create":
            created = writeback.create_project_records(crm, store, pending.drafts, actor=user.actor)
            return _create_outcome(created, pending)
        if pending.kind == "undo":
            # The ERP too: undoing a Closed Won run's ERP project archives it there.
            report = writeback.undo_corrections(
                crm, store, pending.correction_ids, actor=user.actor, erp=clients.erp
            )
        else:
            report = writeback.apply_corrections(crm, store, pending.proposals, actor=user.actor)
    except (AccessDenied, ConfigError) as error:
        return Outcome("error", f"Nothing was written: {error}")
    except ThroughlineError as error:
        return Outcome(
            "error",
            f"The change did not complete: {explain(error)} The corrections log shows what reached "
            "HubSpot; a row left pending is settled against HubSpot at the next start.",
        )
    return _apply_outcome(report, pending)


def _apply_outcome(report: writeback.ApplyReport, pending: Pending) -> Outcome:
    label = {p.record_id: p.label for p in pending.proposals}
    details = [f"{label.get(i, i)}: failed, {message}" for i, message in report.failed]
    details += [
        f"{label.get(i, i)}: not written, HubSpot now holds {now or EMPTY}" for i, now in report.conflicts
    ]
    level: Literal["success", "warning"] = "warning" if details else "success"
    summary = f"Undo: {report.summary}" if pending.kind == "undo" else report.summary.capitalize()
    st.toast(summary)
    batch = None if pending.kind == "undo" or not report.applied else report.batch_id
    return Outcome(level, f"{summary} (batch {report.batch_id}).", tuple(details), batch)


def _create_outcome(report: writeback.CreateReport, pending: Pending) -> Outcome:
    name = {d.crm_deal_id: d.deal_name for d in pending.drafts}
    details = [f"{name.get(i, i)}: project record {r}" for i, r in report.created]
    problems = [f"{name.get(i, i)}: failed, {message}" for i, message in report.failed]
    problems += [f"{name.get(i, i)}: skipped, it has project record {r} now" for i, r in report.conflicts]
    st.toast(report.summary)
    level: Literal["success", "warning"] = "warning" if problems else "success"
    return Outcome(level, f"{report.summary.capitalize()} (batch {report.batch_id}).", (*details, *problems))
