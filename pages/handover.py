"""Handover (ops, sales): does each won deal carry what delivery needs? And, for a deal without a project
record, create it in HubSpot with the deal's context: the handover that otherwise happens in a meeting."""

import streamlit as st

from dashboard import columns as c
from dashboard.format import pct
from dashboard.transforms.handover import HANDOVER_ITEMS
from dashboard.ui import chrome, corrections
from dashboard.ui.tables import show

snap, analysis = chrome.load(
    "Handover", "Won deals: what delivery needs to start, what is missing, and how long since the close."
)
corrections.render()
handover = analysis.handover.assign(
    **{c.MISSING_ITEMS: analysis.handover[c.MISSING_ITEMS].map(corrections.missing_text)}
)

tiles = st.columns(4)
tiles[0].metric("Won deals", len(handover), border=True)
tiles[1].metric("Complete", int((handover[c.HANDOVER_SCORE] >= 1).sum()), border=True)
tiles[2].metric("Overdue", int(handover[c.HANDOVER_OVERDUE].sum()), border=True)
tiles[3].metric("Without a project record", int((~handover[c.HAS_PROJECT_RECORD]).sum()), border=True)
if len(handover):
    st.caption(f"Average completeness {pct(handover[c.HANDOVER_SCORE].mean(), digits=0)}.")

owner_col, missing_col, overdue_col = st.columns([2, 2, 1], vertical_alignment="bottom")
owners = owner_col.multiselect(
    "Owner", sorted(handover[c.OWNER_NAME].dropna().unique()), key="handover_owner"
)
missing = missing_col.multiselect("Missing", list(HANDOVER_ITEMS.values()), key="handover_missing")
overdue_only = overdue_col.checkbox("Overdue only", key="handover_overdue")
keep = handover[c.CRM_DEAL_ID].notna()
if owners:
    keep &= handover[c.OWNER_NAME].isin(owners)
if overdue_only:
    keep &= handover[c.HANDOVER_OVERDUE]
for item in missing:
    keep &= ~handover[next(k for k, v in HANDOVER_ITEMS.items() if v == item)]
shown = handover[keep].sort_values(
    [c.HANDOVER_OVERDUE, c.DAYS_SINCE_CLOSE], ascending=[False, False], na_position="last"
)
show(shown, c.HANDOVER_TABLE, key="handover_table", download="handover")
st.caption(f"{len(shown)} of {len(handover)} won deals; overdue first, then the longest since close.")

# -- the handover action: create the project record -----------------------------------------------------
st.subheader("Create project records")
without = shown[~shown[c.HAS_PROJECT_RECORD]]
if without.empty:
    st.caption("Every won deal shown has a project record.")
elif not corrections.can("create_project_records"):
    st.caption(f"{len(without)} won deals shown have no project record; ops or admin can create them here.")
else:
    names = dict(zip(without[c.CRM_DEAL_ID], without[c.DEAL_NAME], strict=True))
    picked = st.multiselect(
        "Deals without a project record",
        list(names),
        format_func=lambda deal_id: f"{names[deal_id]} ({deal_id})",
        key="create_for",
        help="Each gets a project record in HubSpot, associated to the deal and stamped with its ERP ID.",
    )
    if st.button(
        f"Preview {len(picked)} project records…" if picked else "Preview project records…",
        key="create_preview",
        disabled=not picked,
    ):
        corrections.preview_creates(corrections.drafts(analysis, snap, picked))
