"""The store's tables (sqlmodel), made and changed only by the alembic migrations in services/migrations/.

Their own registry keeps them out of SQLModel's shared metadata (the sandbox's tables live there). Every
timestamp is stored and returned in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Dialect, MetaData, Text
from sqlalchemy.orm import registry
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, SQLModel

from services.store.values import CorrectionFields

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
store_registry = registry(metadata=MetaData(naming_convention=NAMING))
metadata = store_registry.metadata


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, whatever the database keeps (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert to UTC; SQLite gets it naive so that text comparison stays chronological."""
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        return None if value is None else as_utc(value)


def as_utc(value: datetime) -> datetime:
    # A naive datetime here is one this module wrote, and it writes only UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Table(SQLModel, registry=store_registry):
    pass


class CorrectionRow(_Table, CorrectionFields, table=True):
    __tablename__ = "correction"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UtcDateTime, index=True)
    settled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    undoes_id: int | None = Field(default=None, foreign_key="correction.id")
    status: str = Field(index=True)
    error: str | None = Field(default=None, sa_type=Text)


class AcceptedFindingRow(_Table, table=True):
    """Acceptances are never deleted: unaccepting stamps `revoked_*`, so the history stays."""

    __tablename__ = "accepted_finding"
    id: int | None = Field(default=None, primary_key=True)
    finding_key: str = Field(index=True)
    reason: str = Field(sa_type=Text)
    accepted_by: str
    accepted_at: datetime = Field(sa_type=UtcDateTime)
    revoked_by: str | None = None
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class UserRow(_Table, table=True):
    __tablename__ = "local_user"
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True)
    password_hash: str
    role: str
    created_at: datetime = Field(sa_type=UtcDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    failed_attempts: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)


class QuickBooksTokenRow(_Table, table=True):
    """A QuickBooks company's refresh token, encrypted (Fernet) with the key from the settings."""

    __tablename__ = "quickbooks_token"
    realm_id: str = Field(primary_key=True)
    ciphertext: str = Field(sa_type=Text)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class ClosedWonRow(_Table, table=True):
    """One won deal's Closed Won run: the project ID reserved for it and what was made (unique per deal and
    per ID, so two runs can neither take one deal twice nor give one ID to two deals)."""

    __tablename__ = "closed_won"
    id: int | None = Field(default=None, primary_key=True)
    crm_deal_id: str = Field(unique=True)
    project_id: str = Field(unique=True)
    erp_record_id: str | None = None
    project_record_id: str | None = None
    status: str
    error: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)


class PortfolioDayRow(_Table, table=True):
    """One day's portfolio figures per reporting currency; the day's latest read replaces earlier ones."""

    __tablename__ = "portfolio_day"
    day: date = Field(primary_key=True)
    reporting_currency: str = Field(primary_key=True)
    contract_value_amount: float
    forecast_margin_pct: float | None = None
    outstanding_amount: float
    overdue_amount: float
    recorded_at: datetime = Field(sa_type=UtcDateTime)
