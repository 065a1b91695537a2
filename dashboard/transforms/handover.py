"""Handover completeness: does a won deal carry what delivery needs to start?"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from dashboard import columns as c
from dashboard.transforms.thresholds import Thresholds

# The items checked, in the order a person reads them, with the words the page shows when one is missing.
HANDOVER_ITEMS = {
    c.HAS_PROJECT_RECORD: "project record",
    c.ID_PRESENT: "ERP project ID",
    c.ID_VALID: "valid ERP project ID",
    c.HAS_SCOPE: "scope",
    c.HAS_PRICING: "pricing (line items)",
    c.HAS_PRIMARY_CONTACT: "primary contact",
    c.HAS_PROPOSAL_VERSION: "signed proposal version",
    c.HAS_PRESALES_TICKET: "pre-sales ticket",
    c.HAS_NOTES: "notes",
}


def handover_status(joined: pd.DataFrame, as_of: date, thresholds: Thresholds) -> pd.DataFrame:
    """One row per won deal: the HANDOVER_ITEMS checks, score, missing_items, days_since_close, overdue.

    Takes `join_projects` output. An ID is valid when it normalizes and names an ERP project. The score is
    the share of items satisfied; a deal is overdue when incomplete more than `handover_overdue_days` after
    its close date.
    """
    won = joined.loc[
        joined[c.DEAL_IS_WON],
        [
            c.ROW_KEY,
            c.CRM_DEAL_ID,
            c.DEAL_NAME,
            c.CUSTOMER_NAME,
            c.OWNER_NAME,
            c.CLOSE_DATE,
            c.CRM_PROJECT_RECORD_ID,
            c.DEAL_RAW_PROJECT_ID,
            c.MATCH,
            c.SCOPE_SUMMARY,
            c.LINE_ITEM_COUNT,
            c.PRIMARY_CONTACT_ID,
            c.PROPOSAL_VERSION,
            c.PRESALES_TICKETS,
            c.NOTE_COUNT,
        ],
    ]
    checks = pd.DataFrame(
        {
            c.HAS_PROJECT_RECORD: won[c.CRM_PROJECT_RECORD_ID].notna(),
            c.ID_PRESENT: _filled(won[c.DEAL_RAW_PROJECT_ID]),
            c.ID_VALID: won[c.MATCH] == c.MATCH_LINKED,
            c.HAS_SCOPE: _filled(won[c.SCOPE_SUMMARY]),
            c.HAS_PRICING: won[c.LINE_ITEM_COUNT].fillna(0) >= 1,
            c.HAS_PRIMARY_CONTACT: _filled(won[c.PRIMARY_CONTACT_ID]),
            c.HAS_PROPOSAL_VERSION: _filled(won[c.PROPOSAL_VERSION]),
            c.HAS_PRESALES_TICKET: won[c.PRESALES_TICKETS].fillna(0) >= 1,
            c.HAS_NOTES: won[c.NOTE_COUNT].fillna(0) >= 1,
        },
        index=won.index,
    )
    missing = _missing_items(checks)
    days = (pd.Timestamp(as_of) - won[c.CLOSE_DATE]).dt.days
    score = checks.mean(axis=1)
    out = won[[c.ROW_KEY, c.CRM_DEAL_ID, c.DEAL_NAME, c.CUSTOMER_NAME, c.OWNER_NAME, c.CLOSE_DATE]].join(
        checks
    )
    return out.assign(
        **{
            c.HANDOVER_SCORE: score,
            c.MISSING_ITEMS: missing,
            c.DAYS_SINCE_CLOSE: days.astype("Int64"),
            c.HANDOVER_OVERDUE: (score < 1) & (days > thresholds.handover_overdue_days),
        }
    ).reset_index(drop=True)


def _missing_items(checks: pd.DataFrame) -> pd.Series:
    """Per row, the words of the HANDOVER_ITEMS it fails, in their order."""
    # Rows share few patterns of failed checks: spell each pattern out once, as a bit mask.
    failed = ~checks[list(HANDOVER_ITEMS)].to_numpy(dtype=bool)
    masks = failed @ (1 << np.arange(len(HANDOVER_ITEMS)))
    words = list(HANDOVER_ITEMS.values())
    spelled = {
        mask: tuple(word for bit, word in enumerate(words) if mask >> bit & 1)
        for mask in np.unique(masks).tolist()
    }
    return pd.Series([spelled[mask] for mask in masks.tolist()], index=checks.index, dtype="object")


def _filled(values: pd.Series) -> pd.Series:
    return pd.Series(
        [isinstance(v, str) and bool(v.strip()) for v in values.tolist()], index=values.index, dtype=bool
    )
