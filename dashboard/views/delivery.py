"""The delivery page's rows: one owner's deals, open incidents first, and the tiles over them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard import columns as c
from dashboard.format import days_late, plural
from dashboard.transforms.portfolio import NO_VALUE
from dashboard.views.project import TICKET_KINDS, project_href, project_params
from services.models import CrmSnapshot


def delivery_rows(
    delivery: pd.DataFrame,
    owner: str | None = None,
    *,
    only_incidents: bool = False,
    customers: tuple[str, ...] = (),
) -> pd.DataFrame:
    """One owner's deals (all when `owner` is None) of `customers` (all when empty): open incidents first,
    then by next milestone."""
    rows = delivery
    if owner is not None:
        rows = rows[rows[c.OWNER_NAME].fillna(NO_VALUE) == owner]
    if customers:
        rows = rows[rows[c.CUSTOMER_NAME].fillna(NO_VALUE).isin(customers)]
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


def milestone_due(name: object, due: object, as_of: date) -> str:
    """ "Go-live · due in 5 days", "Go-live · OVERDUE 3 days late", or an em dash with no milestone."""
    if not isinstance(name, str) or not name:
        return "—"
    if not isinstance(due, date) or pd.isna(due):  # a Timestamp is a date; NaT is one too
        return name
    days = (pd.Timestamp(as_of) - pd.Timestamp(due)).days
    return f"{name} · OVERDUE {days_late(days)}" if days > 0 else f"{name} · {days_late(days)}"


def sales_brief(rows: pd.DataFrame, crm: CrmSnapshot | None, as_of: date) -> pd.DataFrame:
    """`delivery_rows` with the brief's words: next milestone due or overdue, open incidents with subject and
    age, and each row's Project page link."""
    incidents: dict[str, str] = {}
    if crm is not None:
        tickets = {t.ticket_id: t for t in crm.tickets}
        for deal in crm.deals:
            open_ones = [
                tickets[t]
                for t in deal.ticket_ids
                if t in tickets and tickets[t].is_open and tickets[t].kind == "incident"
            ]
            if open_ones:
                incidents[str(deal.crm_deal_id)] = "; ".join(
                    f"{t.subject or TICKET_KINDS['incident']}"
                    + (f", {plural((as_of - t.created_at.date()).days, 'day')} old" if t.created_at else "")
                    for t in open_ones
                )
    return rows.assign(
        **{
            c.MILESTONE_DUE: [
                milestone_due(n, d, as_of)
                for n, d in zip(rows[c.NEXT_MILESTONE], rows[c.NEXT_MILESTONE_DATE], strict=True)
            ],
            c.INCIDENT_TITLES: [incidents.get(str(d), "—") for d in rows[c.CRM_DEAL_ID]],
            c.PROJECT_LINK: [project_href(param) for param in project_params(rows)],
        }
    )
