"""Local accounts for sign-in: argon2 password hashes, failed attempts counted, a lockout after too many.

One answer (`SIGN_IN_REFUSED`) and about the same time for an unknown e-mail, a wrong password and a locked
account, so the sign-in form tells no one which addresses have accounts.

Attempts are counted before a password is checked, by one atomic `UPDATE ... SET failed_attempts =
failed_attempts + 1 WHERE ... failed_attempts < max` (a row lock on PostgreSQL, the database write lock on
SQLite, where `SELECT ... FOR UPDATE` does nothing): of any number of sign-ins racing at once, at most
`max_attempts` get a password checked before the account locks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CursorResult, or_, update
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, select

from services.errors import InputError, NotFoundError
from services.models import ROLES, Role
from services.store.database import Database
from services.store.tables import UserRow, as_utc
from services.store.values import User

MIN_PASSWORD_LENGTH = 12
SIGN_IN_REFUSED = (
    "wrong e-mail or password (after repeated failures an account is locked for a while: wait, or ask an "
    "admin to reset the password)"
)


class Accounts(Database):
    """Local user accounts of one database."""

    max_attempts: int
    lockout: timedelta
    _hasher: PasswordHasher
    _dummy_hash: str | None

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
        """Check an e-mail and password; count the attempt first, lock the account after too many."""
        now = as_utc(now) if now is not None else self._now()
        address = email.strip().lower()
        with self._session("verify sign-in") as session:
            reserved: CursorResult[Any] = session.execute(  # type: ignore[assignment]  # an UPDATE
                update(UserRow)
                .where(
                    col(UserRow.email) == address,
                    or_(col(UserRow.locked_until).is_(None), col(UserRow.locked_until) <= now),
                    col(UserRow.failed_attempts) < self.max_attempts,
                )
                .values(failed_attempts=UserRow.failed_attempts + 1, locked_until=None)
            )
            session.commit()
            row = session.exec(select(UserRow).where(UserRow.email == address)).first()
            # unknown, locked, or out of attempts: no password is checked
            if not reserved.rowcount or row is None:
                self._spend_a_verify(password)
                raise InputError(SIGN_IN_REFUSED)
            if not self._password_matches(row.password_hash, password):
                session.execute(
                    update(UserRow)
                    .where(col(UserRow.id) == row.id, col(UserRow.failed_attempts) >= self.max_attempts)
                    .values(failed_attempts=0, locked_until=now + self.lockout)
                )
                session.commit()
                raise InputError(SIGN_IN_REFUSED)
            if self._hasher.check_needs_rehash(row.password_hash):
                row.password_hash = self._hasher.hash(password)
            row.failed_attempts, row.locked_until, row.last_login_at = 0, None, now
            session.add(row)
            session.commit()
            return _user(row)

    # --- internals ---------------------------------------------------------------------------------

    def _password_matches(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _spend_a_verify(self, password: str) -> None:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("not a password anyone has")
        self._password_matches(self._dummy_hash, password)

    def _update_user(self, email: str, operation: str, **changes: Any) -> None:
        with self._session(operation) as session:
            row = _get_user(session, _email(email))
            for name, value in changes.items():
                setattr(row, name, value)
            session.add(row)
            session.commit()


def _get_user(session: Session, email: str) -> UserRow:
    row = session.exec(select(UserRow).where(UserRow.email == email)).first()
    if row is None:
        raise NotFoundError("store", "find user", f"no local user with e-mail {email}")
    return row


def _email(email: str) -> str:
    cleaned = email.strip().lower()
    local, _, domain = cleaned.partition("@")
    if not local or "." not in domain or " " in cleaned:
        raise InputError(f"e-mail {email!r} is not an e-mail address; use the form name@example.com")
    return cleaned


def _role(role: str) -> Role:
    if role not in ROLES:
        raise InputError(f"role {role!r} is unknown; use one of {', '.join(ROLES)}")
    return role  # type: ignore[return-value]  # checked against ROLES just above


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputError(f"password is too short; use at least {MIN_PASSWORD_LENGTH} characters")


def _user(row: UserRow) -> User:
    return User.model_validate(row.model_dump(exclude={"id", "password_hash"}))
