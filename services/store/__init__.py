"""The store: Throughline's own SQL database (SQLite by default, PostgreSQL through the database URL setting).

It keeps the correction log and the accepted findings (corrections.py), the Closed Won runs
(closed_won.py), the local user accounts for sign-in (accounts.py), the QuickBooks refresh tokens,
encrypted (tokens.py), and the portfolio's daily figures for trends (portfolio.py), in one database
(database.py) whose schema only the alembic migrations in
services/migrations/ make and change (`Store.migrate()`). Tables (tables.py) are kept apart from the frozen
values callers get back (values.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from argon2 import PasswordHasher

from services.store.accounts import MIN_PASSWORD_LENGTH, Accounts
from services.store.closed_won import ClosedWonRuns
from services.store.corrections import CorrectionLog
from services.store.database import URL_SETTING
from services.store.portfolio import PortfolioDays
from services.store.tokens import RefreshTokens, token_cipher
from services.store.values import (
    STATUSES,
    AcceptedFinding,
    ClosedWon,
    ClosedWonStatus,
    Correction,
    CorrectionAction,
    CorrectionFields,
    CorrectionStatus,
    NewCorrection,
    PortfolioDay,
    SettledStatus,
    User,
)

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "STATUSES",
    "URL_SETTING",
    "AcceptedFinding",
    "ClosedWon",
    "ClosedWonStatus",
    "Correction",
    "CorrectionAction",
    "CorrectionFields",
    "CorrectionStatus",
    "NewCorrection",
    "PortfolioDay",
    "RefreshTokens",
    "SettledStatus",
    "Store",
    "User",
    "token_cipher",
]


class Store(CorrectionLog, Accounts, ClosedWonRuns, PortfolioDays):
    """Correction log, accepted findings, local users, Closed Won runs and the portfolio's daily figures."""

    def __init__(
        self,
        url: str,
        *,
        max_attempts: int = 5,
        lockout_minutes: float = 15,
        hasher: PasswordHasher | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(url, clock=clock)
        self.max_attempts = max_attempts
        self.lockout = timedelta(minutes=lockout_minutes)
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash = None
