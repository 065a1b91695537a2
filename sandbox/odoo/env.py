"""What every model method runs with: the Env of one `execute_kw` call, and the checks on its arguments.

Checking offsets, limits, ids and field names in one place gives every method the same `ValueError` for the
same mistake, before any SQL runs. `search_clause` is the WHERE of a search: the domain, plus Odoo's
`active_test` (archived records stay hidden unless the domain names `active` or the context turns the test
off). Ids go to SQL in chunks, well under SQLite's bound-parameter limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Connection, FromClause, and_, true

from sandbox.odoo.domain import mentions, where_clause
from sandbox.odoo.models import ModelSpec, value_error

CHUNK = 500  # ids per IN (...) list, well under SQLite's bound-parameter limit


@dataclass
class Env:
    """What one `execute_kw` call runs with: the transaction, the model, the user and the context."""

    conn: Connection
    model: ModelSpec
    uid: int
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> FromClause:
        return self.model.table


def int_arg(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    if allow_none and (value is None or value is False):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise value_error(f"Invalid {name} {value!r}: use a whole number of 0 or more")


def ids_arg(ids: Any) -> list[int]:
    values = ids if isinstance(ids, list | tuple) else [ids]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in values):
        raise value_error(f"Invalid record ids {ids!r}: use an integer or a list of integers")
    return list(values)


def field_names(model: ModelSpec, fields: Any) -> list[str]:
    if not fields:
        return [name for name in model.fields if name != "id"]
    if isinstance(fields, str) or not isinstance(fields, list | tuple):
        raise value_error(f"Invalid fields {fields!r}: use a list of field names")
    for name in fields:
        if not isinstance(name, str):
            raise value_error(f"Invalid field name {name!r} on model {model.name!r}")
        model.field(name)
    return [name for name in dict.fromkeys(fields) if name != "id"]


def chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def search_clause(env: Env, domain: Any) -> ColumnElement[bool]:
    clause = where_clause(env.model, env.table, domain)
    domain_list = domain if isinstance(domain, list | tuple) else []
    if env.model.has_active and env.context.get("active_test", True) and not mentions(domain_list, "active"):
        clause = and_(clause, env.table.c.active == true())  # Odoo hides archived records by default
    return clause
