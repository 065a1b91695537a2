"""Project (what the account executive sees on the deal): agreed at close, delivery, margin, activity.

Deep link: `?project=PRJ-00042` (or a HubSpot deal id) opens that project. The deal's line items and notes
and the project's ERP documents are read only now, for this project.
"""

import pandas as pd
import streamlit as st

from dashboard import columns as c
from dashboard import views as v
from dashboard.format import count, count_of, day, days_late, money, pct, pp, status
from dashboard.ui import cache, chrome, widgets
from dashboard.ui.escape import md
from dashboard.ui.tables import show


def links_out(row: pd.Series) -> None:
    """ "Open in HubSpot" and "Open in the ERP", where the settings say where those records live."""
    settings = cache.settings()
    hubspot = v.hubspot_deal_url(settings.hubspot.portal_id, settings.hubspot.ui_domain, row[c.CRM_DEAL_ID])
    erp = v.odoo_project_url(settings.odoo.url, row[c.ERP_RECORD_ID]) if settings.erp == "odoo" else None
    bar = st.container(horizontal=True)
    if hubspot:
        bar.link_button("Open in HubSpot", hubspot, icon=":material/open_in_new:", type="tertiary")
    if erp:
        bar.link_button("Open in the ERP", erp, icon=":material/open_in_new:", type="tertiary")
    if not hubspot and not erp:
        bar.caption(
            "Links to HubSpot and the ERP appear once the portal id (THROUGHLINE_HUBSPOT__PORTAL_ID) and the "
            "ERP's address are set."
        )


def header(row: pd.Series, ccy: str) -> None:
    links_out(row)
    tiles = st.columns(5)
    tiles[0].metric("Contract value", money(row[c.CONTRACT_VALUE_AMOUNT], ccy), border=True)
    tiles[1].metric("Invoiced", money(row[c.INVOICED_AMOUNT], ccy), border=True)
    late = row[c.MAX_DAYS_PAST_DUE]
    overdue = sum(row[b] for b in c.AR_BUCKETS if b != c.AR_CURRENT_AMOUNT and pd.notna(row[b]))
    tiles[2].metric(
        "Outstanding",
        money(row[c.OUTSTANDING_AMOUNT], ccy),
        delta=f"{money(overdue, ccy)} overdue, up to {days_late(late)}"
        if pd.notna(late) and late > 0
        else None,
        delta_color="inverse",
        delta_arrow="off",
        border=True,
    )
    tiles[3].metric("Cost to date", money(row[c.ACTUAL_COST_AMOUNT], ccy), border=True)
    tiles[4].metric(
        "Forecast margin",
        pct(row[c.FORECAST_MARGIN_PCT]),
        delta=f"{pp(row[c.EROSION_PP])} erosion" if pd.notna(row[c.EROSION_PP]) else None,
        delta_color="inverse",  # as the tables' Erosion (pp): positive = eroding, shown red
        border=True,
    )
    if row[c.MATCH] == c.MATCH_DEAL_ONLY:
        st.warning(
            "No ERP project carries this deal's project ID, so its cost and billing are unknown here. "
            "The ID audit page lists the likely match.",
            icon=":material/link_off:",
        )
    elif row[c.MATCH] == c.MATCH_ERP_ONLY:
        st.warning(
            "No won HubSpot deal carries this ERP project's ID, so there is no contract value or estimate "
            "to compare with. The ID audit page lists the likely deal.",
            icon=":material/link_off:",
        )


def agreed_at_close(joined: pd.Series, details: cache.DealDetails | None) -> None:
    st.subheader("Agreed at close")
    if details is None:
        st.caption("No HubSpot deal is linked to this project, so there is no scope, pricing or contact.")
        return
    left, right = st.columns(2)
    left.markdown(
        f"**Closed:** {day(joined[c.CLOSE_DATE])}  \n"
        f"**Estimated margin at close:** {pct(joined[c.EST_MARGIN_PCT])}  \n"
        f"**Signed proposal:** {md(joined[c.PROPOSAL_VERSION])}"
    )
    right.markdown(
        f"**Owner:** {md(joined[c.OWNER_NAME])}  \n"
        f"**Primary contact:** {md(joined[c.PRIMARY_CONTACT_NAME])}  \n"
        f"**Customer:** {md(joined[c.CUSTOMER_NAME])}"
    )
    st.markdown(f"**Scope:** {md(joined[c.SCOPE_SUMMARY])}")
    if details.error:
        st.warning(
            f"The line items and notes could not be read: {md(details.error)}", icon=":material/cloud_off:"
        )
    items = v.line_items_frame(details.value[0])
    if len(items):
        show(
            items, [c.ITEM_NAME, c.QUANTITY, c.UNIT_PRICE_AMOUNT, c.LINE_AMOUNT], key="line_items", cents=True
        )
        st.caption(f"{len(items)} line items, in {md(joined[c.DEAL_CURRENCY])}.")
    elif not details.error:
        st.caption("The deal has no line items.")


def delivery(row: pd.Series, joined: pd.Series) -> None:
    st.subheader("Delivery")
    tiles = st.columns(4)
    tiles[0].metric("Complete", pct(row[c.POC]), border=True)
    tiles[1].metric(
        "Milestones done", count_of(joined[c.MILESTONES_DONE], joined[c.MILESTONES_TOTAL]), border=True
    )
    tiles[2].metric("Open incidents", count(joined[c.OPEN_INCIDENTS]), border=True)
    tiles[3].metric("Open change requests", count(joined[c.OPEN_CHANGE_REQUESTS]), border=True)
    due = day(joined[c.NEXT_MILESTONE_DATE])
    st.markdown(
        f"**Status:** {md(status(joined[c.PROJECT_STATUS]))} (HubSpot project record), "
        f"{md(status(joined[c.ERP_STATUS]))} (ERP)  \n"
        f"**Next milestone:** {md(joined[c.NEXT_MILESTONE])}" + (f", due {due}" if due != "—" else "")
    )
    st.caption(f"Percent complete {v.POC_METHODS.get(row[c.POC_METHOD], row[c.POC_METHOD])}.")


def margin(row: pd.Series, ccy: str) -> None:
    st.subheader("Margin")
    if not isinstance(row[c.ERP_RECORD_ID], str) or row[c.MATCH] == c.MATCH_DEAL_ONLY:
        st.caption("No ERP project is linked, so there are no costs or invoices to show.")
        return
    documents = cache.project_documents(row[c.ERP_RECORD_ID])
    if documents.error:
        st.warning(f"The ERP documents could not be read: {md(documents.error)}", icon=":material/cloud_off:")
    frame = v.documents_frame(documents.value)
    lines = v.profit_lines(row, frame)
    revenue, cost = st.columns(2)
    for column, kind, heading in ((revenue, "revenue", "Revenues"), (cost, "cost", "Costs")):
        column.markdown(f"**{heading}**")
        for line, amount in (item for item in lines if item[0].kind == kind):
            docs = v.line_documents(frame, line)
            with column.expander(f"{line.label}: {money(amount, ccy)} · {len(docs)} ERP lines"):
                if docs.empty:
                    st.caption(line.empty_note)
                else:
                    show(docs, c.DOCUMENTS_TABLE[1:], key=f"docs_{line.label}", cents=True)
    tiles = st.columns(4)
    tiles[0].metric("Estimated cost at close", money(row[c.EST_COST_AMOUNT], ccy), border=True)
    tiles[1].metric(
        "Realized margin",
        money(row[c.REALIZED_MARGIN_AMOUNT], ccy),
        delta=pct(row[c.REALIZED_MARGIN_PCT]),
        delta_color="off",
        help="invoiced minus cost to date",
        border=True,
    )
    tiles[2].metric(
        "Forecast margin",
        money(row[c.FORECAST_MARGIN_AMOUNT], ccy),
        delta=pct(row[c.FORECAST_MARGIN_PCT]),
        delta_color="off",
        help="contract value minus the estimate at completion",
        border=True,
    )
    early = bool(row[c.EARLY_FORECAST_FLAG])
    tiles[3].metric(
        "Estimate at completion",
        money(row[c.EAC_AMOUNT], ccy),
        delta="too early to extrapolate" if early else None,
        delta_color="off",
        help=v.eac_help(cache.settings().thresholds.early_forecast_poc),
        border=True,
    )


def activity(activity_rows: pd.DataFrame | None) -> None:
    st.subheader("Activity")
    if activity_rows is None:
        st.caption("No HubSpot deal is linked to this project, so there are no tickets or notes.")
    elif activity_rows.empty:
        st.caption("No tickets or notes on this deal.")
    else:
        show(
            activity_rows, [c.ACTIVITY_AT, c.ACTIVITY_KIND, c.ACTIVITY_TEXT, c.ACTIVITY_STATE], key="activity"
        )
        st.caption("Tickets and notes: open incidents first, then the newest first.")


snap, analysis = chrome.load("Project", "What was agreed at close, how delivery goes, and the margin so far.")
pick = widgets.project_picker(analysis.figures, analysis.convention)
row = v.row_for(analysis.figures, pick) if pick else None
joined = v.row_for(analysis.joined, pick) if pick else None
if row is None or joined is None:
    st.info(
        "Choose a project above, or open one with a link ending in "
        f"`?project={analysis.convention.example()}`.",
        icon=":material/search:",
    )
    st.stop()
ccy = str(row[c.CURRENCY])
deal = v.find_deal(snap.crm, row[c.CRM_DEAL_ID])
header(row, ccy)
details = cache.deal_details(snap, deal.crm_deal_id) if deal else None
agreed_at_close(joined, details)
delivery(row, joined)
margin(row, ccy)
activity(v.activity_frame(snap.crm, deal, details.value[1]) if deal and details else None)
