"""Writing a planned portfolio into the sandbox database: the schema, row conversion and the bulk insert.

Rows go in by executemany in chunks, in one all-or-nothing transaction, and the big tables' indexes are
dropped first and rebuilt after, which is several times faster than updating them row by row. Each row is
converted first into exactly what SQLAlchemy's SQLite dialect would store (its date and datetime text, 0/1
for booleans), so the sandbox reads the rows back as if the ORM had written them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Engine, TypeDecorator
from sqlmodel import SQLModel

from sandbox.db import create_schema
from sandbox.portfolio.plan import Portfolio
from sandbox.portfolio.tables import TableRows


def write_portfolio(engine: Engine, portfolio: Portfolio, *, chunk_size: int = 50_000) -> None:
    """Create the sandbox schema and bulk-insert the portfolio's rows (the database must hold none yet)."""
    create_schema(engine)
    with engine.begin() as conn:
        for name in ("crm_object", "project_project", "account_analytic_line"):
            if conn.exec_driver_sql(f"SELECT 1 FROM {name} LIMIT 1").first() is not None:
                raise ValueError(
                    f"the sandbox database {engine.url.database} already holds a portfolio (table {name} "
                    "has rows); write into a new file or delete the old one first"
                )
        # pysqlite opens its transaction at the first INSERT: the bookkeeping rows go first, so that the
        # index drops of the big tables belong to the same all-or-nothing transaction.
        _insert(conn, "sandbox_meta", portfolio.tables["sandbox_meta"], chunk_size)
        for name, planned in portfolio.tables.items():
            if name != "sandbox_meta":
                _insert(conn, name, planned, chunk_size, reindex=True)


def _insert(
    conn: Connection, name: str, planned: TableRows, chunk_size: int, *, reindex: bool = False
) -> None:
    """executemany in chunks; with `reindex`, the table's own indexes are dropped first and rebuilt after."""
    # Filling a table and then building its indexes is several times faster than updating them row by
    # row (account_analytic_line.write_date arrives in random order).
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql NOT NULL", (name,)
    ).all() if reindex else []  # fmt: skip
    for index_name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{index_name}"')
    table = SQLModel.metadata.tables[name]
    convert = _row_converter([table.c[column].type for column in planned.columns])
    sql = (
        f"INSERT INTO {name} ({', '.join(planned.columns)}) VALUES ({', '.join('?' * len(planned.columns))})"
    )
    for start in range(0, len(planned.rows), chunk_size):
        conn.exec_driver_sql(sql, [convert(row) for row in planned.rows[start : start + chunk_size]])
    for _, create_index in indexes:
        conn.exec_driver_sql(create_index)


def _row_converter(types: Sequence[Any]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Turns a planned row into what SQLAlchemy's SQLite dialect would store (its date formats, 0/1)."""
    days: dict[date, str] = {}

    def as_date(value: date | None) -> str | None:
        if value is None:
            return None
        found = days.get(value)
        if found is None:
            found = days[value] = value.isoformat()
        return found

    def as_datetime(value: datetime | None) -> str | None:
        # sqlmodel's UTCDateTime stores UTC without an offset, like this
        if value is None:
            return None
        if value.tzinfo is not UTC:
            if value.utcoffset() is None:
                raise ValueError(f"planned datetimes must be timezone-aware, got {value!r}")
            value = value.astimezone(UTC)
        return value.isoformat(" ", "microseconds")[:26]

    def as_bool(value: bool | None) -> int | None:
        return None if value is None else int(value)

    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, declared in enumerate(types):
        column_type = declared.impl if isinstance(declared, TypeDecorator) else declared
        if isinstance(column_type, DateTime):
            converters.append((index, as_datetime))
        elif isinstance(column_type, Date):
            converters.append((index, as_date))
        elif isinstance(column_type, Boolean):
            converters.append((index, as_bool))

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for index, function in converters:
            values[index] = function(values[index])
        return tuple(values)

    return convert
