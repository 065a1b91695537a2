"""Typed records the service clients return: the CRM's records and one common ERP model.

Every client parses its system's payloads into these (pydantic, frozen), so that the functional core in
`dashboard/transforms` never sees a wire format. The ERP model is the one every ERP adapter fills:
Odoo, Tryton and QuickBooks today; NetSuite and SAP would fill the same.

Conventions (keep them: the core relies on each): records are frozen; identifiers are `NewType`s that say
whose they are (a `CrmDealId` is never an `ErpRecordId`, and the type checker catches the very mix-up the ID
audit exists for); money is `Decimal` in the record's own currency; costs are positive whatever sign the
ERP stores; a value the source left empty is `None`; a value the source sent but that could not be read is
`None` too, and the record's `problems` says which field was unreadable and what it held, so nothing is lost
and the page can say what to fix.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal, NewType

from pydantic import BaseModel, ConfigDict, Field

CrmDealId = NewType("CrmDealId", str)
"""HubSpot's record id of a deal (`hs_object_id`), a numeric string."""

CrmRecordId = NewType("CrmRecordId", str)
"""HubSpot's record id of any other CRM object (company, contact, project record, ...)."""

ErpProjectId = NewType("ErpProjectId", str)
"""The shared project ID as the ERP holds it (Odoo analytic account `code`, Tryton `project.work.number`)."""

ErpRecordId = NewType("ErpRecordId", str)
"""The ERP's own database key of a project (Odoo `project.project.id`); never shown as the project ID."""


Role = Literal["owner", "ops", "sales", "admin"]
"""Who someone is to Throughline: the pages and actions they get (dashboard/roles.py), kept in the store."""
ROLES: tuple[Role, ...] = ("owner", "ops", "sales", "admin")


def utcnow() -> datetime:
    """Now, in UTC: the default clock of every read (tests pass their own)."""
    return datetime.now(UTC)


CrmField = Literal["deal.project_id"]
"""A field of a CRM record that corrections write, in domain terms (the CRM adapter maps it to the portal's
property): today the deal's project ID."""


class Record(BaseModel):
    model_config = ConfigDict(frozen=True)


# ---------------------------------------------------------------------------------------------------
# CRM
# ---------------------------------------------------------------------------------------------------


class Owner(Record):
    owner_id: str
    email: str
    name: str
    team: str | None = None


class Company(Record):
    company_id: CrmRecordId
    name: str | None
    domain: str | None = None


class Contact(Record):
    contact_id: CrmRecordId
    name: str
    email: str | None = None
    job_title: str | None = None


class LineItem(Record):
    line_item_id: CrmRecordId
    name: str | None
    quantity: Decimal | None
    price: Decimal | None
    amount: Decimal | None
    problems: tuple[str, ...] = ()


TicketKind = Literal["presales", "incident", "change_request", "other"]


class Ticket(Record):
    ticket_id: CrmRecordId
    subject: str | None
    kind: TicketKind
    is_open: bool
    created_at: datetime | None
    closed_at: datetime | None = None


class Note(Record):
    note_id: CrmRecordId
    body: str | None
    timestamp: datetime | None


class Deal(Record):
    crm_deal_id: CrmDealId
    name: str | None
    stage: str | None
    stage_label: str | None = None
    pipeline: str | None = None
    is_closed: bool = False
    is_won: bool = False
    amount: Decimal | None = None
    currency: str | None = None
    close_date: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    owner_id: str | None = None
    raw_project_id: str | None = None
    """The project-ID property exactly as the CRM holds it (untrimmed, unnormalized)."""
    estimated_margin_pct: Decimal | None = None
    """Estimated margin at close as a fraction (0.25 for 25 %), whatever form the portal stores."""
    scope_summary: str | None = None
    proposal_version: str | None = None
    company_ids: tuple[CrmRecordId, ...] = ()
    contact_ids: tuple[CrmRecordId, ...] = ()
    primary_contact_id: CrmRecordId | None = None
    line_item_ids: tuple[CrmRecordId, ...] = ()
    ticket_ids: tuple[CrmRecordId, ...] = ()
    note_ids: tuple[CrmRecordId, ...] = ()
    project_record_ids: tuple[CrmRecordId, ...] = ()
    problems: tuple[str, ...] = ()


class CrmProjectRecord(Record):
    """HubSpot's custom `projects` object: the operational record delivery keeps."""

    project_record_id: CrmRecordId
    name: str | None
    raw_project_id: str | None = None
    status: str | None = None
    percent_complete: Decimal | None = None
    """Reported percent complete as a fraction (0.4 for 40 %)."""
    milestones_total: int | None = None
    milestones_done: int | None = None
    next_milestone: str | None = None
    next_milestone_date: date | None = None
    updated_at: datetime | None = None
    deal_ids: tuple[CrmDealId, ...] = ()
    problems: tuple[str, ...] = ()


class NewProjectRecord(Record):
    """The project record a won deal hands to delivery, in domain terms (the CRM adapter names its
    properties): what sales promised at close, stamped with the ERP project ID."""

    crm_deal_id: CrmDealId
    name: str
    project_id: str
    """The canonical ERP project ID."""
    status: str = "planning"
    contract_value: Decimal | None = None
    currency: str | None = None
    scope: str | None = None
    proposal_version: str | None = None
    primary_contact: str | None = None
    pricing_summary: str | None = None


class CrmSnapshot(Record):
    deals: tuple[Deal, ...]
    companies: tuple[Company, ...] = ()
    contacts: tuple[Contact, ...] = ()
    line_items: tuple[LineItem, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    notes: tuple[Note, ...] = ()
    projects: tuple[CrmProjectRecord, ...] = ()
    owners: tuple[Owner, ...] = ()
    read_at: datetime
    requests: int = 0
    quota_left: int | None = None
    """Requests the CRM still allows today, as it last reported (None when it reports no daily limit)."""
    quota_limit: int | None = None


# ---------------------------------------------------------------------------------------------------
# ERP: one common model
# ---------------------------------------------------------------------------------------------------

ErpName = Literal["odoo", "tryton", "quickbooks", "netsuite", "sapb1"]
ProjectStatus = Literal["open", "closed", "cancelled", "unknown"]


class ErpProject(Record):
    erp: ErpName
    erp_record_id: ErpRecordId
    erp_project_id: ErpProjectId | None
    """The shared project ID (the code), as the ERP holds it; None when the ERP project has none."""
    name: str
    customer_name: str | None = None
    status: ProjectStatus = "unknown"
    raw_status: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    currency: str
    company: str | None = None
    planned_revenue: Decimal | None = None
    """The ERP's budget or planned revenue, when it keeps one (Tryton `revenue`); None for Odoo."""
    updated_at: datetime | None = None


class ErpActuals(Record):
    """Per-project sums, in the project's currency, costs positive."""

    erp_record_id: ErpRecordId
    currency: str
    labor_hours: Decimal = Decimal(0)
    labor_cost: Decimal = Decimal(0)
    vendor_cost: Decimal = Decimal(0)
    other_cost: Decimal = Decimal(0)
    invoiced: Decimal = Decimal(0)
    """Posted customer invoices net of credit notes, untaxed."""
    invoiced_gross: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    """Paid part of the gross invoiced amount."""
    outstanding: Decimal = Decimal(0)
    """Open receivable, gross (invoiced_gross - paid)."""
    source: Literal["server_aggregate", "client_aggregate"] = "server_aggregate"


class ErpReceivable(Record):
    """One posted customer invoice (or credit note), or the project's share of it."""

    erp_record_id: ErpRecordId
    document: str
    invoice_date: date | None
    due_date: date | None
    amount_untaxed: Decimal
    amount_total: Decimal
    amount_residual: Decimal
    currency: str
    payment_state: str | None = None


DocumentSection = Literal["labor", "vendor", "other_cost", "invoice", "other_revenue"]


class ErpDocumentLine(Record):
    """One line behind a project's figures, for the project page's drill-down (read on demand)."""

    erp_record_id: ErpRecordId
    section: DocumentSection
    date: date | None
    document: str | None
    partner: str | None = None
    description: str | None = None
    hours: Decimal | None = None
    amount: Decimal
    """Positive for costs in cost sections and for revenue in revenue sections."""
    currency: str


class ErpSnapshot(Record):
    erp: ErpName
    projects: tuple[ErpProject, ...]
    actuals: tuple[ErpActuals, ...] = ()
    receivables: tuple[ErpReceivable, ...] = ()
    read_at: datetime
    requests: int = 0
    notes: tuple[str, ...] = Field(default=())
    """What the adapter had to assemble client-side or could not read, in words for the page."""
    unavailable: dict[str, str] = Field(default_factory=dict)
    """Figures this ERP cannot give, by ErpActuals field name ("labor_cost"), with the reason in words
    ("not available (Timesheets not installed)"); their values in `actuals` are then 0, not a measurement."""
    budget: str | None = None
    """How much of the ERP's request limit the reads use, in words for freshness ("QuickBooks: 37 of 500
    requests used this minute"); None when the ERP meters nothing."""
