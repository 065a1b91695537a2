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
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from dashboard import columns as c
from services.models import (
    CrmProjectRecord,
    CrmRecordId,
    CrmSnapshot,
    Deal,
    ErpReceivable,
    ErpSnapshot,
    Ticket,
)

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


_NONE = Decimal(0)
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
    # Built a column at a time (a dict per deal costs several times more at 10,000 deals), from the deals'
    # fields read in one pass; each column that can name a problem appends it to its deal's list, in the
    # column order.
    (
        deal_ids, names, stage_labels, stages, won, closed, amounts, currencies, close_dates, created,
        updated, owner_ids, raw_ids, margins, scopes, proposals, primary_ids, line_item_ids, note_ids,
        company_ids, deal_problems,
    ) = _fields(
        deals, "crm_deal_id", "name", "stage_label", "stage", "is_won", "is_closed", "amount", "currency",
        "close_date", "created_at", "updated_at", "owner_id", "raw_project_id", "estimated_margin_pct",
        "scope_summary", "proposal_version", "primary_contact_id", "line_item_ids", "note_ids",
        "company_ids", "problems",
    )  # fmt: skip
    problems = [list(p) for p in deal_problems]
    where = [f"deal {i}" for i in deal_ids]
    owner_of = [owners.get(o) if o else None for o in owner_ids]
    ticket_columns = _ticket_columns(deals, tickets)
    items = [
        sum((item_amounts[i] for i in ids if i in item_amounts), _NONE) if ids else _NONE
        for ids in line_item_ids
    ]
    rows = list(zip(problems, where, strict=True))
    columns: dict[str, list[object]] = {
        c.CRM_DEAL_ID: deal_ids,
        c.DEAL_NAME: [_clean(n, p, w, "name") for n, (p, w) in zip(names, rows, strict=True)],
        c.DEAL_STAGE: [label or stage for label, stage in zip(stage_labels, stages, strict=True)],
        c.DEAL_IS_WON: won,
        c.DEAL_IS_CLOSED: closed,
        c.DEAL_AMOUNT: [_amount(a, p, w, "amount") for a, (p, w) in zip(amounts, rows, strict=True)],
        c.DEAL_CURRENCY: currencies,
        c.CLOSE_DATE: close_dates,
        c.DEAL_CREATED_AT: created,
        c.DEAL_UPDATED_AT: updated,
        c.OWNER_ID: owner_ids,
        c.OWNER_NAME: [o.name if o else None for o in owner_of],
        c.OWNER_TEAM: [o.team if o else None for o in owner_of],
        c.CUSTOMER_NAME: [
            _clean(_first_name(ids, companies), p, w, "customer")
            for ids, (p, w) in zip(company_ids, rows, strict=True)
        ],
        c.DEAL_RAW_PROJECT_ID: raw_ids,
        c.EST_MARGIN_PCT: [_money(m) for m in margins],
        c.SCOPE_SUMMARY: scopes,
        c.PROPOSAL_VERSION: proposals,
        c.PRIMARY_CONTACT_ID: primary_ids,
        c.PRIMARY_CONTACT_NAME: [contacts.get(i) if i else None for i in primary_ids],
        # Counted from the associations: the deal knows its line items and notes even when the snapshot
        # did not read the records themselves.
        c.LINE_ITEM_COUNT: [len(ids) for ids in line_item_ids],
        c.LINE_ITEMS_AMOUNT: [_amount(a, p, w, "line items") for a, (p, w) in zip(items, rows, strict=True)],
        **ticket_columns,
        c.NOTE_COUNT: [len(ids) for ids in note_ids],
        c.LAST_NOTE_AT: [
            max((note_times[n] for n in ids if n in note_times), default=None) if ids else None
            for ids in note_ids
        ],
    }
    columns[c.DEAL_PROBLEMS] = ["\n".join(p) or None for p in problems]
    return _frame_of(columns, DEAL_COLUMNS)


def crm_projects_frame(crm: CrmSnapshot) -> pd.DataFrame:
    """One row per (CRM project record, associated deal); a record with no deal has crm_deal_id None."""
    links = _project_links(crm.projects, crm.deals)
    # a record once per deal it has, in the deals' id order, or once with no deal
    no_deal: list[str | None] = [None]
    pairs = [
        (record, deal_id)
        for record in crm.projects
        for deal_id in (sorted(links.get(record.project_record_id, set())) or no_deal)
    ]
    columns: dict[str, list[object]] = {
        c.CRM_PROJECT_RECORD_ID: [r.project_record_id for r, _ in pairs],
        c.CRM_DEAL_ID: [deal_id for _, deal_id in pairs],
        c.PROJECT_RECORD_NAME: [r.name for r, _ in pairs],
        c.PROJECT_RECORD_RAW_ID: [r.raw_project_id for r, _ in pairs],
        c.PROJECT_STATUS: [r.status for r, _ in pairs],
        c.REPORTED_POC: [_money(r.percent_complete) for r, _ in pairs],
        c.MILESTONES_TOTAL: [r.milestones_total for r, _ in pairs],
        c.MILESTONES_DONE: [r.milestones_done for r, _ in pairs],
        c.NEXT_MILESTONE: [r.next_milestone for r, _ in pairs],
        c.NEXT_MILESTONE_DATE: [r.next_milestone_date for r, _ in pairs],
        c.PROJECT_UPDATED_AT: [r.updated_at for r, _ in pairs],
    }
    return _frame_of(columns, CRM_PROJECT_COLUMNS)


def erp_frames(erp: ErpSnapshot) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`erp_projects_frame` and `receivables_frame` together, reading the invoices' amounts once."""
    amounts = _receivable_amounts(erp.receivables)
    return _erp_projects_frame(erp, amounts[1]), _receivables_frame(erp, *amounts)


def erp_projects_frame(erp: ErpSnapshot) -> pd.DataFrame:
    """One row per ERP project with its actuals summed in (ERP_PROJECT_COLUMNS); no actuals -> NaN money."""
    return _erp_projects_frame(erp, _receivable_amounts(erp.receivables)[1])


def receivables_frame(erp: ErpSnapshot) -> pd.DataFrame:
    """One row per posted customer invoice or credit note (RECEIVABLE_COLUMNS), amounts gross but untaxed."""
    return _receivables_frame(erp, *_receivable_amounts(erp.receivables))


def _erp_projects_frame(erp: ErpSnapshot, plausible: np.ndarray) -> pd.DataFrame:
    """`erp_projects_frame`, given which invoices have plausible amounts (`_receivable_amounts`)."""
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
    for r in (r for r, ok in zip(erp.receivables, plausible.tolist(), strict=True) if not ok):
        amounts = (("untaxed", r.amount_untaxed), ("total", r.amount_total), ("open", r.amount_residual))
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
    columns: dict[str, Sequence[object] | np.ndarray] = {
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
    # A column at a time as floats; then, for the few projects with an implausible sum, each one named (in
    # the columns' order) and left empty.
    sums_of = {
        column: np.array([float(s[column]) if s else np.nan for s in summed], dtype="float64")
        for column in _ACTUALS_FIELDS
    }
    has_actuals = np.array([s is not None for s in summed], dtype=bool)
    implausible = {  # not finite (NaN and inf fail the comparison) or too large, where there are actuals
        column: has_actuals & ~(np.abs(values) <= MAX_AMOUNT) for column, values in sums_of.items()
    }
    for row in np.flatnonzero(np.logical_or.reduce(list(implausible.values()))).tolist():
        for column, field in _ACTUALS_FIELDS.items():
            if implausible[column][row]:
                _amount(float(sums_of[column][row]), problems[row], where[row], field.replace("_", " "))
                sums_of[column][row] = np.nan
    columns |= sums_of
    columns[c.ERP_PROBLEMS] = ["\n".join(p) or None for p in problems]
    return _frame_of(columns, ERP_PROJECT_COLUMNS)


def _receivables_frame(
    erp: ErpSnapshot, amounts: Mapping[str, np.ndarray], plausible: np.ndarray
) -> pd.DataFrame:
    """`receivables_frame`, given the invoices' amounts and which are plausible (`_receivable_amounts`)."""
    receivables = erp.receivables
    # the others are named on their project by erp_projects_frame
    kept = [r for r, ok in zip(receivables, plausible.tolist(), strict=True) if ok]
    columns: dict[str, list[object]] = {
        c.ERP_RECORD_ID: [r.erp_record_id for r in kept],
        c.DOCUMENT: [r.document for r in kept],
        c.INVOICE_DATE: [r.invoice_date for r in kept],
        c.DUE_DATE: [r.due_date for r in kept],
        **{column: values[plausible].tolist() for column, values in amounts.items()},
        c.CURRENCY: [r.currency for r in kept],
        c.PAYMENT_STATE: [r.payment_state for r in kept],
    }
    return _frame_of(columns, RECEIVABLE_COLUMNS)


def _frame_of(columns: Mapping[str, Sequence[Any] | np.ndarray], dtypes: Mapping[str, str]) -> pd.DataFrame:
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
            data[col] = np.asarray(values, dtype="float64") if len(values) else np.array([], dtype="float64")
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
    created, closed = ticket.created_at, ticket.closed_at
    if created is None:
        latest = _utc(closed) if closed is not None else None
    elif closed is None:
        latest = _utc(created)
    else:
        latest = max(_utc(created), _utc(closed))
    return (
        ticket.kind == "presales",
        ticket.kind == "incident" and ticket.is_open,
        ticket.kind == "change_request" and ticket.is_open,
        latest,
    )


def _ticket_columns(
    deals: Sequence[Deal], facts: Mapping[CrmRecordId, tuple[bool, bool, bool, datetime | None]]
) -> dict[str, list[object]]:
    """Per deal, its presales tickets, open incidents and open change requests counted, and its latest
    ticket time, from `_ticket_facts` of the tickets the snapshot holds (one pass; most deals have none)."""
    presales: list[object] = []
    incidents: list[object] = []
    changes: list[object] = []
    latest: list[object] = []
    for deal in deals:
        counts = [0, 0, 0]
        last: datetime | None = None
        for ticket_id in deal.ticket_ids:
            fact = facts.get(ticket_id)
            if fact is None:
                continue
            counts[0] += fact[0]
            counts[1] += fact[1]
            counts[2] += fact[2]
            if fact[3] is not None and (last is None or fact[3] > last):
                last = fact[3]
        presales.append(counts[0])
        incidents.append(counts[1])
        changes.append(counts[2])
        latest.append(last)
    return {
        c.PRESALES_TICKETS: presales,
        c.OPEN_INCIDENTS: incidents,
        c.OPEN_CHANGE_REQUESTS: changes,
        c.LAST_TICKET_AT: latest,
    }


def _fields(records: Sequence[Any], *names: str) -> list[list[Any]]:
    """The records' `names` fields as one list each, read in one pass over the records (a pass per field
    costs about twice as much at 10,000 records: each pass walks every record again)."""
    if not records:
        return [[] for _ in names]
    if len(names) == 1:  # attrgetter of one name gives the value, not a 1-tuple
        return [[getattr(record, names[0]) for record in records]]
    return [list(values) for values in zip(*map(attrgetter(*names), records), strict=True)]


def _first_name(ids: Iterable[CrmRecordId], names: Mapping[CrmRecordId, str | None]) -> str | None:
    return next((name for i in ids if (name := names.get(i))), None)


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _plausible(value: Decimal | None) -> bool:
    # as a float: a Decimal too large for one becomes inf, NaN fails both comparisons
    return value is None or -MAX_AMOUNT <= float(value) <= MAX_AMOUNT


def _receivable_amounts(
    receivables: Sequence[ErpReceivable],
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The invoices' untaxed, total and open amounts as float arrays (UNTAXED_AMOUNT, TOTAL_AMOUNT,
    RESIDUAL_AMOUNT), and which invoices have all three plausible (a Decimal too large for a float becomes
    inf; inf and NaN fail)."""
    amounts = {
        c.UNTAXED_AMOUNT: np.array([float(r.amount_untaxed) for r in receivables], dtype="float64"),
        c.TOTAL_AMOUNT: np.array([float(r.amount_total) for r in receivables], dtype="float64"),
        c.RESIDUAL_AMOUNT: np.array([float(r.amount_residual) for r in receivables], dtype="float64"),
    }
    plausible = np.ones(len(receivables), dtype=bool)
    for values in amounts.values():
        plausible &= np.abs(values) <= MAX_AMOUNT
    return amounts, plausible


def _amount(value: Decimal | float | None, problems: list[str], where: str, what: str) -> float | None:
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
    # isprintable() (C, no regex) is true for nearly every name; only the others are searched
    if text is None or text.isprintable() or not (_CONTROL.search(text) or _LINE_BREAKS.search(text)):
        return text
    cleaned = _CONTROL.sub("", _LINE_BREAKS.sub(" ", text)).strip()
    if _CONTROL.search(text):
        problems.append(
            f"{where}: the {what} held control characters, removed here; correct it at its source"
        )
    return cleaned or None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is UTC:  # as the records hold nearly every instant
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
