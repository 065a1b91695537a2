"""The delivery page's rows: one owner's deals, open incidents first, and the tiles over them."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard import columns as c
from dashboard.transforms.portfolio import NO_VALUE


def delivery_rows(
    delivery: pd.DataFrame, owner: str | None = None, *, only_incidents: bool = False
) -> pd.DataFrame:
    """One owner's deals (all when `owner` is None): open incidents first, then by next milestone."""
    rows = delivery
    if owner is not None:
        rows = rows[rows[c.OWNER_NAME].fillna(NO_VALUE) == owner]
    if only_incidents:
        rows = rows[rows[c.OPEN_INCIDENTS].fillna(0) > 0]
    return rows.sort_values(
        [c.OPEN_INCIDENTS, c.NEXT_MILESTONE_DATE],
        ascending=[False, True],
        na_position="last",
        kind="stable",
    )


@dataclass(frozen=True)
class DeliverySummary:
    """The delivery page's tiles for the rows it shows."""

    deals: int
    open_projects: int
    """Deals whose ERP project is still open."""
    open_incidents: int
    open_change_requests: int
    with_incidents: tuple[str, ...]
    """Names of the deals with open incidents, in the rows' order."""


def delivery_summary(rows: pd.DataFrame) -> DeliverySummary:
    """Counts over `delivery_rows` output."""
    incidents = rows[c.OPEN_INCIDENTS].fillna(0)
    return DeliverySummary(
        deals=len(rows),
        open_projects=int((rows[c.ERP_STATUS] == "open").sum()),
        open_incidents=int(incidents.sum()),
        open_change_requests=int(rows[c.OPEN_CHANGE_REQUESTS].fillna(0).sum()),
        with_incidents=tuple(rows.loc[incidents > 0, c.DEAL_NAME].fillna("unnamed deal").astype(str)),
    )
