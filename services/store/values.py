"""What callers of the store get back and hand in: frozen values, one base per record shape.

The correction log has one shape, `CorrectionFields` (what a caller says about a write); the new entry, the
logged row and the table (services/store/tables.py) extend it, so a field is added in one place. No table
object ever leaves the store.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict
from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from services.models import Role

CorrectionStatus = Literal["pending", "applied", "failed", "conflict", "undone"]
SettledStatus = Literal["applied", "failed", "conflict", "undone"]
CorrectionAction = Literal["apply", "undo", "create"]
STATUSES: tuple[str, ...] = get_args(CorrectionStatus)


class CorrectionFields(SQLModel):
    """One write to the CRM or ERP, as the caller describes it before making it."""

    user: str = Field(index=True)
    system: str
    object_type: str
    """In domain terms: "deal", "project_record", "erp_project"."""
    object_id: str = Field(index=True)
    field: str
    """In domain terms: "project_id", or "record" for a created or archived record."""
    before: str | None = Field(default=None, sa_type=Text)
    after: str | None = Field(default=None, sa_type=Text)
    finding_key: str | None = None
    batch_id: str = Field(index=True)
    action: CorrectionAction = Field("apply", sa_type=String)
    undoes_id: int | None = None
    label: str | None = None
    """What a person recognises the record by (the deal's name), for the log page."""


class NewCorrection(CorrectionFields):
    """One write about to be made: logged as pending before the write."""

    model_config = ConfigDict(frozen=True)  # type: ignore[assignment]


class Correction(NewCorrection):
    """One row of the correction log."""

    id: int
    created_at: datetime
    settled_at: datetime | None
    status: CorrectionStatus
    error: str | None


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class AcceptedFinding(_Value):
    """A finding a person looked at and accepted as it is, with the reason."""

    finding_key: str
    reason: str
    user: str
    accepted_at: datetime


class User(_Value):
    """A local account, without its password hash."""

    email: str
    role: Role
    created_at: datetime
    last_login_at: datetime | None
    failed_attempts: int
    locked_until: datetime | None


ClosedWonStatus = Literal["started", "done", "undone"]


class ClosedWon(_Value):
    """A won deal's Closed Won run: its reserved project ID, the ERP project and CRM record made for it."""

    crm_deal_id: str
    project_id: str
    erp_record_id: str | None
    project_record_id: str | None
    status: ClosedWonStatus
    error: str | None
    created_at: datetime
    updated_at: datetime


class PortfolioDay(_Value):
    """The portfolio's headline figures on one day, in the reporting currency: figures only, no records.

    The trend (month-over-month) compares today's with the nearest day about a month back."""

    day: date
    reporting_currency: str
    contract_value_amount: float
    forecast_margin_pct: float | None
    outstanding_amount: float
    overdue_amount: float
