"""Delivery status for sales: where each won deal's project stands, without opening the ERP."""

from __future__ import annotations

import pandas as pd

from dashboard import columns as c

_ACTIVITY = (c.LAST_NOTE_AT, c.LAST_TICKET_AT, c.DEAL_UPDATED_AT, c.PROJECT_UPDATED_AT)
_FROM_FIGURES = [
    c.ROW_KEY,
    c.POC,
    c.POC_METHOD,
    c.CURRENCY,
    c.CONTRACT_VALUE_AMOUNT,
    c.INVOICED_AMOUNT,
    c.BILLING_BURN_PCT,
]


def delivery_status(joined: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """One row per won deal (c.DELIVERY_FRAME): status, milestones, progress, open tickets, billing, activity.

    Takes `join_projects` and `project_figures` output. Last activity is the latest of the deal's notes,
    tickets, the deal's and its project record's last update.
    """
    won = joined[joined[c.DEAL_IS_WON]]
    activity = won[list(_ACTIVITY)].max(axis=1)
    deal_side = won.drop(columns=[c.INVOICED_AMOUNT]).assign(**{c.LAST_ACTIVITY_AT: activity})
    out = deal_side.merge(figures[_FROM_FIGURES], on=c.ROW_KEY, how="left", validate="one_to_one")
    # Counts come back as floats from the outer join (ERP-only rows have none); these rows all have them.
    counts = [c.OPEN_INCIDENTS, c.OPEN_CHANGE_REQUESTS]
    out[counts] = out[counts].astype("Int64")
    return out[list(c.DELIVERY_FRAME)].reset_index(drop=True)
