"""Delivery status (sales): where each won deal's project stands, without opening the ERP."""

import streamlit as st

from dashboard import columns as c
from dashboard.format import count
from dashboard.owners import my_owner_name
from dashboard.ui import auth, chrome, decisions, widgets
from dashboard.ui.tables import show
from dashboard.views import choices, delivery_rows, delivery_summary, sales_brief

snap, analysis = chrome.load(
    "Delivery status", "Status, milestones, progress, open tickets and billing of every won deal."
)
owner_column, customer_column, filter_column = st.columns([2, 2, 1], vertical_alignment="bottom")
with owner_column:
    user = auth.current_user()
    owner = widgets.owner_picker(analysis.delivery, my_owner_name(snap, user.email) if user else None)
customers = customer_column.multiselect(
    "Customer",
    choices(analysis.delivery, c.CUSTOMER_NAME),
    key="delivery_customer",
    placeholder="All customers",
    help="only this customer's deals: the brief before a call",
)
only_incidents = filter_column.toggle("Only deals with open incidents", key="delivery_incidents")
rows = delivery_rows(analysis.delivery, owner, only_incidents=only_incidents, customers=tuple(customers))
summary = delivery_summary(rows)

tiles = st.columns(4)
tiles[0].metric("Won deals", count(summary.deals), border=True)
tiles[1].metric("Open in the ERP", count(summary.open_projects), border=True, help="ERP project not closed")
tiles[2].metric("Open incidents", count(summary.open_incidents), border=True)
tiles[3].metric("Open change requests", count(summary.open_change_requests), border=True)

if summary.with_incidents:
    n = len(summary.with_incidents)
    names = ", ".join(summary.with_incidents[:5]) + (f" and {n - 5} more" if n > 5 else "")
    deals = "deals" if n > 1 else "deal"
    st.warning(
        f"**{n} {deals} with open incidents**: {names}. They are at the top below.",
        icon=":material/report:",
    )
if rows.empty:
    st.info("No won deal matches. Pick another owner or customer, or switch off the incident filter.")
else:
    brief = sales_brief(rows, snap.crm, analysis.as_of)
    with st.container(key="wide_delivery"):
        show(brief, c.DELIVERY_TABLE, key="delivery_table", height=560, download="delivery", deciding=8)
    decisions.delivery_cards(brief, can_open=user is not None and "project" in auth.allowed_pages(user))
    st.caption(
        "Complete: the percent complete the project record reports, or cost to date against the estimated "
        "cost (cost-to-cost) when it reports none. Billing burn: invoiced against contract value. The first "
        "column opens the deal's Project page."
    )
