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
    line_items = {li.line_item_id: li for li in crm.line_items}
    tickets = {t.ticket_id: _ticket_facts(t) for t in crm.tickets}
    note_times = {n.note_id: _utc(n.timestamp) for n in crm.notes if n.timestamp is not None}
    rows = []
    for deal in crm.deals:
        problems = list(deal.problems)
        where = f"deal {deal.crm_deal_id}"
        owner = owners.get(deal.owner_id) if deal.owner_id else None
        deal_tickets = [tickets[t] for t in deal.ticket_ids if t in tickets]
        deal_items = [line_items[i] for i in deal.line_item_ids if i in line_items]
        noted = [note_times[n] for n in deal.note_ids if n in note_times]
        rows.append(
            {
                c.CRM_DEAL_ID: deal.crm_deal_id,
                c.DEAL_NAME: _clean(deal.name, problems, where, "name"),
                c.DEAL_STAGE: deal.stage_label or deal.stage,
                c.DEAL_IS_WON: deal.is_won,
                c.DEAL_IS_CLOSED: deal.is_closed,
                c.DEAL_AMOUNT: _amount(deal.amount, problems, where, "amount"),
                c.DEAL_CURRENCY: deal.currency,
                c.CLOSE_DATE: deal.close_date,
                c.DEAL_CREATED_AT: deal.created_at,
                c.DEAL_UPDATED_AT: deal.updated_at,
                c.OWNER_ID: deal.owner_id,
                c.OWNER_NAME: owner.name if owner else None,
                c.OWNER_TEAM: owner.team if owner else None,
                c.CUSTOMER_NAME: _clean(
                    _first_name(deal.company_ids, companies), problems, where, "customer"
                ),
                c.DEAL_RAW_PROJECT_ID: deal.raw_project_id,
                c.EST_MARGIN_PCT: _money(deal.estimated_margin_pct),
                c.SCOPE_SUMMARY: deal.scope_summary,
                c.PROPOSAL_VERSION: deal.proposal_version,
                c.PRIMARY_CONTACT_ID: deal.primary_contact_id,
                c.PRIMARY_CONTACT_NAME: contacts.get(deal.primary_contact_id)
                if deal.primary_contact_id
                else None,
                # Counted from the associations: the deal knows its line items and notes even when the
                # snapshot did not read the records themselves.
                c.LINE_ITEM_COUNT: len(deal.line_item_ids),
                c.LINE_ITEMS_AMOUNT: _amount(
                    sum((li.amount or Decimal(0) for li in deal_items), Decimal(0)),
                    problems,
                    where,
                    "line items",
                ),
                **_ticket_counts(deal_tickets),
                c.NOTE_COUNT: len(deal.note_ids),
                c.LAST_NOTE_AT: max(noted, default=None),
                c.DEAL_PROBLEMS: "\n".join(problems) or None,
            }
        )
    return _frame(rows, DEAL_COLUMNS)


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
    rows = []
    for p in erp.projects:
        summed = actuals.get(p.erp_record_id)
        problems = list(receivable_problems.get(p.erp_record_id, []))
        where = f"{erp.erp.capitalize()} project {p.erp_project_id or p.erp_record_id}"
        rows.append(
            {
                c.ERP_NAME: p.erp,
                c.ERP_RECORD_ID: p.erp_record_id,
                c.ERP_RAW_PROJECT_ID: p.erp_project_id,
                c.ERP_PROJECT_NAME: _clean(p.name, problems, where, "name"),
                c.ERP_CUSTOMER_NAME: _clean(p.customer_name, problems, where, "customer"),
                c.ERP_STATUS: p.status,
                c.ERP_START_DATE: p.start_date,
                c.ERP_END_DATE: p.end_date,
                c.ERP_CURRENCY: p.currency,
                c.ERP_COMPANY: p.company,
                c.PLANNED_REVENUE_AMOUNT: _amount(p.planned_revenue, problems, where, "planned revenue"),
                c.ERP_UPDATED_AT: p.updated_at,
                c.HAS_ACTUALS: summed is not None,
                **{
                    column: _amount(
                        summed[column], problems, where, _ACTUALS_FIELDS[column].replace("_", " ")
                    )
                    if summed
                    else None
                    for column in _ACTUALS_FIELDS
                },
                c.ERP_PROBLEMS: "\n".join(problems) or None,
            }
        )
    return _frame(rows, ERP_PROJECT_COLUMNS)


def receivables_frame(erp: ErpSnapshot) -> pd.DataFrame:
    """One row per posted customer invoice or credit note (RECEIVABLE_COLUMNS), amounts gross but untaxed."""
    rows = []
    for r in erp.receivables:
        untaxed, total, residual = float(r.amount_untaxed), float(r.amount_total), float(r.amount_residual)
        if not (
            -MAX_AMOUNT <= untaxed <= MAX_AMOUNT
            and -MAX_AMOUNT <= total <= MAX_AMOUNT
            and -MAX_AMOUNT <= residual <= MAX_AMOUNT
        ):
            continue  # named on its project by erp_projects_frame
        rows.append(
            {
                c.ERP_RECORD_ID: r.erp_record_id,
                c.DOCUMENT: r.document,
                c.INVOICE_DATE: r.invoice_date,
                c.DUE_DATE: r.due_date,
                c.UNTAXED_AMOUNT: untaxed,
                c.TOTAL_AMOUNT: total,
                c.RESIDUAL_AMOUNT: residual,
                c.CURRENCY: r.currency,
                c.PAYMENT_STATE: r.payment_state,
            }
        )
    return _frame(rows, RECEIVABLE_COLUMNS)


def _frame(rows: Sequence[Mapping[str, object]], dtypes: Mapping[str, str]) -> pd.DataFrame:
    """`rows` as a frame of exactly `dtypes`' columns and types, built a column at a time (a frame from
    ten thousand dicts costs several times more). Dates and instants arrive as Python objects: a day
    becomes midnight without a zone, an instant UTC (a naive one read as UTC)."""
    data: dict[str, object] = {}
    for col, dtype in dtypes.items():
        values = [row[col] for row in rows]
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


def _ticket_counts(facts: list[tuple[bool, bool, bool, datetime | None]]) -> dict[str, object]:
    return {
        c.PRESALES_TICKETS: sum(f[0] for f in facts),
        c.OPEN_INCIDENTS: sum(f[1] for f in facts),
        c.OPEN_CHANGE_REQUESTS: sum(f[2] for f in facts),
        c.LAST_TICKET_AT: max((f[3] for f in facts if f[3] is not None), default=None),
    }


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
