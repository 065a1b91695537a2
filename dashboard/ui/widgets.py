"""Widgets that hold UI intent in session state: the margin filters, the project picker, the owner picker.

Each returns a plain value (a MarginFilter, a row key, an owner name) so the pages never touch session state.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import columns as c
from dashboard.transforms.ids import IdConvention
from dashboard.ui.escape import md
from dashboard.views import FLAGS, MarginFilter, choices, find_project, project_choices, project_param

PROJECT_PARAM = "project"
PROJECT_PICK = "project_pick"
_PROJECT_SHOWN = "project_param_shown"
"""The `?project=` value the page last showed, so a new deep link is told apart from the page's own."""
ALL_OWNERS = "All owners"


def margin_filters(rows: pd.DataFrame) -> MarginFilter:
    """The margin page's filters, in an expander; empty selections mean "all"."""
    with st.expander("Filters", expanded=True, icon=":material/filter_list:"):
        left, middle, right = st.columns(3)
        owners = left.multiselect("Owner", choices(rows, c.OWNER_NAME), key="margin_owner")
        customers = middle.multiselect("Customer", choices(rows, c.CUSTOMER_NAME), key="margin_customer")
        statuses = right.multiselect(
            "ERP status", choices(rows, c.ERP_STATUS), key="margin_status", help="the ERP project's stage"
        )
        left, middle, right = st.columns(3)
        currencies = left.multiselect("Currency", choices(rows, c.CURRENCY), key="margin_currency")
        flags = middle.multiselect(
            "Flags", list(FLAGS), format_func=FLAGS.__getitem__, key="margin_flags", help="any of these"
        )
        closed = rows[c.CLOSE_DATE].dropna()
        first, last = (closed.min().date(), closed.max().date()) if len(closed) else (None, None)
        picked = (
            right.date_input(
                "Closed between",
                value=(first, last),
                min_value=first,
                max_value=last,
                key="margin_closed",
                format="DD.MM.YYYY",
                help="projects without a close date (ERP-only) drop out once you narrow this",
            )
            if first and last
            else ()
        )
    # While someone picks a range the widget holds one date; filter only on a whole, narrowed range.
    span = tuple(picked) if isinstance(picked, tuple | list) else ()
    narrowed = len(span) == 2 and (span[0], span[1]) != (first, last)
    return MarginFilter(
        owners=tuple(owners),
        customers=tuple(customers),
        statuses=tuple(statuses),
        currencies=tuple(currencies),
        flags=tuple(flags),
        closed_from=span[0] if narrowed else None,
        closed_to=span[1] if narrowed else None,
    )


def project_picker(figures: pd.DataFrame, convention: IdConvention) -> str | None:
    """The project row the page shows, kept in step with `?project=` both ways (a deep link opens it).

    The link may hold the project ID as people type it, a deal id or a row key. A link that names nothing
    leaves the choice empty and says so.
    """
    options = project_choices(figures)
    wanted = st.query_params.get(PROJECT_PARAM)
    if wanted and wanted != st.session_state.get(_PROJECT_SHOWN):
        found = find_project(figures, wanted, convention)
        if found is None:
            st.warning(
                f"No project matches “{md(wanted)}” in the link: pick one below, or check the project ID "
                f"(e.g. {convention.example()}) or the HubSpot deal id.",
                icon=":material/link_off:",
            )
            st.session_state[_PROJECT_SHOWN] = wanted
        else:
            st.session_state[PROJECT_PICK] = found
    if st.session_state.get(PROJECT_PICK) not in options:
        st.session_state.pop(PROJECT_PICK, None)
    pick = st.selectbox(
        "Project",
        list(options),
        index=None,
        format_func=options.__getitem__,
        key=PROJECT_PICK,
        placeholder="Type a customer, project or project ID…",
    )
    if pick is None:
        st.query_params.pop(PROJECT_PARAM, None)  # a cleared choice leaves no stale link behind
    else:
        row = figures[figures[c.ROW_KEY] == pick].iloc[0]
        param = project_param(row)
        st.query_params[PROJECT_PARAM] = param
        st.session_state[_PROJECT_SHOWN] = param
    return pick


def owner_picker(frame: pd.DataFrame, mine: str | None = None) -> str | None:
    """ "My deals": one owner's name, or None for all owners; starts on `mine` (the signed-in owner)."""
    options = [ALL_OWNERS, *choices(frame, c.OWNER_NAME)]
    if mine in options and "delivery_owner" not in st.session_state:
        st.session_state["delivery_owner"] = mine
    owner = st.selectbox(
        "My deals",
        options,
        key="delivery_owner",
        help="the deals of one owner; starts on yours when your e-mail is a HubSpot owner's",
    )
    return None if owner == ALL_OWNERS else str(owner)
