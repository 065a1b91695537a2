"""Corrections log (ops, owners): every write to HubSpot, who made it, what it changed and how it ended;
filters, CSV export, and undo of one correction or of a whole batch."""

import streamlit as st

from dashboard.export import to_csv_bytes
from dashboard.ui import corrections

LOG_CONFIG = {
    "id": st.column_config.NumberColumn("#", format="%d"),
    "deal": st.column_config.Column("Deal"),
    "created_at": st.column_config.DatetimeColumn("When (UTC)", format="D MMM YYYY, HH:mm:ss"),
    "user": st.column_config.Column("User"),
    "action": st.column_config.Column("Action"),
    "status": st.column_config.Column("Status"),
    "object_type": st.column_config.Column("Object"),
    "object_id": st.column_config.Column("Record"),
    "field": st.column_config.Column("Property"),
    "before": st.column_config.Column("Before"),
    "after": st.column_config.Column("After"),
    "error": st.column_config.Column("Message", width="large"),
    "batch": st.column_config.Column("Batch"),
    "undoes_id": st.column_config.NumberColumn("Undoes #", format="%d"),
    "settled_at": st.column_config.DatetimeColumn("Settled (UTC)", format="D MMM YYYY, HH:mm:ss"),
}
ANYONE, ANY = "Everyone", "Any status"

st.set_page_config(page_title="Corrections log · Throughline")
st.title("Corrections log")
st.caption("Every change Throughline wrote to HubSpot, newest first. Undo writes the before value back.")
corrections.render()

everything = corrections.log()
user_col, status_col, record_col, dates_col = st.columns(4)
users = [ANYONE, *sorted(everything["user"].dropna().unique())]
user = user_col.selectbox("User", users, key="history_user")
status = status_col.selectbox("Status", [ANY, *corrections.STATUS_CHOICES], key="history_status")
record = record_col.text_input(
    "Deal name or record ID", key="history_record", placeholder="e.g. Calder or 21000000052"
)
dates = dates_col.date_input("Dates", value=[], key="history_dates")
since, until = (*dates, None, None)[:2] if isinstance(dates, tuple | list) else (dates, dates)
names = corrections.deal_names()
wanted = record.strip().casefold()
by_name = {i for i, name in names.items() if wanted and wanted in name.casefold()}
log = corrections.log(
    user=None if user == ANYONE else user,
    status=None if status == ANY else status,
    object_id=None if by_name else record,
    since=since,
    until=until or since,
)
if by_name:
    log = log[log["object_id"].astype(str).isin(by_name)]
labels = corrections.batch_labels(everything, names)
log = log.assign(deal=log["object_id"].astype(str).map(names), batch=log["batch_id"].astype(str).map(labels))
st.dataframe(
    log,
    column_config=LOG_CONFIG,
    column_order=[
        "id",
        "created_at",
        "deal",
        *[k for k in LOG_CONFIG if k not in ("id", "created_at", "deal")],
    ],
    hide_index=True,
    key="history_table",
)
st.caption(f"{len(log)} of {len(everything)} corrections.")
st.download_button(
    "Download CSV",
    to_csv_bytes(log),
    file_name="throughline-corrections.csv",
    mime="text/csv",
    key="history_csv",
    on_click="ignore",
    icon=":material/download:",
)

# -- undo -----------------------------------------------------------------------------------------------
st.subheader("Undo")
undoable = log[(log["status"] == "applied") & log["action"].isin(["apply", "undo"])]
if not corrections.can("undo"):
    st.caption("Ops and admin can undo corrections here.")
elif undoable.empty:
    st.caption(
        "No correction shown can be undone (a created project record is not undone here: archive it in "
        "HubSpot)."
    )
else:
    rows = {int(r["id"]): r for r in undoable.to_dict("records")}
    one_col, batch_col = st.columns(2)
    with one_col:
        picked = st.selectbox(
            "One correction",
            list(rows),
            format_func=lambda i: (
                f"#{i} {names.get(str(rows[i]['object_id']), rows[i]['object_id'])}: "
                f"{corrections.text(rows[i]['before'])} → "
                f"{corrections.text(rows[i]['after'])}"
            ),
            key="undo_pick",
        )
        if picked is not None and st.button("Undo this correction…", key="undo_one"):
            corrections.preview_undo([picked], f"Undo correction #{picked}")
    with batch_col:
        batches = list(dict.fromkeys(undoable["batch_id"]))
        linked = st.query_params.get("batch")  # the link in a write's result opens its batch here
        if linked in batches and st.session_state.get("undo_batch_linked") != linked:
            st.session_state["undo_batch_pick"] = linked
            st.session_state["undo_batch_linked"] = linked
        batch = st.selectbox(
            "A whole batch",
            batches,
            format_func=lambda b: labels.get(str(b), str(b)),
            key="undo_batch_pick",
        )
        if batch is not None and st.button("Undo the whole batch…", key="undo_batch"):
            ids = everything.loc[everything["batch_id"] == batch, "id"].astype(int).tolist()
            corrections.preview_undo(ids, f"Undo {labels.get(str(batch), batch)}")
