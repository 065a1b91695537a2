"""The sandbox's storage: one SQLite file (sqlmodel), shared by the HubSpot- and Odoo-compatible servers.

The CRM side is stored the way HubSpot thinks of it: generic objects with string properties and
bidirectional associations. The ERP side is stored the way Odoo 17 does: one table per model, with Odoo's
field names, so that `read_group` is a real SQL GROUP BY even at a million analytic lines.
"""

import datetime as dt
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Index, event, text
from sqlmodel import Field, SQLModel, create_engine

# ---------------------------------------------------------------------------------------------------
# CRM (HubSpot-compatible)
# ---------------------------------------------------------------------------------------------------


class CrmObject(SQLModel, table=True):
    """One CRM record. `object_type` is the canonical plural name (`deals`, `projects`, ...)."""

    __tablename__ = "crm_object"
    object_type: str = Field(primary_key=True)
    id: int = Field(primary_key=True)
    properties: str = "{}"  # JSON object: property name -> string value or null
    created_at: datetime
    updated_at: datetime = Field(index=True)
    archived: bool = False


class CrmAssociation(SQLModel, table=True):
    """One direction of an association; every association is stored in both directions."""

    __tablename__ = "crm_association"
    from_type: str = Field(primary_key=True)
    from_id: int = Field(primary_key=True)
    to_type: str = Field(primary_key=True)
    to_id: int = Field(primary_key=True)
    type_id: int = Field(primary_key=True)
    category: str = "HUBSPOT_DEFINED"
    label: str | None = None


class CrmOwner(SQLModel, table=True):
    __tablename__ = "crm_owner"
    id: int = Field(primary_key=True)
    user_id: int
    email: str
    first_name: str
    last_name: str
    team: str | None = None
    archived: bool = False
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------------------------------------------
# ERP (Odoo 17-compatible). Table names are Odoo's model names with dots as underscores.
# ---------------------------------------------------------------------------------------------------


class ResCurrency(SQLModel, table=True):
    __tablename__ = "res_currency"
    id: int = Field(primary_key=True)
    name: str  # ISO code, as in Odoo
    symbol: str


class ResCompany(SQLModel, table=True):
    __tablename__ = "res_company"
    id: int = Field(primary_key=True)
    name: str
    currency_id: int = Field(foreign_key="res_currency.id")


class ResPartner(SQLModel, table=True):
    __tablename__ = "res_partner"
    id: int = Field(primary_key=True)
    name: str
    is_company: bool = True
    email: str | None = None
    company_id: int | None = None
    write_date: datetime


class HrEmployee(SQLModel, table=True):
    __tablename__ = "hr_employee"
    id: int = Field(primary_key=True)
    name: str
    hourly_cost: float
    company_id: int = 1


class AccountAnalyticAccount(SQLModel, table=True):
    __tablename__ = "account_analytic_account"
    id: int = Field(primary_key=True)
    name: str
    code: str | None = Field(default=None, index=True)
    partner_id: int | None = Field(default=None, foreign_key="res_partner.id")
    company_id: int = Field(foreign_key="res_company.id")
    plan_id: int = 1
    active: bool = True
    write_date: datetime


class ProjectProject(SQLModel, table=True):
    __tablename__ = "project_project"
    id: int = Field(primary_key=True)
    name: str
    partner_id: int | None = Field(default=None, foreign_key="res_partner.id")
    analytic_account_id: int | None = Field(default=None, foreign_key="account_analytic_account.id")
    company_id: int = Field(foreign_key="res_company.id")
    user_id: int | None = None
    date_start: date | None = None
    date: dt.date | None = None  # Odoo's end date field is called `date`
    active: bool = True
    last_update_status: str = "to_define"
    allow_timesheets: bool = True
    is_template: bool = False  # Odoo 19's project templates
    create_date: datetime
    write_date: datetime = Field(index=True)


class AccountAnalyticLine(SQLModel, table=True):
    """Timesheets (project_id set), invoice and vendor-bill lines (category), other costs.

    One column per root analytic plan, as Odoo 17+ stores them: `account_id` for the Projects plan and
    `x_plan2_id` for the demo's second plan (Departments); Odoo 16 keeps one account per line in `account_id`.
    """

    __tablename__ = "account_analytic_line"
    # Odoo indexes each plan column it adds to the lines (addons/analytic/models/analytic_plan.py,
    # `_sync_plan_column`, later 17.0 and after: `create_index(cr, make_index_name(table, column), table,
    # [column], 'btree', f'{column} IS NOT NULL')`; the first 17.0 `_inverse_name` did not), as `account_id`
    # has `index=True`: a domain on a few accounts in any plan column reads their lines, not all of them
    __table_args__ = (
        Index(
            "account_analytic_line__x_plan2_id_index",
            "x_plan2_id",
            sqlite_where=text("x_plan2_id IS NOT NULL"),
        ),
    )
    id: int = Field(primary_key=True)
    name: str
    date: dt.date
    amount: float  # company currency; costs negative, revenue positive
    unit_amount: float = 0.0  # hours for timesheets
    account_id: int | None = Field(default=None, foreign_key="account_analytic_account.id", index=True)
    x_plan2_id: int | None = Field(default=None, foreign_key="account_analytic_account.id")
    project_id: int | None = Field(default=None, foreign_key="project_project.id")
    employee_id: int | None = Field(default=None, foreign_key="hr_employee.id")
    partner_id: int | None = None
    category: str = "other"  # other | invoice | vendor_bill
    move_line_id: int | None = None
    journal_id: int | None = None  # the journal item's journal (1 sales, 2 purchases, 3 miscellaneous)
    company_id: int = 1
    write_date: datetime = Field(index=True)


class AccountMove(SQLModel, table=True):
    """Customer invoices (out_invoice/out_refund) and vendor bills (in_invoice/in_refund)."""

    __tablename__ = "account_move"
    id: int = Field(primary_key=True)
    name: str
    move_type: str
    state: str = "posted"  # draft | posted | cancel
    partner_id: int | None = Field(default=None, foreign_key="res_partner.id")
    company_id: int = 1
    currency_id: int = 1
    invoice_date: date | None = None
    invoice_date_due: date | None = None
    invoice_origin: str | None = None
    ref: str | None = None
    amount_untaxed: float = 0.0
    amount_tax: float = 0.0
    amount_total: float = 0.0
    amount_residual: float = 0.0
    amount_untaxed_signed: float = 0.0
    amount_total_signed: float = 0.0
    amount_residual_signed: float = 0.0
    payment_state: str = "not_paid"
    write_date: datetime = Field(index=True)


class AccountMoveLine(SQLModel, table=True):
    __tablename__ = "account_move_line"
    id: int = Field(primary_key=True)
    move_id: int = Field(foreign_key="account_move.id", index=True)
    name: str
    display_type: str = "product"
    quantity: float = 1.0
    price_unit: float = 0.0
    price_subtotal: float = 0.0
    price_total: float = 0.0
    balance: float = 0.0
    analytic_distribution: str | None = None  # JSON text, e.g. {"12": 100.0}
    partner_id: int | None = None
    parent_state: str = "posted"
    move_type: str = "out_invoice"
    write_date: datetime = Field(index=True)


# ---------------------------------------------------------------------------------------------------
# Sandbox bookkeeping: the manifest of deliberate ID problems and the generation parameters.
# ---------------------------------------------------------------------------------------------------


class SandboxMeta(SQLModel, table=True):
    __tablename__ = "sandbox_meta"
    key: str = Field(primary_key=True)
    value: str  # JSON


def make_engine(path: str | Path) -> Engine:
    """An engine on the SQLite file at `path`, safe to share between the two servers' threads."""
    engine = create_engine(
        f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30}, future=True
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()

    return engine


def create_schema(engine: Engine) -> None:
    """Create every sandbox table and index (idempotent; an index added since a database was built is
    added to it)."""
    SQLModel.metadata.create_all(engine)
    for table in SQLModel.metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)


def dumps_properties(properties: dict[str, str | None]) -> str:
    return json.dumps(properties, separators=(",", ":"), sort_keys=True)
