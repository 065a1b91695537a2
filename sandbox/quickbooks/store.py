"""The QuickBooks sandbox's storage: every entity as Intuit's JSON in one SQLite table, with the columns a
query or a change-data-capture request filters on (Id, last update, deleted) beside it.

Queries that filter and sort only on `Id` and `MetaData.LastUpdatedTime` (what a client paging through a
company sends) run in SQL and splice the stored JSON into the answer without parsing it, so a page of 1000
time activities out of a hundred thousand costs milliseconds; any other condition is evaluated on the
parsed rows (sandbox/quickbooks/query.py). A deletion keeps the row, marked, for change data capture.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Index
from sqlmodel import Field, SQLModel

from sandbox.quickbooks.query import Condition, Query, instant_key, matches, sort_key

SQL_FIELDS = {"id": "id", "metadata.lastupdatedtime": "updated"}
NAME_LISTS = {
    "Customer",
    "Vendor",
    "Employee",
    "Account",
    "Item",
    "Class",
    "Department",
    "Term",
    "PaymentMethod",
}
"""Entities whose queries return only active rows unless they ask otherwise ("WHERE Active IN (true, false)
returns active and inactive customers", learn/explore-the-quickbooks-online-api/data-queries)."""
_SQL_OPS = {"=": "=", "<": "<", ">": ">", "<=": "<=", ">=": ">=", "IN": "IN"}


class QboEntity(SQLModel, table=True):
    """One QuickBooks entity: its JSON as the API sends it, and what queries and CDC filter on."""

    __tablename__ = "qbo_entity"
    __table_args__ = (
        Index("ix_qbo_entity_updated", "entity", "updated"),
        Index("ix_qbo_entity_live", "entity", "deleted", "id"),  # pages by Id skip through this, not the rows
    )
    entity: str = Field(primary_key=True)
    id: int = Field(primary_key=True)
    body: str
    updated: str  # UTC, sortable text (books.utc_key)
    deleted: bool = False


class QboState(SQLModel, table=True):
    """The sandbox's own bookkeeping (OAuth grants), as JSON under a key."""

    __tablename__ = "qbo_state"
    key: str = Field(primary_key=True)
    value: str


def dumps(row: dict[str, Any]) -> str:
    """Compact JSON, as stored and sent."""
    return json.dumps(row, separators=(",", ":"), ensure_ascii=False)


class EntityStore:
    """The entities of one sandbox company."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write = threading.Lock()
        SQLModel.metadata.create_all(engine, tables=[QboEntity.__table__, QboState.__table__])  # type: ignore[list-item]
        for index in QboEntity.__table__.indexes:  # type: ignore[attr-defined]
            index.create(engine, checkfirst=True)  # a database built before an index was added gets it too

    @contextmanager
    def _connection(self) -> Iterator[Any]:
        with self.engine.connect() as connection:
            yield connection.connection.driver_connection

    # -- reading -------------------------------------------------------------------------------------

    def select(self, query: Query, entity: str) -> tuple[list[str] | None, list[dict[str, Any]] | None, int]:
        """Rows for a query: (stored JSON texts, or parsed rows, and the count). Only one of the first two
        is set: texts when SQL could do everything, rows when a condition needed parsing."""
        sql_where, params, rest = ["entity = ?", "deleted = 0"], [entity], []
        if entity in NAME_LISTS and not any(c.field.lower() == "active" for c in query.where):
            rest.append(Condition("Active", "=", True))
        for condition in query.where:
            column = SQL_FIELDS.get(condition.field.lower())
            value = condition.value
            if column is None or condition.op not in _SQL_OPS:
                rest.append(condition)
                continue
            values = value if isinstance(value, tuple) else (value,)
            converted = [self._sql_value(column, v) for v in values]
            if any(v is None for v in converted):
                rest.append(condition)
                continue
            if condition.op == "IN":
                sql_where.append(f"{column} IN ({', '.join('?' * len(converted))})")
            else:
                sql_where.append(f"{column} {_SQL_OPS[condition.op]} ?")
            params.extend(converted)
        sql_order = [SQL_FIELDS.get(name.lower()) for name, _ in query.order]
        where = " AND ".join(sql_where)
        with self._connection() as db:
            if not rest and all(sql_order):
                if query.count:
                    return (
                        None,
                        None,
                        int(
                            db.execute(f"SELECT COUNT(*) FROM qbo_entity WHERE {where}", params).fetchone()[0]
                        ),
                    )
                order = ", ".join(
                    f"{c} {'DESC' if d else 'ASC'}" for c, (_, d) in zip(sql_order, query.order, strict=True)
                )
                if order in ("", "id ASC"):  # find the page's first Id in the index, then read only the page
                    sql = (
                        f"SELECT body FROM qbo_entity WHERE {where} AND id >= (SELECT id FROM qbo_entity "
                        f"WHERE {where} ORDER BY id LIMIT 1 OFFSET ?) ORDER BY id LIMIT ?"
                    )
                    args = [*params, *params, query.start - 1, query.max_results]
                else:
                    sql = f"SELECT body FROM qbo_entity WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?"
                    args = [*params, query.max_results, query.start - 1]
                texts = [r[0] for r in db.execute(sql, args)]
                return texts, None, len(texts)
            rows = [
                json.loads(r[0])
                for r in db.execute(f"SELECT body FROM qbo_entity WHERE {where} ORDER BY id", params)
            ]
        rows = [row for row in rows if all(matches(row, c) for c in rest)]
        if query.count:
            return None, None, len(rows)
        for name, descending in reversed(query.order):
            rows.sort(key=lambda row, name=name: sort_key(row, name), reverse=descending)
        page = rows[query.start - 1 : query.start - 1 + query.max_results]
        return None, page, len(page)

    @staticmethod
    def _sql_value(column: str, value: Any) -> Any:
        if column == "id":
            return int(value) if str(value).isdigit() else None
        return instant_key(str(value))

    def get(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        """One live entity by Id, or None."""
        if not str(entity_id).isdigit():
            return None
        with self._connection() as db:
            found = db.execute(
                "SELECT body FROM qbo_entity WHERE entity = ? AND id = ? AND deleted = 0",
                (entity, int(entity_id)),
            ).fetchone()
        return json.loads(found[0]) if found else None

    def changed_since(self, entities: Iterable[str], since: str) -> list[tuple[str, dict[str, Any], bool]]:
        """(entity, row, deleted) of everything written at or after `since` (UTC key), by entity, live
        rows first, then by last update."""
        names = list(entities)
        sql = (
            f"SELECT entity, body, deleted FROM qbo_entity WHERE entity IN ({', '.join('?' * len(names))}) "
            "AND updated >= ? ORDER BY entity, deleted, updated"
        )
        with self._connection() as db:
            return [(e, json.loads(b), bool(d)) for e, b, d in db.execute(sql, [*names, since])]

    def next_id(self, entity: str) -> int:
        """The Id a new entity of this type gets."""
        with self._connection() as db:
            found = db.execute("SELECT MAX(id) FROM qbo_entity WHERE entity = ?", (entity,)).fetchone()
        return int(found[0] or 0) + 1

    def exchange_rates(self, currency: str) -> list[dict[str, Any]]:
        """Every stored rate of one currency."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT body FROM qbo_entity WHERE entity = 'ExchangeRate' ORDER BY id"
            ).fetchall()
        return [
            row
            for row in (json.loads(r[0]) for r in rows)
            if row.get("SourceCurrencyCode", "").upper() == currency.upper()
        ]

    # -- writing -------------------------------------------------------------------------------------

    def put(self, entity: str, row: dict[str, Any], updated: datetime, *, deleted: bool = False) -> None:
        """Insert or replace one entity."""
        key = instant_key(updated.isoformat())
        with self._write, self.engine.begin() as connection:
            connection.connection.driver_connection.execute(
                "INSERT OR REPLACE INTO qbo_entity (entity, id, body, updated, deleted) "
                "VALUES (?, ?, ?, ?, ?)",
                (entity, int(row["Id"]), dumps(row), key, int(deleted)),
            )

    def bulk_insert(self, rows: Iterable[tuple[str, int, str, str]]) -> None:
        """Insert planned entities (entity, id, JSON, UTC key) in one transaction."""
        with self.engine.begin() as connection:
            connection.connection.driver_connection.executemany(
                "INSERT INTO qbo_entity (entity, id, body, updated, deleted) VALUES (?, ?, ?, ?, 0)", rows
            )

    def state(self, key: str) -> Any:
        """The sandbox's bookkeeping stored under `key`, or None."""
        with self._connection() as db:
            found = db.execute("SELECT value FROM qbo_state WHERE key = ?", (key,)).fetchone()
        return json.loads(found[0]) if found else None

    def set_state(self, key: str, value: Any) -> None:
        """Store the sandbox's bookkeeping under `key`."""
        with self._write, self.engine.begin() as connection:
            connection.connection.driver_connection.execute(
                "INSERT OR REPLACE INTO qbo_state (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )
