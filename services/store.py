"""The store: Throughline's own SQL database (SQLite by default, PostgreSQL through the database URL setting).

It keeps three things: the correction log (every CRM write, logged as pending before the write and settled
after it, so a crash between the two leaves a row to settle rather than a lost write), the accepted-findings
list, and the local user accounts for sign-in. Tables are sqlmodel classes kept apart from the frozen values
callers get back; the schema is made and changed only by the alembic migrations in `services/migrations/`
(`Store.migrate()`). Every timestamp is stored and returned in UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, cast, get_args

from alembic import command
from alembic.config import Config
from alembic.util import CommandError as AlembicError
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, ConfigDict
from sqlalchemy import URL, Dialect, Engine, MetaData, Text, event, make_url
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import registry
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from services.errors import ConfigError, InputError, NotFoundError, RejectedError, UnavailableError

URL_SETTING = "store database URL setting (THROUGHLINE_STORE__DATABASE_URL)"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")
MIN_PASSWORD_LENGTH = 12

CorrectionStatus = Literal["pending", "applied", "failed", "conflict", "undone"]
SettledStatus = Literal["applied", "failed", "conflict", "undone"]
CorrectionAction = Literal["apply", "undo", "create"]
Role = Literal["owner", "ops", "sales", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
STATUSES: tuple[str, ...] = get_args(CorrectionStatus)

# ---------------------------------------------------------------------------------------------------
# Values callers get back (frozen; no table object ever leaves this module)
# ---------------------------------------------------------------------------------------------------


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class NewCorrection(_Value):
    """One CRM write about to be made: logged as pending before the write."""

    user: str
    system: str
    object_type: str
    object_id: str
    field: str
    before: str | None
    after: str | None
    finding_key: str | None
    batch_id: str
    action: CorrectionAction = "apply"
    undoes_id: int | None = None


class Correction(_Value):
    """One row of the correction log."""

    id: int
    created_at: datetime
    settled_at: datetime | None
    user: str
    system: str
    object_type: str
    object_id: str
    field: str
    before: str | None
    after: str | None
    finding_key: str | None
    batch_id: str
    action: CorrectionAction
    undoes_id: int | None
    status: CorrectionStatus
    error: str | None


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


# ---------------------------------------------------------------------------------------------------
# Tables. Their own registry keeps them out of SQLModel's shared metadata (the sandbox's tables live there).
# ---------------------------------------------------------------------------------------------------

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
        value = _as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return an aware UTC datetime."""
        return None if value is None else _as_utc(value)


def _as_utc(value: datetime) -> datetime:
    # A naive datetime here is one this module wrote, and it writes only UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Table(SQLModel, registry=store_registry):
    pass


class CorrectionRow(_Table, table=True):
    __tablename__ = "correction"
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(sa_type=UtcDateTime, index=True)
    settled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    user: str = Field(index=True)
    system: str
    object_type: str
    object_id: str = Field(index=True)
    field: str
    before: str | None = Field(default=None, sa_type=Text)
    after: str | None = Field(default=None, sa_type=Text)
    finding_key: str | None = None
    batch_id: str = Field(index=True)
    action: str
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


# ---------------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------------

# A settled row changes once more only when its correction is undone.
_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"applied", "failed", "conflict", "undone"}),
    "applied": frozenset({"undone"}),
}


class Store:
    """Correction log, accepted findings and local users in one SQL database."""

    def __init__(
        self,
        url: str,
        *,
        max_attempts: int = 5,
        lockout_minutes: float = 15,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._url = _parse_url(url)
        self.masked_url = self._url.render_as_string(hide_password=True)
        self.max_attempts = max_attempts
        self.lockout = timedelta(minutes=lockout_minutes)
        self._hasher = hasher or PasswordHasher()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._dummy_hash: str | None = None
        self._engine = _make_engine(self._url)

    def close(self) -> None:
        """Close the store's database connections."""
        self._engine.dispose()

    def migrate(self) -> None:
        """Bring the database schema up to the newest migration (alembic upgrade head)."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self._errors("migrate"), self._engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    # --- correction log ----------------------------------------------------------------------------

    def log_pending(self, entries: Sequence[NewCorrection]) -> list[Correction]:
        """Write corrections as pending, all or none, before their CRM writes; return them with their ids."""
        now = self._now()
        with self._session("log corrections") as session:
            rows = [self._pending_row(session, entry, now) for entry in entries]
            session.add_all(rows)
            session.commit()
            return [_correction(row) for row in rows]

    def settle(
        self,
        correction_id: int,
        status: SettledStatus,
        error: str | None = None,
        after: str | None = None,
    ) -> Correction:
        """Record how a correction ended; `after` replaces the logged after-value (what the CRM now holds)."""
        with self._session("settle correction") as session:
            row = _get_correction(session, correction_id, lock=True)
            if status not in _TRANSITIONS.get(row.status, frozenset()):
                raise InputError(
                    f"correction {correction_id} is {row.status} and cannot become {status}: only a pending "
                    "correction can be settled, and only an applied one undone"
                )
            row.status, row.error, row.settled_at = status, error, self._now()
            if after is not None:
                row.after = after
            session.add(row)
            session.commit()
            return _correction(row)

    def pending(self) -> list[Correction]:
        """The corrections still pending (their CRM write's outcome is unknown), oldest first."""
        query = select(CorrectionRow).where(CorrectionRow.status == "pending").order_by(col(CorrectionRow.id))
        with self._session("read pending corrections") as session:
            return [_correction(row) for row in session.exec(query)]

    def corrections(
        self,
        *,
        user: str | None = None,
        status: str | None = None,
        object_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        batch_id: str | None = None,
    ) -> list[Correction]:
        """The correction log, newest first; `since` is inclusive, `until` exclusive (naive means UTC)."""
        if status is not None and status not in STATUSES:
            raise InputError(f"status filter {status!r} is unknown; use one of {', '.join(STATUSES)}")
        query = select(CorrectionRow)
        for column, value in (
            (CorrectionRow.user, user),
            (CorrectionRow.status, status),
            (CorrectionRow.object_id, object_id),
            (CorrectionRow.batch_id, batch_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(col(CorrectionRow.created_at) >= _as_utc(since))
        if until is not None:
            query = query.where(col(CorrectionRow.created_at) < _as_utc(until))
        query = query.order_by(col(CorrectionRow.created_at).desc(), col(CorrectionRow.id).desc())
        with self._session("read corrections") as session:
            return [_correction(row) for row in session.exec(query)]

    def correction(self, correction_id: int) -> Correction:
        """One correction by its id."""
        with self._session("read correction") as session:
            return _correction(_get_correction(session, correction_id))

    # --- accepted findings -------------------------------------------------------------------------

    def accept(self, finding_key: str, *, reason: str, user: str) -> AcceptedFinding:
        """Accept a finding as it is; accepting it again replaces the reason."""
        if not finding_key.strip():
            raise InputError("finding key is empty; pass the key of the finding to accept")
        if not reason.strip():
            raise InputError("reason is empty; say why this finding is accepted as it is")
        now = self._now()
        with self._session("accept finding") as session:
            for old in _active_acceptances(session, finding_key):
                old.revoked_by, old.revoked_at = user, now
                session.add(old)
            row = AcceptedFindingRow(
                finding_key=finding_key, reason=reason.strip(), accepted_by=user, accepted_at=now
            )
            session.add(row)
            session.commit()
            return _accepted(row)

    def unaccept(self, finding_key: str, *, user: str) -> None:
        """Withdraw a finding's acceptance, so it shows as a finding again."""
        now = self._now()
        with self._session("unaccept finding") as session:
            rows = _active_acceptances(session, finding_key)
            if not rows:
                raise InputError(f"finding {finding_key!r} is not accepted, so there is nothing to withdraw")
            for row in rows:
                row.revoked_by, row.revoked_at = user, now
                session.add(row)
            session.commit()

    def accepted(self) -> list[AcceptedFinding]:
        """The findings accepted now, one per key (the latest acceptance), newest first."""
        query = (
            select(AcceptedFindingRow)
            .where(col(AcceptedFindingRow.revoked_at).is_(None))
            .order_by(col(AcceptedFindingRow.accepted_at).desc(), col(AcceptedFindingRow.id).desc())
        )
        with self._session("read accepted findings") as session:
            latest: dict[str, AcceptedFinding] = {}
            for row in session.exec(query):
                latest.setdefault(row.finding_key, _accepted(row))
            return list(latest.values())

    def accepted_keys(self) -> frozenset[str]:
        """The keys of the findings accepted now."""
        return frozenset(finding.finding_key for finding in self.accepted())

    # --- local users -------------------------------------------------------------------------------

    def add_user(self, email: str, password: str, role: Role) -> User:
        """Create a local account with an argon2 password hash."""
        email, role = _email(email), _role(role)
        _check_password(password)
        row = UserRow(
            email=email, password_hash=self._hasher.hash(password), role=role, created_at=self._now()
        )
        with self._session("add user") as session:
            if session.exec(select(UserRow).where(UserRow.email == email)).first() is not None:
                raise InputError(f"a user with e-mail {email} already exists; pick another e-mail")
            session.add(row)
            try:
                session.commit()
            except sa_exc.IntegrityError:  # another process added the same e-mail meanwhile
                raise InputError(f"a user with e-mail {email} already exists; pick another e-mail") from None
            return _user(row)

    def set_password(self, email: str, password: str) -> None:
        """Give a user a new password and lift any lockout."""
        _check_password(password)
        new_hash = self._hasher.hash(password)
        self._update_user(email, "set password", password_hash=new_hash, failed_attempts=0, locked_until=None)

    def set_role(self, email: str, role: Role) -> None:
        """Change a user's role."""
        self._update_user(email, "set role", role=_role(role))

    def remove_user(self, email: str) -> None:
        """Delete a local account."""
        with self._session("remove user") as session:
            session.delete(_get_user(session, _email(email)))
            session.commit()

    def users(self) -> list[User]:
        """All local accounts, by e-mail."""
        with self._session("read users") as session:
            return [_user(row) for row in session.exec(select(UserRow).order_by(col(UserRow.email)))]

    def verify_login(self, email: str, password: str, *, now: datetime | None = None) -> User:
        """Check an e-mail and password; count failures and lock the account after too many."""
        now = _as_utc(now) if now is not None else self._now()
        with self._session("verify sign-in") as session:
            row = session.exec(
                select(UserRow).where(UserRow.email == email.strip().lower()).with_for_update()
            ).first()
            if row is None:
                self._spend_a_verify(password)  # so an unknown e-mail takes as long as a wrong password
                raise InputError("wrong e-mail or password")
            if row.locked_until is not None and now < row.locked_until:
                raise _locked(row.locked_until)
            if not self._password_matches(row.password_hash, password):
                self._count_failure(row, now)
                session.add(row)
                session.commit()
                raise (
                    _locked(row.locked_until) if row.locked_until else InputError("wrong e-mail or password")
                )
            if self._hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self._hasher.hash(password)
            row.failed_attempts, row.locked_until, row.last_login_at = 0, None, now
            session.add(row)
            session.commit()
            return _user(row)

    # --- internals ---------------------------------------------------------------------------------

    def _now(self) -> datetime:
        return _as_utc(self._clock())

    def _pending_row(self, session: Session, entry: NewCorrection, now: datetime) -> CorrectionRow:
        if entry.action == "undo" and entry.undoes_id is None:
            raise InputError(
                f"undo of {entry.object_id}.{entry.field} needs undoes_id, the correction it undoes"
            )
        if entry.action != "undo" and entry.undoes_id is not None:
            raise InputError(f"undoes_id is set on a {entry.action!r} correction; only an undo takes it")
        if entry.undoes_id is not None:
            _get_correction(session, entry.undoes_id)
        if not entry.user.strip() or not entry.batch_id.strip():
            raise InputError("a correction needs a user and a batch ID")
        return CorrectionRow(**entry.model_dump(), created_at=now, status="pending")

    def _password_matches(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _spend_a_verify(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("not a password anyone has")
        self._password_matches(self._dummy_hash, password)

    def _count_failure(self, row: UserRow, now: datetime) -> None:
        row.failed_attempts += 1
        if row.failed_attempts >= self.max_attempts:
            # The counter restarts so the account gets a full set of tries once the lock ends.
            row.failed_attempts, row.locked_until = 0, now + self.lockout

    def _update_user(self, email: str, operation: str, **changes: Any) -> None:
        with self._session(operation) as session:
            row = _get_user(session, _email(email))
            for name, value in changes.items():
                setattr(row, name, value)
            session.add(row)
            session.commit()

    @contextmanager
    def _session(self, operation: str) -> Iterator[Session]:
        with self._errors(operation), Session(self._engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def _errors(self, operation: str) -> Iterator[None]:
        """Turn the driver's errors into the project's, naming the URL setting but never the password."""
        try:
            yield
        except sa_exc.DBAPIError as error:
            if _is_missing_table(error):
                raise ConfigError(
                    f"the store database at {self.masked_url} has no tables yet (or an old schema): run the "
                    "migrations (Store.migrate(), or `python -m dashboard.users list` which migrates first)"
                ) from None
            if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
                raise UnavailableError(
                    "store",
                    operation,
                    f"cannot use the database at {self.masked_url} ({self._reason(error)}); check the "
                    f"{URL_SETTING} and that the database server is up",
                ) from None
            # SQLAlchemy's own text carries the statement's parameters (a password hash, say): never shown.
            raise RejectedError(
                "store", operation, f"the database refused it: {self._reason(error)}"
            ) from None
        except AlembicError as error:
            raise ConfigError(
                f"the store database at {self.masked_url} cannot be migrated ({error}); it may have been "
                f"migrated by a newer Throughline: upgrade this one, or point the {URL_SETTING} elsewhere"
            ) from None

    def _reason(self, error: sa_exc.DBAPIError) -> str:
        reason = str(error.orig).strip().splitlines()[0] if str(error.orig).strip() else type(error).__name__
        password = self._url.password
        return reason.replace(str(password), "***") if password else reason


# ---------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except sa_exc.ArgumentError:
        raise ConfigError(
            f"the {URL_SETTING} is not a database URL; use sqlite:///data/throughline.sqlite or "
            "postgresql+psycopg://user:password@host:5432/dbname"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"the {URL_SETTING} names {parsed.get_backend_name()!r}; use sqlite or postgresql")
    return parsed


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True)
    if not url.database or url.database == ":memory:":
        # One in-memory database shared by every thread (for tests), not one per connection.
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # Several Streamlit sessions write at once: wait for the lock instead of failing at once.
        engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _is_missing_table(error: sa_exc.DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return (
        sqlstate in ("42P01", "42703")
        or "no such table" in str(error.orig)
        or "no such column" in str(error.orig)
    )


def _get_correction(session: Session, correction_id: int, *, lock: bool = False) -> CorrectionRow:
    query = select(CorrectionRow).where(CorrectionRow.id == correction_id)
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFoundError("store", "read correction", f"no correction with id {correction_id} in the log")
    return row


def _get_user(session: Session, email: str) -> UserRow:
    row = session.exec(select(UserRow).where(UserRow.email == email)).first()
    if row is None:
        raise NotFoundError("store", "find user", f"no local user with e-mail {email}")
    return row


def _active_acceptances(session: Session, finding_key: str) -> list[AcceptedFindingRow]:
    query = select(AcceptedFindingRow).where(
        AcceptedFindingRow.finding_key == finding_key, col(AcceptedFindingRow.revoked_at).is_(None)
    )
    return list(session.exec(query))


def _email(email: str) -> str:
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or " " in cleaned:
        raise InputError(f"e-mail {email!r} is not an e-mail address; use the form name@example.com")
    return cleaned


def _role(role: str) -> Role:
    if role not in ROLES:
        raise InputError(f"role {role!r} is unknown; use one of {', '.join(ROLES)}")
    return cast(Role, role)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password is too short; use at least {MIN_PASSWORD_LENGTH} characters")


def _locked(until: datetime) -> InputError:
    return InputError(
        f"this account is locked after repeated failed sign-ins until {until:%Y-%m-%d %H:%M} UTC; "
        "try again then, or ask an admin to reset the password"
    )


def _correction(row: CorrectionRow) -> Correction:
    return Correction.model_validate(row.model_dump())


def _accepted(row: AcceptedFindingRow) -> AcceptedFinding:
    return AcceptedFinding(
        finding_key=row.finding_key, reason=row.reason, user=row.accepted_by, accepted_at=row.accepted_at
    )


def _user(row: UserRow) -> User:
    return User.model_validate(row.model_dump(exclude={"id", "password_hash"}))
