"""The store's database: engine, migrations, sessions, and the driver's errors turned into the project's.

SQLite by default (a file under data/), PostgreSQL through the database URL setting. The URL's password is
never shown: messages name the URL setting and the masked URL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError as AlembicError
from sqlalchemy import URL, Engine, event, make_url
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import StaticPool
from sqlmodel import Session, create_engine

from services.errors import ConfigError, RejectedError, UnavailableError
from services.models import utcnow
from services.store.tables import as_utc

URL_SETTING = "store database URL setting (THROUGHLINE_STORE__DATABASE_URL)"
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


class Database:
    """One SQL database: its engine, the clock its timestamps come from, sessions that map errors."""

    def __init__(self, url: str, *, clock: Callable[[], datetime] | None = None) -> None:
        self._url = _parse_url(url)
        self.masked_url = self._url.render_as_string(hide_password=True)
        self._clock = clock or utcnow
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

    def _now(self) -> datetime:
        return as_utc(self._clock())

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
            if is_missing_table(error):
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


def _parse_url(url: str) -> URL:
    """The URL, or ConfigError naming the setting (never echoing the URL: it may hold a password)."""
    try:
        parsed = make_url(url)
        parsed.get_dialect()  # an unknown driver ("postgresql+nodriver") fails here, not at first use
    except sa_exc.NoSuchModuleError:
        raise ConfigError(
            f"the {URL_SETTING} names a database driver Throughline does not have; use sqlite:/// or "
            "postgresql+psycopg://"
        ) from None
    except (sa_exc.ArgumentError, ValueError):  # a port that is not a number, a broken host, ...
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


def is_missing_table(error: sa_exc.DBAPIError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return (
        sqlstate in ("42P01", "42703")
        or "no such table" in str(error.orig)
        or "no such column" in str(error.orig)
    )
