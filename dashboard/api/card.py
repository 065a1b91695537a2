"""The deal card's data: one deal's part of the analysis, in JSON, with no network and no clock of its own.

Everything here is taken from the same frames the dashboard's pages show (dashboard/analysis.py `analyze`)
and turned into JSON the way `python -m dashboard report` does (`report.table`, `report.records`), so a
figure on the card is the dashboard's figure for the same deal and moment, under the report's name
(`figures.contract_value_amount`, ...). Parts the viewer's role may not see are null (access.py).

The answer, for a won deal (a deal not won yet has only `deal`, `freshness` and `access`):

    deal        crm_deal_id, deal_name, deal_stage, deal_is_won, customer_name, owner_name, close_date
    project     erp_project_id, project_label, match (linked, deal_only)
    scope       what was agreed at close: scope_summary, proposal_version, primary_contact_id,
                primary_contact_name (null when the card sent the deal's contacts: it shows the name HubSpot
                gave it), line_item_count, deal_currency
    delivery    project_status, erp_status, poc, poc_method, milestones_done, milestones_total,
                next_milestone, next_milestone_date, open_incidents, open_change_requests, last_activity_at
    figures     every `report figures` column, and max_days_past_due, est_cost_amount, cost_burn_level
    handover    handover_score, missing_items, days_since_close, handover_overdue
    findings    this deal's open ID-audit findings: key, kind, severity, band, message, raw_id,
                suggested_id, confidence
    freshness   per source: source, system, read_at, age_s, stale, error
    links       dashboard (the dashboard's Project page for this deal)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import pandas as pd

from dashboard import columns as c
from dashboard.analysis import Analysis
from dashboard.api.access import Access
from dashboard.report import records, table
from dashboard.snapshot import Snapshot, SourceRead
from dashboard.views import project_param
from services.errors import InputError

DEAL_FIELDS = (
    c.CRM_DEAL_ID, c.DEAL_NAME, c.DEAL_STAGE, c.DEAL_IS_WON, c.CUSTOMER_NAME, c.OWNER_NAME, c.CLOSE_DATE,
)  # fmt: skip
PROJECT_FIELDS = (c.ERP_PROJECT_ID, c.PROJECT_LABEL, c.MATCH)
SCOPE_FIELDS = (
    c.SCOPE_SUMMARY,
    c.PROPOSAL_VERSION,
    c.PRIMARY_CONTACT_ID,
    c.PRIMARY_CONTACT_NAME,
    c.LINE_ITEM_COUNT,
    c.DEAL_CURRENCY,
)
DELIVERY_FIELDS = (
    c.PROJECT_STATUS, c.ERP_STATUS, c.POC, c.POC_METHOD, c.MILESTONES_DONE, c.MILESTONES_TOTAL,
    c.NEXT_MILESTONE, c.NEXT_MILESTONE_DATE, c.OPEN_INCIDENTS, c.OPEN_CHANGE_REQUESTS, c.LAST_ACTIVITY_AT,
)  # fmt: skip
"""The delivery page's columns without its money (contract value, invoiced, billing burn are figures)."""
EXTRA_FIGURES = (c.MAX_DAYS_PAST_DUE, c.EST_COST_AMOUNT, c.COST_BURN_LEVEL)
"""Figures the card shows beyond `report figures` (days overdue next to the outstanding amount)."""
HANDOVER_FIELDS = (c.HANDOVER_SCORE, c.MISSING_ITEMS, c.DAYS_SINCE_CLOSE, c.HANDOVER_OVERDUE)
FINDING_FIELDS = ("key", "kind", "severity", "band", "message", "raw_id", "suggested_id", "confidence")


class DealNotFound(InputError):
    """The deal is not in the data read from the CRM (a wrong id, or a deal created since the last read)."""


def deal_card(
    snapshot: Snapshot,
    analysis: Analysis,
    crm_deal_id: str,
    access: Access,
    *,
    now: datetime,
    dashboard_url: str,
) -> dict[str, Any]:
    """The card's JSON for one deal, with the parts `access` allows (the others null)."""
    joined = _one(analysis.joined, crm_deal_id)
    if joined is None:
        raise DealNotFound(
            f"deal {crm_deal_id} is not in the data read from {snapshot.crm_source.label}; a deal created "
            "since the last read appears when the data is read again (within a minute by default)"
        )
    deal = _fields(joined, DEAL_FIELDS)
    card: dict[str, Any] = {
        "deal": deal,
        "access": {
            "role": access.role,
            "demo": access.demo,
            "financials": access.financials,
            "parts": sorted(access.parts),
        },
        "as_of": analysis.as_of.isoformat(),
        "freshness": freshness(snapshot, now),
        "project": None,
        "scope": None,
        "delivery": None,
        "figures": None,
        "handover": None,
        "findings": None,
        "links": {},
    }
    figures = _one(analysis.figures, crm_deal_id)
    if not deal[c.DEAL_IS_WON] or figures is None:
        return card
    card["project"] = _fields(figures, PROJECT_FIELDS)
    card["scope"] = _fields(joined, SCOPE_FIELDS)
    parts = access.parts
    delivery = _one(analysis.delivery, crm_deal_id)
    if "delivery" in parts and delivery is not None:
        card["delivery"] = _fields(delivery, DELIVERY_FIELDS)
    if "figures" in parts:
        card["figures"] = deal_figures(analysis, crm_deal_id)
    handover = _one(analysis.handover, crm_deal_id)
    if "handover" in parts and handover is not None:
        card["handover"] = _fields(handover, HANDOVER_FIELDS)
    if "findings" in parts:
        card["findings"] = [
            {name: getattr(f, name) for name in FINDING_FIELDS}
            for f in analysis.findings
            if f.crm_deal_id == crm_deal_id
        ]
    if "link" in parts:
        card["links"] = {"dashboard": project_link(dashboard_url, figures)}
    return card


def deal_figures(analysis: Analysis, crm_deal_id: str) -> dict[str, Any] | None:
    """The deal's row of `python -m dashboard report figures`, as the report prints it, and EXTRA_FIGURES."""
    report = table(analysis, "figures")
    rows = records(report[report[c.CRM_DEAL_ID].astype("string") == crm_deal_id])
    if not rows:
        return None
    extra = _one(analysis.figures, crm_deal_id)
    return rows[0] | (_fields(extra, EXTRA_FIGURES) if extra is not None else {})


def freshness(snapshot: Snapshot, now: datetime) -> list[dict[str, Any]]:
    """When each source's data was read, its age in seconds, and what failed (the pages' freshness line)."""
    sources = (("crm", snapshot.crm_source), ("erp", snapshot.erp_source))
    return [_source(source, system, now) for system, source in sources]


def project_link(dashboard_url: str, figures_row: pd.Series) -> str:
    """The dashboard's Project page for this row (`?project=` as the page's deep link takes it)."""
    return f"{dashboard_url.rstrip('/')}/project?project={quote(project_param(figures_row), safe='')}"


def _source(source: SourceRead, system: str, now: datetime) -> dict[str, Any]:
    age = source.age_s(now)
    return {
        "source": source.label,
        "system": system,
        "read_at": source.read_at.isoformat() if source.read_at else None,
        "age_s": round(age, 1) if age is not None else None,
        "stale": source.stale,
        "error": source.error,
        "mode": source.mode,
    }


def _one(frame: pd.DataFrame, crm_deal_id: str) -> pd.Series | None:
    """The frame's row for this deal (a deal is at most once in joined, figures, delivery, handover)."""
    hits = frame[frame[c.CRM_DEAL_ID].astype("string") == crm_deal_id]
    return hits.iloc[0] if len(hits) else None


def _fields(row: pd.Series, names: tuple[str, ...]) -> dict[str, Any]:
    """The named values of one row, JSON-ready as the report writes them."""
    values = {name: _value(row[name]) if name in row.index else None for name in names}
    return records(pd.DataFrame([values], columns=list(names)).astype(object))[0]


def _value(value: Any) -> Any:
    """None for every missing marker (NaN, NaT, pd.NA of the nullable integer columns)."""
    return None if pd.api.types.is_scalar(value) and pd.isna(value) else value
