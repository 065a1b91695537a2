"""What the pages call to correct, accept, create and undo: proposals from the core, previews, the log.

The pure core proposes (dashboard/transforms/corrections.py, project_records.py); this module asks it with
the page's analysis, opens the preview (dashboard/ui/preview.py) and turns failures into messages. Who may do
what is checked here for the buttons and again by the write side.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
import streamlit as st

from dashboard import columns as c
from dashboard import views as v
from dashboard import writeback
from dashboard.analysis import Analysis
from dashboard.format import day
from dashboard.roles import Action, may
from dashboard.snapshot import Snapshot
from dashboard.transforms.audit import Finding
from dashboard.transforms.corrections import (
    ProposedCorrection,
    erp_codes,
    propose_apply_band,
    propose_fixes,
    propose_manual_id,
    raw_ids,
)
from dashboard.transforms.project_records import ProjectRecordDraft
from dashboard.ui import auth, cache
from dashboard.ui.escape import md
from dashboard.ui.preview import EMPTY, Pending, note, open_preview, render
from services.errors import ThroughlineError, explain
from services.store import STATUSES

STATUS_CHOICES = STATUSES
__all__ = ["EMPTY", "STATUS_CHOICES", "render"]


def can(action: Action) -> bool:
    """True when the signed-in person's role allows `action` (the write side checks again)."""
    user = auth.current_user()
    return user is not None and may(user.role, action)


# -- proposals --------------------------------------------------------------------------------------------


def fixes(analysis: Analysis, findings: Sequence[Finding]) -> list[ProposedCorrection]:
    """The deal ID corrections these findings suggest."""
    return propose_fixes(findings, raw_ids(analysis.deals))


def apply_band(analysis: Analysis) -> list[ProposedCorrection]:
    """The corrections for every suggestion confident enough to apply in bulk."""
    return propose_apply_band(analysis.findings, raw_ids(analysis.deals))


# -- asking for a preview -------------------------------------------------------------------------------


def preview_ids(
    proposals: Sequence[ProposedCorrection], title: str, analysis: Analysis | None = None
) -> None:
    """Open the preview of deal ID corrections (nothing is written yet); with `analysis`, each row shows
    the suggestion's confidence and the ERP project it names (its name and customer)."""
    matches: dict[str, dict[str, object]] = {}
    if analysis is not None:
        confidence = {f.key: f.confidence for f in analysis.findings}
        linked = analysis.joined[analysis.joined[c.ERP_RECORD_ID].notna()]
        erp = linked.drop_duplicates(c.ERP_PROJECT_ID).set_index(c.ERP_PROJECT_ID)
        names = erp[c.ERP_PROJECT_NAME].to_dict()
        customers = erp[c.ERP_CUSTOMER_NAME].to_dict()
        for p in proposals:
            matches[p.record_id] = {
                "Confidence": confidence.get(p.finding_key or ""),
                "ERP project": names.get(p.after),
                "ERP customer": customers.get(p.after),
            }
    open_preview(Pending("ids", title, proposals=tuple(proposals), matches=matches))


def preview_creates(drafts: Sequence[ProjectRecordDraft]) -> None:
    """Open the preview of project records to create, noting the blocked ones; if all are, just say why."""
    ready = tuple(d for d in drafts if d.blocked is None)
    notes = tuple(f"{d.deal_name}: not created, {d.blocked}." for d in drafts if d.blocked)
    if not ready:
        for line in notes:
            st.warning(md(line))
        return
    title = f"Create {len(ready)} project records in HubSpot, each associated to its deal"
    open_preview(Pending("create", title, drafts=ready, notes=notes))


def preview_undo(correction_ids: Sequence[int], title: str) -> None:
    """Open the preview of an undo: each applied correction's value now and the value it goes back to."""
    proposals = writeback.undo_preview(cache.store(), correction_ids)
    ids = tuple(int(i) for i in correction_ids)
    open_preview(Pending("undo", title, proposals=tuple(proposals), correction_ids=ids))


def preview_manual(analysis: Analysis, finding: Finding, typed: str) -> None:
    """Check an ID a person typed (convention, names an ERP project) and open its preview, or say why not."""
    try:
        proposal = propose_manual_id(
            finding, typed, raw_ids(analysis.deals), analysis.convention, erp_codes(analysis.joined)
        )
    except ValueError as error:
        st.error(f"Project ID: {md(error)}")
        return
    preview_ids([proposal], f"Write the typed ID {proposal.after} to {proposal.label}")


# -- accepting findings -----------------------------------------------------------------------------------


def findings_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """Findings as a table (FINDING_KEY and `columns.FINDINGS_TABLE`)."""
    return pd.DataFrame(
        [
            {
                c.FINDING_KEY: f.key,
                c.KIND: f.kind,
                c.SEVERITY: f.severity,
                c.BAND: f.band,
                c.DEAL: f.deal_name or f.crm_deal_id or "",
                c.ERP_PROJECT: f.erp_project_id or (f"record {f.erp_record_id}" if f.erp_record_id else ""),
                c.RAW_ID: f.raw_id or "",
                c.SUGGESTED_ID: f.suggested_id or "",
                c.CONFIDENCE: f.confidence if f.confidence is not None else float("nan"),
                c.MESSAGE: f.message,
                c.PROJECT_LINK: v.project_href(f.crm_deal_id if f.crm_deal_id else f"erp:{f.erp_record_id}")
                if f.crm_deal_id or f.erp_record_id
                else None,
            }
            for f in findings
        ],
        columns=[c.FINDING_KEY, *c.FINDINGS_TABLE, c.PROJECT_LINK],
    )


def accepted_frame() -> pd.DataFrame:
    """The findings accepted now: key, reason, who and when (empty, with a warning, if the store fails)."""
    try:
        rows = [a.model_dump() for a in cache.store().accepted()]
    except ThroughlineError as error:
        st.warning(f"The accepted findings could not be read: {md(explain(error))}")
        rows = []
    return pd.DataFrame(rows, columns=["finding_key", "reason", "user", "accepted_at"])


def accept(finding_key: str, reason: str) -> None:
    """Accept a finding with a reason (the write side checks the role); say what happened."""
    user = auth.current_user()
    try:
        if user is None:
            raise ThroughlineError("you are signed out; sign in again")
        writeback.accept_finding(cache.store(), finding_key, reason, actor=user.actor)
    except ThroughlineError as error:
        st.error(md(explain(error)))
        return
    note("success", f"Accepted {finding_key}: it leaves the open findings. Withdraw it below if needed.")


def accept_many(finding_keys: Sequence[str], reason: str) -> None:
    """Accept several findings with one reason (the write side checks the role); say what happened."""
    user = auth.current_user()
    try:
        if user is None:
            raise ThroughlineError("you are signed out; sign in again")
        for key in finding_keys:
            writeback.accept_finding(cache.store(), key, reason, actor=user.actor)
    except ThroughlineError as error:
        st.error(md(explain(error)))
        return
    n = len(finding_keys)
    note("success", f"Accepted {n} finding{'s' if n != 1 else ''}: they leave the open findings.")


def unaccept(finding_key: str) -> None:
    """Withdraw an acceptance (the write side checks the role); say what happened."""
    user = auth.current_user()
    try:
        if user is None:
            raise ThroughlineError("you are signed out; sign in again")
        writeback.unaccept_finding(cache.store(), finding_key, actor=user.actor)
    except ThroughlineError as error:
        st.error(md(explain(error)))
        return
    note("success", f"Withdrew the acceptance of {finding_key}: it shows as a finding again.")


# -- project records and the log ------------------------------------------------------------------------


def drafts(analysis: Analysis, snap: Snapshot, deal_ids: Sequence[str]) -> list[ProjectRecordDraft]:
    """The project records these deals would get (reads their line items from HubSpot); [] on failure."""
    try:
        return writeback.draft_records(
            cache.clients().crm, snap.crm, analysis.joined, analysis.convention, deal_ids
        )
    except ThroughlineError as error:
        st.error(
            f"The deals' line items could not be read, so nothing can be previewed: {md(explain(error))}"
        )
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
    return writeback.correction_log(
        cache.store(), user=user, status=status, object_id=object_id, since=since, until=until
    )


def deal_names() -> dict[str, str]:
    """HubSpot deal id -> deal name from the last snapshot; empty when the systems cannot be read now (the
    log still shows, by id)."""
    try:
        snap = cache.keeper().get()
    except Exception:  # names are a courtesy here: the log never depends on a read
        return {}
    return {str(d.crm_deal_id): d.name for d in (snap.crm.deals if snap.crm else ()) if d.name}


def batch_labels(log: pd.DataFrame, names: dict[str, str]) -> dict[str, str]:
    """Batch id -> a label a person recognises: "3 Dec 2026 14:05 · olga@… · 12 project IDs (Calder …)"."""
    labels: dict[str, str] = {}
    for batch, rows in log.groupby("batch_id", sort=False):
        first = rows.sort_values("created_at").iloc[0]
        when = pd.Timestamp(first["created_at"]).strftime("%H:%M")
        deals = [names.get(str(i), str(i)) for i in dict.fromkeys(rows["object_id"])]
        what = {"apply": "project ID", "undo": "undo", "create": "project record"}.get(
            str(first["action"]), "change"
        )
        count = f"{len(rows)} {what}{'s' if len(rows) != 1 else ''}"
        about = deals[0] + (f" and {len(deals) - 1} more" if len(deals) > 1 else "")
        labels[str(batch)] = f"{day(first['created_at'])} {when} · {first['user']} · {count} ({about})"
    return labels


def text(value: object) -> str:
    """A logged value as text: (empty) for None, NaN or ""."""
    return value if isinstance(value, str) and value else EMPTY


def missing_text(items: object) -> str:
    """A handover row's missing items as text."""
    return ", ".join(str(i) for i in items) if isinstance(items, tuple | list) else ""
