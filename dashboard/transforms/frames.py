"""Frames from the typed records: one function per frame, columns from `dashboard.columns`.

Money becomes float64 (from Decimal), instants become UTC timestamps (a naive one is read as UTC), dates
become midnight timestamps without a zone. A frame with no records still has all its columns.

Values a page cannot use are caught here, once, for every adapter: an amount that is not finite or beyond
any real project (`MAX_AMOUNT`) is left empty, and a name's control characters (which break spreadsheets
and terminals) are removed; each such value is named in the record's problems column (DEAL_PROBLEMS,
ERP_PROBLEMS) with what to fix, so the row stays, flagged, and the rest of the page stays whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from dashboard import columns as c
from services.models import CrmProjectRecord, CrmRecordId, CrmSnapshot, Deal, ErpSnapshot, Ticket

DEAL_COLUMNS = {
    c.CRM_DEAL_ID: "object",
    c.DEAL_NAME: "object",
    c.DEAL_STAGE: "object",
    c.DEAL_IS_WON: "bool",
    c.DEAL_IS_CLOSED: "bool",
    c.DEAL_AMOUNT: "float64",
    c.DEAL_CURRENCY: "object",
    c.CLOSE_DATE: "datetime64[ns]",
    c.DEAL_CREATED_AT: "datetime64[ns, UTC]",
    c.DEAL_UPDATED_AT: "datetime64[ns, UTC]",
    c.OWNER_ID: "object",
    c.OWNER_NAME: "object",
    c.OWNER_TEAM: "object",
    c.CUSTOMER_NAME: "object",
    c.DEAL_RAW_PROJECT_ID: "object",
    c.EST_MARGIN_PCT: "float64",
    c.SCOPE_SUMMARY: "object",
    c.PROPOSAL_VERSION: "object",
    c.PRIMARY_CONTACT_ID: "object",
    c.PRIMARY_CONTACT_NAME: "object",
    c.LINE_ITEM_COUNT: "int64",
    c.LINE_ITEMS_AMOUNT: "float64",
    c.PRESALES_TICKETS: "int64",
    c.OPEN_INCIDENTS: "int64",
    c.OPEN_CHANGE_REQUESTS: "int64",
    c.NOTE_COUNT: "int64",
    c.LAST_NOTE_AT: "datetime64[ns, UTC]",
    c.LAST_TICKET_AT: "datetime64[ns, UTC]",
    c.DEAL_PROBLEMS: "object",
}

CRM_PROJECT_COLUMNS = {
    c.CRM_PROJECT_RECORD_ID: "object",
    c.CRM_DEAL_ID: "object",
    c.PROJECT_RECORD_NAME: "object",
    c.PROJECT_RECORD_RAW_ID: "object",
    c.PROJECT_STATUS: "object",
    c.REPORTED_POC: "float64",
    c.MILESTONES_TOTAL: "Int64",
    c.MILESTONES_DONE: "Int64",
    c.NEXT_MILESTONE: "object",
    c.NEXT_MILESTONE_DATE: "datetime64[ns]",
    c.PROJECT_UPDATED_AT: "datetime64[ns, UTC]",
}

ERP_PROJECT_COLUMNS = {
    c.ERP_NAME: "object",
    c.ERP_RECORD_ID: "object",
    c.ERP_RAW_PROJECT_ID: "object",
    c.ERP_PROJECT_NAME: "object",
    c.ERP_CUSTOMER_NAME: "object",
    c.ERP_STATUS: "object",
    c.ERP_START_DATE: "datetime64[ns]",
    c.ERP_END_DATE: "datetime64[ns]",
    c.ERP_CURRENCY: "object",
    c.ERP_COMPANY: "object",
    c.PLANNED_REVENUE_AMOUNT: "float64",
    c.ERP_UPDATED_AT: "datetime64[ns, UTC]",
    c.HAS_ACTUALS: "bool",
    c.LABOR_HOURS: "float64",
    c.LABOR_COST_AMOUNT: "float64",
    c.VENDOR_COST_AMOUNT: "float64",
    c.OTHER_COST_AMOUNT: "float64",
    c.INVOICED_AMOUNT: "float64",
    c.INVOICED_GROSS_AMOUNT: "float64",
    c.PAID_AMOUNT: "float64",
    c.OUTSTANDING_AMOUNT: "float64",
    c.ERP_PROBLEMS: "object",
}

RECEIVABLE_COLUMNS = {
    c.ERP_RECORD_ID: "object",
    c.DOCUMENT: "object",
    c.INVOICE_DATE: "datetime64[ns]",
    c.DUE_DATE: "datetime64[ns]",
    c.UNTAXED_AMOUNT: "float64",
    c.TOTAL_AMOUNT: "float64",
    c.RESIDUAL_AMOUNT: "float64",
    c.CURRENCY: "object",
    c.PAYMENT_STATE: "object",
}

_ACTUALS_FIELDS = {
    c.LABOR_HOURS: "labor_hours",
    c.LABOR_COST_AMOUNT: "labor_cost",
    c.VENDOR_COST_AMOUNT: "vendor_cost",
    c.OTHER_COST_AMOUNT: "other_cost",
    c.INVOICED_AMOUNT: "invoiced",
    c.INVOICED_GROSS_AMOUNT: "invoiced_gross",
    c.PAID_AMOUNT: "paid",
    c.OUTSTANDING_AMOUNT: "outstanding",
}


MAX_AMOUNT = 1e12
"""No project is worth a trillion: an amount beyond this (or not finite) is a typo or a unit slip."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile(r"[\t\n\r]+")


def deals_frame(crm: CrmSnapshot) -> pd.DataFrame:
    """One row per deal with its owner, customer and handover facts (DEAL_COLUMNS)."""
    owners = {o.owner_id: o for o in crm.owners}
    companies = {co.company_id: co.name for co in crm.companies}
    contacts = {co.contact_id: co.name for co in crm.contacts}
    item_amounts = {li.line_item_id: li.amount or Decimal(0) for li in crm.line_items}
    tickets = {t.ticket_id: _ticket_facts(t) for t in crm.tickets}
    note_times = {n.note_id: _utc(n.timestamp) for n in crm.notes if n.timestamp is not None}
    deals = crm.deals
    # Built a column at a time (a dict per deal costs several times more at 10,000 deals); each column
    # that can name a problem appends it to its deal's list, in the column order.
    problems = [list(d.problems) for d in deals]
    where = [f"deal {d.crm_deal_id}" for d in deals]
    owner_of = [owners.get(d.owner_id) if d.owner_id else None for d in deals]
    facts = [[tickets[t] for t in d.ticket_ids if t in tickets] for d in deals]
    items = [sum((item_amounts[i] for i in d.line_item_ids if i in item_amounts), Decimal(0)) for d in deals]
    columns: dict[str, list[object]] = {
        c.CRM_DEAL_ID: [d.crm_deal_id for d in deals],
        c.DEAL_NAME: [_clean(d.name, p, w, "name") for d, p, w in zip(deals, problems, where, strict=True)],
        c.DEAL_STAGE: [d.stage_label or d.stage for d in deals],
        c.DEAL_IS_WON: [d.is_won for d in deals],
        c.DEAL_IS_CLOSED: [d.is_closed for d in deals],
        c.DEAL_AMOUNT: [
            _amount(d.amount, p, w, "amount") for d, p, w in zip(deals, problems, where, strict=True)
        ],
        c.DEAL_CURRENCY: [d.currency for d in deals],
        c.CLOSE_DATE: [d.close_date for d in deals],
        c.DEAL_CREATED_AT: [d.created_at for d in deals],
        c.DEAL_UPDATED_AT: [d.updated_at for d in deals],
        c.OWNER_ID: [d.owner_id for d in deals],
        c.OWNER_NAME: [o.name if o else None for o in owner_of],
        c.OWNER_TEAM: [o.team if o else None for o in owner_of],
        c.CUSTOMER_NAME: [
            _clean(_first_name(d.company_ids, companies), p, w, "customer")
            for d, p, w in zip(deals, problems, where, strict=True)
        ],
        c.DEAL_RAW_PROJECT_ID: [d.raw_project_id for d in deals],
        c.EST_MARGIN_PCT: [_money(d.estimated_margin_pct) for d in deals],
        c.SCOPE_SUMMARY: [d.scope_summary for d in deals],
        c.PROPOSAL_VERSION: [d.proposal_version for d in deals],
        c.PRIMARY_CONTACT_ID: [d.primary_contact_id for d in deals],
        c.PRIMARY_CONTACT_NAME: [
            contacts.get(d.primary_contact_id) if d.primary_contact_id else None for d in deals
        ],
        # Counted from the associations: the deal knows its line items and notes even when the snapshot
        # did not read the records themselves.
        c.LINE_ITEM_COUNT: [len(d.line_item_ids) for d in deals],
        c.LINE_ITEMS_AMOUNT: [
            _amount(a, p, w, "line items") for a, p, w in zip(items, problems, where, strict=True)
        ],
        c.PRESALES_TICKETS: [sum(f[0] for f in fs) for fs in facts],
        c.OPEN_INCIDENTS: [sum(f[1] for f in fs) for fs in facts],
        c.OPEN_CHANGE_REQUESTS: [sum(f[2] for f in fs) for fs in facts],
        c.NOTE_COUNT: [len(d.note_ids) for d in deals],
        c.LAST_NOTE_AT: [
            max((note_times[n] for n in d.note_ids if n in note_times), default=None) for d in deals
        ],
        c.LAST_TICKET_AT: [max((f[3] for f in fs if f[3] is not None), default=None) for fs in facts],
    }
    columns[c.DEAL_PROBLEMS] = ["\n".join(p) or None for p in problems]
    return _frame_of(columns, DEAL_COLUMNS)


def crm_projects_frame(crm: CrmSnapshot) -> pd.DataFrame:
    """One row per (CRM project record, associated deal); a record with no deal has crm_deal_id None."""
    links = _project_links(crm.projects, crm.deals)
    rows = []
    for record in crm.projects:
        deal_ids: list[str | None] = [*sorted(links.get(record.project_record_id, set()))] or [None]
        for deal_id in deal_ids:
            rows.append(
                {
                    c.CRM_PROJECT_RECORD_ID: record.project_record_id,
                    c.CRM_DEAL_ID: deal_id,
                    c.PROJECT_RECORD_NAME: record.name,
                    c.PROJECT_RECORD_RAW_ID: record.raw_project_id,
                    c.PROJECT_STATUS: record.status,
                    c.REPORTED_POC: _money(record.percent_complete),
                    c.MILESTONES_TOTAL: record.milestones_total,
                    c.MILESTONES_DONE: record.milestones_done,
                    c.NEXT_MILESTONE: record.next_milestone,
                    c.NEXT_MILESTONE_DATE: record.next_milestone_date,
                    c.PROJECT_UPDATED_AT: record.updated_at,
                }
            )
    return _frame(rows, CRM_PROJECT_COLUMNS)


def erp_projects_frame(erp: ErpSnapshot) -> pd.DataFrame:
    """One row per ERP project with its actuals summed in (ERP_PROJECT_COLUMNS); no actuals -> NaN money."""
    actuals: dict[str, dict[str, Decimal]] = {}
    for a in erp.actuals:
        values = a.__dict__  # the frozen record's fields, read once
        if a.erp_record_id not in actuals:
            actuals[a.erp_record_id] = {column: values[field] for column, field in _ACTUALS_FIELDS.items()}
        else:  # a second currency's actuals, or a split: summed
            sums = actuals[a.erp_record_id]
            for column, field in _ACTUALS_FIELDS.items():
                sums[column] += values[field]
    receivable_problems: dict[str, list[str]] = {}
    for r in erp.receivables:
        amounts = (("untaxed", r.amount_untaxed), ("total", r.amount_total), ("open", r.amount_residual))
        if all(-MAX_AMOUNT <= float(value) <= MAX_AMOUNT for _, value in amounts):
            continue
        for label, value in amounts:
            if not _plausible(value):
                receivable_problems.setdefault(r.erp_record_id, []).append(
                    f"invoice {r.document}: {label} amount {float(value):.6g} is not a plausible amount, so "
                    f"the invoice is left out; correct it in {erp.erp.capitalize()}"
                )
    projects = erp.projects
    system = erp.erp.capitalize()
    problems = [list(receivable_problems.get(p.erp_record_id, [])) for p in projects]
    where = [f"{system} project {p.erp_project_id or p.erp_record_id}" for p in projects]
    summed = [actuals.get(p.erp_record_id) for p in projects]
    rows = list(zip(projects, problems, where, strict=True))
    columns: dict[str, list[object]] = {
        c.ERP_NAME: [p.erp for p in projects],
        c.ERP_RECORD_ID: [p.erp_record_id for p in projects],
        c.ERP_RAW_PROJECT_ID: [p.erp_project_id for p in projects],
        c.ERP_PROJECT_NAME: [_clean(p.name, ps, w, "name") for p, ps, w in rows],
        c.ERP_CUSTOMER_NAME: [_clean(p.customer_name, ps, w, "customer") for p, ps, w in rows],
        c.ERP_STATUS: [p.status for p in projects],
        c.ERP_START_DATE: [p.start_date for p in projects],
        c.ERP_END_DATE: [p.end_date for p in projects],
        c.ERP_CURRENCY: [p.currency for p in projects],
        c.ERP_COMPANY: [p.company for p in projects],
        c.PLANNED_REVENUE_AMOUNT: [_amount(p.planned_revenue, ps, w, "planned revenue") for p, ps, w in rows],
        c.ERP_UPDATED_AT: [p.updated_at for p in projects],
        c.HAS_ACTUALS: [s is not None for s in summed],
    }
    # Row by row across the actuals columns, so each project's problems keep the columns' order.
    sums_of: dict[str, list[object]] = {column: [] for column in _ACTUALS_FIELDS}
    for s, ps, w in zip(summed, problems, where, strict=True):
        for column, field in _ACTUALS_FIELDS.items():
            sums_of[column].append(_amount(s[column], ps, w, field.replace("_", " ")) if s else None)
    columns |= sums_of
    columns[c.ERP_PROBLEMS] = ["\n".join(p) or None for p in problems]
    return _frame_of(columns, ERP_PROJECT_COLUMNS)


def receivables_frame(erp: ErpSnapshot) -> pd.DataFrame:
    """One row per posted customer invoice or credit note (RECEIVABLE_COLUMNS), amounts gross but untaxed."""
    kept = []
    for r in erp.receivables:
        untaxed, total, residual = float(r.amount_untaxed), float(r.amount_total), float(r.amount_residual)
        if (
            -MAX_AMOUNT <= untaxed <= MAX_AMOUNT
            and -MAX_AMOUNT <= total <= MAX_AMOUNT
            and -MAX_AMOUNT <= residual <= MAX_AMOUNT
        ):
            kept.append((r, untaxed, total, residual))
        # else: named on its project by erp_projects_frame
    columns: dict[str, list[object]] = {
        c.ERP_RECORD_ID: [r.erp_record_id for r, *_ in kept],
        c.DOCUMENT: [r.document for r, *_ in kept],
        c.INVOICE_DATE: [r.invoice_date for r, *_ in kept],
        c.DUE_DATE: [r.due_date for r, *_ in kept],
        c.UNTAXED_AMOUNT: [k[1] for k in kept],
        c.TOTAL_AMOUNT: [k[2] for k in kept],
        c.RESIDUAL_AMOUNT: [k[3] for k in kept],
        c.CURRENCY: [r.currency for r, *_ in kept],
        c.PAYMENT_STATE: [r.payment_state for r, *_ in kept],
    }
    return _frame_of(columns, RECEIVABLE_COLUMNS)


def _frame(rows: Sequence[Mapping[str, object]], dtypes: Mapping[str, str]) -> pd.DataFrame:
    """`rows` (one mapping per row) as a frame of exactly `dtypes`' columns and types."""
    return _frame_of({col: [row[col] for row in rows] for col in dtypes}, dtypes)


def _frame_of(columns: Mapping[str, list[Any]], dtypes: Mapping[str, str]) -> pd.DataFrame:
    """`columns` (one list per column, all as long) as a frame of exactly `dtypes`' columns and types,
    built a column at a time (a frame from ten thousand dicts costs several times more). Dates and
    instants arrive as Python objects: a day becomes midnight without a zone, an instant UTC (a naive one
    read as UTC)."""
    data: dict[str, object] = {}
    for col, dtype in dtypes.items():
        values = columns[col]
        if dtype.startswith("datetime64"):
            stamps = pd.to_datetime(pd.Series(values, dtype="object"), utc="UTC" in dtype)
            data[col] = stamps.astype(dtype)  # type: ignore[call-overload]  # a datetime64 dtype string
        elif dtype == "float64":
            data[col] = np.array(values, dtype="float64") if values else np.array([], dtype="float64")
        elif dtype == "object":
            data[col] = pd.Series(values, dtype="object")
        else:
            data[col] = pd.Series(values, dtype=dtype)
    return pd.DataFrame(data, columns=list(dtypes))


def _project_links(records: Iterable[CrmProjectRecord], deals: Iterable[Deal]) -> dict[str, set[str]]:
    # HubSpot reports an association from both ends; a link known on either side counts.
    links: dict[str, set[str]] = {r.project_record_id: set(r.deal_ids) for r in records}
    for deal in deals:
        for record_id in deal.project_record_ids:
            if record_id in links:
                links[record_id].add(deal.crm_deal_id)
    return links


def _ticket_facts(ticket: Ticket) -> tuple[bool, bool, bool, datetime | None]:
    """Presales, open incident, open change request, and the ticket's latest time, worked out once per
    ticket rather than once per deal that lists it."""
    latest = _latest((ticket.created_at, ticket.closed_at))
    return (
        ticket.kind == "presales",
        ticket.kind == "incident" and ticket.is_open,
        ticket.kind == "change_request" and ticket.is_open,
        latest,
    )


def _first_name(ids: Iterable[CrmRecordId], names: Mapping[CrmRecordId, str | None]) -> str | None:
    return next((name for i in ids if (name := names.get(i))), None)


def _latest(times: Iterable[datetime | None]) -> datetime | None:
    return max((_utc(t) for t in times if t is not None), default=None)


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _plausible(value: Decimal | None) -> bool:
    # as a float: a Decimal too large for one becomes inf, NaN fails both comparisons
    return value is None or -MAX_AMOUNT <= float(value) <= MAX_AMOUNT


def _amount(value: Decimal | None, problems: list[str], where: str, what: str) -> float | None:
    """The amount as a float, or None (and a problem named) when it is not finite or implausibly large."""
    if value is None:
        return None
    number = float(value)
    if -MAX_AMOUNT <= number <= MAX_AMOUNT:
        return number
    problems.append(
        f"{where}: {what} {number:.6g} is not a plausible amount, so it is left out; correct it at its source"
    )
    return None


def _clean(text: str | None, problems: list[str], where: str, what: str) -> str | None:
    """Text without control characters (a line break becomes a space); the removal is named."""
    if text is None or not (_CONTROL.search(text) or _LINE_BREAKS.search(text)):
        return text
    cleaned = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text)).strip()
    if _CONTROL.search(text):
        problems.append(
            f"{where}: the {what} held control characters, removed here; correct it at its source"
        )
    return cleaned or None


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
