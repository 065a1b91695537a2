"""ID audit (ops): the ID convention, the findings by class, each finding's evidence and suggested fix,
and the corrections: apply one suggestion or the whole apply band, type an ID, accept a finding."""

import pandas as pd
import streamlit as st

from dashboard import columns as c
from dashboard import views as v
from dashboard.ui import chrome, corrections
from dashboard.ui.escape import md
from dashboard.ui.tables import for_people

KINDS = {
    "missing": "Missing",
    "malformed": "Malformed",
    "dangling": "Dangling",
    "duplicate": "Duplicate",
    "orphan": "Orphan",
    "conflict": "Conflict",
}
DEFINITIONS = {
    "missing": "a won deal carries no project ID at all",
    "malformed": "the deal's project ID is not in the convention's format (it may still name a project "
    "written another way)",
    "dangling": "the deal's project ID is well formed but no ERP project has it",
    "duplicate": "several deals, or several ERP projects, carry the same project ID",
    "orphan": "an ERP project that no won deal names",
    "conflict": "a deal and its ERP project disagree (customer, currency or amount)",
}
BANDS = {
    "apply": "Apply: confident enough to apply in bulk",
    "review": "Review: a likely match, check it first",
    "none": "No suggestion",
}
FINDING_CONFIG = {
    c.PROJECT_LINK: st.column_config.LinkColumn(
        "Open", display_text=r"project=(.*)$", help="the deal's or ERP project's Project page"
    ),
    c.KIND: st.column_config.Column(
        "Kind", help="; ".join(f"{KINDS[k]}: {d}" for k, d in DEFINITIONS.items())
    ),
    c.SEVERITY: st.column_config.Column("Severity"),
    c.BAND: st.column_config.Column("Band", help="; ".join(BANDS.values())),
    c.DEAL: st.column_config.Column("Deal"),
    c.ERP_PROJECT: st.column_config.Column("ERP project"),
    c.RAW_ID: st.column_config.Column("ID now"),
    c.SUGGESTED_ID: st.column_config.Column("Suggested ID"),
    c.CONFIDENCE: st.column_config.NumberColumn("Confidence", format="percent", step=0.01),
    c.MESSAGE: st.column_config.Column("Finding", width="large"),
}

snap, analysis = chrome.load(
    "ID audit", "Does every deal name its ERP project, in one format? What is wrong, the evidence, the fix."
)
corrections.render()
may_correct = corrections.can("correct_ids")
may_accept = corrections.can("accept_findings")

# -- the convention ---------------------------------------------------------------------------------------
report = analysis.report
st.subheader("The ID convention")
st.markdown(
    f"Proposed convention: **{report.convention.pattern}**, e.g. `{report.convention.example()}` "
    f"({analysis.convention_source})."
)
st.dataframe(
    report.summary,
    column_config={c.SYSTEM: "System", c.TOTAL: "IDs", c.EMPTY: "Empty", c.CANONICAL: "Canonical",
                   c.NORMALIZABLE: "Normalizable", c.UNNORMALIZABLE: "Unnormalizable",
                   c.CANONICAL_SHARE: st.column_config.NumberColumn("Canonical share", format="percent")},
    hide_index=True,
    key="convention_summary",
)  # fmt: skip
st.caption(
    "Canonical share is of the non-empty IDs. Normalizable IDs are the right project written another way; "
    "unnormalizable ones cannot be read as a project ID at all."
)
with st.expander("ID formats per system, with examples"):
    st.dataframe(
        report.formats,
        column_config={c.SYSTEM: "System", c.ID_FORMAT: "Format (# = digit)", c.COUNT: "IDs",
                       c.SHARE: st.column_config.NumberColumn("Share", format="percent"),
                       c.EXAMPLES: "Examples", c.IS_CANONICAL_FORMAT: "The convention"},
        hide_index=True,
        key="convention_formats",
    )  # fmt: skip

# -- findings -------------------------------------------------------------------------------------------
st.subheader("Findings")
if not snap.complete:
    st.info("The findings need both systems; they show again once both can be read.")
counts = pd.Series([f.kind for f in analysis.findings], dtype="object").value_counts()
tiles = st.columns(len(KINDS))
for tile, (kind, label) in zip(tiles, KINDS.items(), strict=True):
    tile.metric(label, int(counts.get(kind, 0)), border=True, help=DEFINITIONS[kind].capitalize() + ".")
with st.expander("What each kind of finding means", icon=":material/help:"):
    st.markdown("\n".join(f"- **{KINDS[k]}**: {d}." for k, d in DEFINITIONS.items()))

band = corrections.apply_band(analysis)
if band and may_correct:
    if st.button(f"Apply all {len(band)} suggestions in the apply band…", key="apply_band", type="primary"):
        corrections.preview_ids(band, f"Write {len(band)} suggested project IDs to their deals", analysis)
elif band:
    st.caption(f"{len(band)} suggestions are confident enough to apply in bulk; ops or admin can apply them.")

left, middle, right = st.columns(3)
kinds = left.multiselect("Kind", list(KINDS), format_func=KINDS.__getitem__, key="audit_kind")
bands = middle.multiselect("Band", list(BANDS), format_func=BANDS.__getitem__, key="audit_band")
severities = right.multiselect(
    "Severity", ["high", "medium", "low"], format_func=str.capitalize, key="audit_severity"
)
shown = [
    f
    for f in analysis.findings
    if (not kinds or f.kind in kinds)
    and (not bands or f.band in bands)
    and (not severities or f.severity in severities)
]
table = corrections.findings_frame(shown)
st.dataframe(
    for_people(table, list(table.columns)),
    column_order=list(FINDING_CONFIG),
    column_config=FINDING_CONFIG,
    hide_index=True,
    key="findings",
)
st.caption(f"{len(shown)} of {len(analysis.findings)} open findings, most severe first.")

# -- one finding ----------------------------------------------------------------------------------------
if shown:
    by_key = {f.key: f for f in shown}
    picked = st.selectbox(
        "Finding", list(by_key), format_func=lambda k: by_key[k].message, key="audit_finding"
    )
    finding = by_key[picked or next(iter(by_key))]
    with st.container(border=True):
        st.markdown(f"**{KINDS[finding.kind]}** · {finding.severity} · band {finding.band}")
        st.markdown(md(finding.message))
        evidence, candidates = st.columns([2, 3])
        evidence.markdown("**Evidence**")
        evidence.dataframe(
            pd.DataFrame(finding.evidence, columns=["What", "Value"]), hide_index=True, key="evidence"
        )
        candidates.markdown("**Candidates**")
        candidates.dataframe(
            pd.DataFrame(
                [
                    {
                        "Score": cand.score,
                        "Candidate": cand.name,
                        "ID": cand.erp_project_id or cand.crm_deal_id or "",
                        "Why": "; ".join(cand.reasons),
                    }
                    for cand in finding.candidates
                ],
                columns=["Score", "Candidate", "ID", "Why"],
            ),
            hide_index=True,
            key="candidates",
        )
        fix = corrections.fixes(analysis, [finding])
        if fix:
            one = fix[0]
            st.markdown(
                f"**Suggested fix:** write {md(one.after)} to {md(one.label)} (HubSpot deal "
                f"{md(one.record_id)}), which holds {md(one.before or corrections.EMPTY)} now."
            )
        elif finding.suggested_id and finding.suggested_id == finding.raw_id:
            st.markdown(
                f"**Suggested fix:** none for this deal: it fits {md(finding.suggested_id)} best and keeps "
                "it. Correct the other deals, or accept this finding."
            )
        else:
            st.markdown("**Suggested fix:** none confident enough; type the ID, or accept the finding.")
        if may_correct:
            if fix and st.button("Apply suggestion…", key="apply_one"):
                corrections.preview_ids(fix, f"Write the suggested ID {fix[0].after} to {fix[0].label}")
            if finding.crm_deal_id:  # an ERP-side finding names no deal to type an ID for
                typed_col, check_col = st.columns([3, 1], vertical_alignment="bottom")
                typed = typed_col.text_input(
                    "Type an ID", key="manual_id", placeholder=analysis.convention.example()
                )
                if check_col.button("Check and preview…", key="manual_check"):
                    corrections.preview_manual(analysis, finding, typed)
        if may_accept:
            reason_col, accept_col = st.columns([3, 1], vertical_alignment="bottom")
            reason = reason_col.text_input(
                "Reason to accept it as it is", key="accept_reason", placeholder="e.g. internal project"
            )
            if accept_col.button("Accept", key="accept_finding"):
                corrections.accept(finding.key, reason)
        if not (may_correct or may_accept):
            st.caption("Your role can read the findings; ops and admin can correct or accept them.")

# -- accept many at once ---------------------------------------------------------------------------------
if may_accept:
    with st.expander("Accept many findings at once, by pattern", icon=":material/done_all:"):
        kind_col, pattern_col = st.columns([1, 2])
        bulk_kind = kind_col.selectbox(
            "Kind", list(KINDS), format_func=KINDS.__getitem__, key="bulk_accept_kind"
        )
        pattern = pattern_col.text_input(
            "Deal name, project ID or text matching",
            key="bulk_accept_pattern",
            placeholder="e.g. Internal* or TEST",
            help="a wildcard (* any text, ? one character), case-insensitive; plain text matches anywhere",
        )
        matching = v.findings_matching(analysis.findings, bulk_kind, pattern)
        if pattern.strip():
            names = [f.deal_name or f.erp_project_id or f.key for f in matching]
            st.caption(
                f"{len(matching)} open {KINDS[bulk_kind].lower()} finding{'s' if len(matching) != 1 else ''} "
                f"match{'es' if len(matching) == 1 else ''}"
                + (f": {', '.join(md(str(n)) for n in names[:8])}" if names else ".")
                + (f" and {len(names) - 8} more." if len(names) > 8 else "")
            )
        bulk_reason = st.text_input("Reason", key="bulk_accept_reason", placeholder="e.g. internal projects")
        if st.button(
            f"Accept {len(matching)} findings",
            key="bulk_accept",
            disabled=not matching or not bulk_reason.strip(),
        ):
            corrections.accept_many([f.key for f in matching], bulk_reason)

# -- accepted findings ------------------------------------------------------------------------------------
accepted = corrections.accepted_frame()
with st.expander(f"Accepted findings ({len(accepted)})"):
    if accepted.empty:
        st.caption("No finding is accepted.")
    else:
        st.dataframe(accepted, hide_index=True, key="accepted")
        if may_accept:
            key = st.selectbox("Accepted finding", accepted["finding_key"].tolist(), key="unaccept_pick")
            if key and st.button("Withdraw the acceptance", key="unaccept"):
                corrections.unaccept(key)
