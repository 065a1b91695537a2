"""The model methods the sandbox answers over `execute_kw`, with Odoo 17's signatures and result shapes.

`search_read`, `search`, `search_count`, `read`, `read_group`, `fields_get`, `create` and `write`. Each runs
in the caller's transaction (`Env.conn`), so a call that fails changes nothing. `read_group` is one SQL
GROUP BY; only the (few) groups are formatted, labelled and ordered in Python.
"""

from __future__ import annotations

import calendar
import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    FromClause,
    Integer,
    String,
    and_,
    cast,
    func,
    insert,
    null,
    select,
    true,
    update,
)

from sandbox.odoo.domain import and_domains, mentions, order_clauses, where_clause
from sandbox.odoo.models import (
    DATES,
    MODELS,
    FieldSpec,
    ModelSpec,
    OdooError,
    field_sql,
    m2o_display_sql,
    missing_error,
    to_db,
    to_wire,
    utc_now,
    validation_error,
    value_error,
)

CHUNK = 500  # ids per IN (...) list, well under SQLite's bound-parameter limit
MAGIC = frozenset({"id", "create_date", "write_date"})  # Odoo sets these itself and ignores them in vals


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


# ---------------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------------


def _int_arg(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    if allow_none and (value is None or value is False):
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise value_error(f"Invalid {name} {value!r}: use a whole number of 0 or more")


def _ids_arg(ids: Any) -> list[int]:
    values = ids if isinstance(ids, list | tuple) else [ids]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in values):
        raise value_error(f"Invalid record ids {ids!r}: use an integer or a list of integers")
    return list(values)


def _field_names(model: ModelSpec, fields: Any) -> list[str]:
    if not fields:
        return [name for name in model.fields if name != "id"]
    if isinstance(fields, str) or not isinstance(fields, list | tuple):
        raise value_error(f"Invalid fields {fields!r}: use a list of field names")
    for name in fields:
        if not isinstance(name, str):
            raise value_error(f"Invalid field name {name!r} on model {model.name!r}")
        model.field(name)
    return [name for name in dict.fromkeys(fields) if name != "id"]


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


# ---------------------------------------------------------------------------------------------------
# Searching and reading
# ---------------------------------------------------------------------------------------------------


def _where(env: Env, domain: Any) -> ColumnElement[bool]:
    clause = where_clause(env.model, env.table, domain)
    domain_list = domain if isinstance(domain, list | tuple) else []
    if env.model.has_active and env.context.get("active_test", True) and not mentions(domain_list, "active"):
        clause = and_(clause, env.table.c.active == true())  # Odoo hides archived records by default
    return clause


def _records(
    env: Env,
    where: ColumnElement[bool],
    names: Sequence[str],
    *,
    order: Any = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Records matching `where` as Odoo's read() formats them: `id` first, then `names` in order."""
    model, t = env.model, env.table
    specs = [model.field(name) for name in names]
    columns: list[ColumnElement[Any]] = [t.c.id.label("id")]
    for spec in specs:
        if spec.type == "one2many":
            continue
        value = field_sql(model, t, spec.name)
        columns.append(value.label(spec.name))
        if spec.type == "many2one":
            columns.append(m2o_display_sql(spec, value).label(f"{spec.name}__display"))
    query = select(*columns).where(where).order_by(*order_clauses(model, t, order)).offset(offset)
    rows = [row._mapping for row in env.conn.execute(query.limit(limit) if limit else query)]
    ids = [row["id"] for row in rows]
    many = {spec.name: _one2many_ids(env, spec, ids) for spec in specs if spec.type == "one2many"}
    records = []
    for row in rows:
        record: dict[str, Any] = {"id": row["id"]}
        for spec in specs:
            if spec.type == "one2many":
                record[spec.name] = many[spec.name].get(row["id"], [])
            else:
                record[spec.name] = to_wire(spec, row[spec.name], row.get(f"{spec.name}__display"))
        records.append(record)
    return records


def _one2many_ids(env: Env, spec: FieldSpec, ids: Sequence[int]) -> dict[int, list[int]]:
    c = MODELS[spec.relation or ""].table
    owner = c.c[spec.inverse or ""]
    out: dict[int, list[int]] = {}
    for chunk in _chunks(ids):
        query = select(owner, c.c.id).where(owner.in_(chunk)).order_by(c.c.id)
        if spec.inverse_filter:
            query = query.where(c.c[spec.inverse_filter[0]] == spec.inverse_filter[1])
        for owner_id, line_id in env.conn.execute(query):
            out.setdefault(owner_id, []).append(line_id)
    return out


def search_read(
    env: Env,
    domain: Any = None,
    fields: Any = None,
    offset: Any = 0,
    limit: Any = None,
    order: Any = None,
    load: str = "_classic_read",
) -> list[dict[str, Any]]:
    """Records matching the domain, read (Odoo's `search_read`)."""
    names = _field_names(env.model, fields)
    return _records(
        env,
        _where(env, domain),
        names,
        order=order,
        offset=_int_arg("offset", offset) or 0,
        limit=_int_arg("limit", limit, allow_none=True),
    )


def search(env: Env, domain: Any, offset: Any = 0, limit: Any = None, order: Any = None) -> list[int]:
    """Ids of the records matching the domain."""
    t = env.table
    query = (
        select(t.c.id)
        .where(_where(env, domain))
        .order_by(*order_clauses(env.model, t, order))
        .offset(_int_arg("offset", offset) or 0)
    )
    limit_value = _int_arg("limit", limit, allow_none=True)
    return list(env.conn.scalars(query.limit(limit_value) if limit_value else query))


def search_count(env: Env, domain: Any, limit: Any = None) -> int:
    """How many records match the domain (at most `limit` when given)."""
    matching = select(env.table.c.id).where(_where(env, domain))
    limit_value = _int_arg("limit", limit, allow_none=True)
    if limit_value:
        matching = matching.limit(limit_value)
    return int(env.conn.scalar(select(func.count()).select_from(matching.subquery())) or 0)


def read(env: Env, ids: Any, fields: Any = None, load: str = "_classic_read") -> list[dict[str, Any]]:
    """The given records, in the given order, archived or not; a MissingError names absent ids."""
    wanted = _ids_arg(ids)
    names = _field_names(env.model, fields)
    by_id: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(list(dict.fromkeys(wanted))):
        for record in _records(env, env.table.c.id.in_(chunk), names):
            by_id[record["id"]] = record
    missing = [i for i in wanted if i not in by_id]
    if missing:
        raise missing_error(env.model.name, missing, env.uid)
    return [by_id[i] for i in wanted]


# ---------------------------------------------------------------------------------------------------
# read_group
# ---------------------------------------------------------------------------------------------------

GRANULARITIES = ("day", "week", "month", "quarter", "year")
AGGREGATES = ("sum", "avg", "min", "max", "count", "count_distinct", "bool_and", "bool_or")
FIELD_AGGREGATE = re.compile(r"^(\w+)(?::(\w+)(?:\((\w+)\))?)?$")


@dataclass(frozen=True)
class _GroupBy:
    key: str  # the spec as written, the key of the value in each group: "date", "date:month", "account_id"
    spec: FieldSpec
    granularity: str | None
    sql: ColumnElement[Any]


@dataclass(frozen=True)
class _Aggregate:
    key: str
    spec: FieldSpec
    function: str
    sql: ColumnElement[Any]


def _groupby(env: Env, text: Any) -> _GroupBy:
    if not isinstance(text, str):
        raise value_error(f"Invalid groupby {text!r}: use a field name, e.g. 'account_id' or 'date:month'")
    name, _, granularity = text.partition(":")
    spec = env.model.field(name.strip())
    if spec.type in ("one2many", "json") or spec.name == "display_name":
        raise value_error(f"Field {spec.name!r} on model {env.model.name!r} cannot be grouped by")
    value = field_sql(env.model, env.table, spec.name)
    if spec.type not in DATES:
        if granularity:
            raise value_error(f"Granularity {granularity!r} only applies to date fields, not {spec.name!r}")
        # ifnull(x, NULL) is x, but hides x's index from the GROUP BY: walking a million rows in index
        # order costs a random read per row, a plain scan with a temporary b-tree is three times faster
        return _GroupBy(text, spec, None, func.ifnull(value, null(), type_=value.type))
    granularity = granularity or "month"
    if granularity not in GRANULARITIES:
        raise value_error(
            f"Invalid granularity {granularity!r} in {text!r}: use one of {', '.join(GRANULARITIES)}"
        )
    return _GroupBy(text, spec, granularity, _period_start(value, granularity))


def _period_start(value: ColumnElement[Any], granularity: str) -> ColumnElement[Any]:
    """The first day of the period holding `value`, as 'YYYY-MM-DD' text (weeks start on Monday)."""
    # SQLite keeps dates and datetimes as ISO text, so cutting text is cheaper than strftime per row
    text = func.substr(value, 1, {"day": 10, "month": 7, "year": 4}.get(granularity, 10), type_=String)
    if granularity == "day":
        return text
    if granularity == "month":
        return text + "-01"
    if granularity == "year":
        return text + "-01-01"
    if granularity == "week":
        weekday = (cast(func.strftime("%w", value), Integer) + 6) % 7
        return func.date(value, func.printf("-%d days", weekday))
    month = (cast(func.strftime("%m", value), Integer) + 2) // 3 * 3 - 2
    return func.printf("%s-%02d-01", func.strftime("%Y", value), month)


def _period_end(start: date, granularity: str) -> date:
    if granularity == "day":
        return start + timedelta(days=1)
    if granularity == "week":
        return start + timedelta(days=7)
    months = {"month": 1, "quarter": 3, "year": 12}[granularity]
    index = start.month - 1 + months
    return date(start.year + index // 12, index % 12 + 1, 1)


def _period_label(start: date, granularity: str) -> str:
    """English labels as Odoo 17 formats them with babel for en_US."""
    if granularity == "day":
        return f"{start.day:02d} {calendar.month_abbr[start.month]} {start.year}"
    if granularity == "week":
        year, week, _ = start.isocalendar()
        return f"W{week} {year}"
    if granularity == "month":
        return f"{calendar.month_name[start.month]} {start.year}"
    if granularity == "quarter":
        return f"Q{(start.month - 1) // 3 + 1} {start.year}"
    return str(start.year)


def _aggregates(env: Env, fields: Any, grouped: set[str]) -> list[_Aggregate]:
    if fields is None:
        fields = []
    if not isinstance(fields, list | tuple):
        raise value_error(f"Invalid fields {fields!r}: use a list such as ['amount:sum', '__count']")
    out: dict[str, _Aggregate] = {}
    for text in fields:
        if text == "__count":
            continue
        match = FIELD_AGGREGATE.match(text) if isinstance(text, str) else None
        if not match:
            raise value_error(f"Invalid field specification {text!r}.")
        key, function, source = match.groups()
        if function is None:
            spec = env.model.field(key)
            if spec.aggregator is None or text in grouped or spec.type in ("one2many", "json"):
                continue  # Odoo skips fields without a default aggregator
            function = spec.aggregator
        spec = env.model.field(source or key)
        if function not in AGGREGATES:
            raise value_error(f"Invalid aggregate method {function!r} for {text!r}.")
        if spec.type in ("one2many", "json") or spec.name == "display_name":
            raise value_error(f"Field {spec.name!r} on model {env.model.name!r} cannot be aggregated")
        out[key] = _Aggregate(
            key, spec, function, _aggregate_sql(function, field_sql(env.model, env.table, spec.name))
        )
    return list(out.values())


def _aggregate_sql(function: str, value: ColumnElement[Any]) -> ColumnElement[Any]:
    if function == "count_distinct":
        return func.count(value.distinct())
    if function in ("bool_and", "bool_or"):  # SQLite has no bool_and/bool_or; min/max of 0/1 is the same
        return cast((func.min if function == "bool_and" else func.max)(cast(value, Integer)), Boolean)
    return getattr(func, function)(value)


def _aggregate_value(aggregate: _Aggregate, value: Any) -> Any:
    if value is None:
        return False
    if aggregate.function in ("count", "count_distinct"):
        return int(value)
    if aggregate.function in ("bool_and", "bool_or"):
        return bool(value)
    if aggregate.function in ("min", "max") and aggregate.spec.type in DATES:
        return to_wire(aggregate.spec, value)
    if aggregate.spec.type in ("float", "monetary") or aggregate.function == "avg":
        return float(value)
    return value


def read_group(
    env: Env,
    domain: Any,
    fields: Any,
    groupby: Any,
    offset: Any = 0,
    limit: Any = None,
    orderby: Any = False,
    lazy: bool = True,
) -> list[dict[str, Any]]:
    """Odoo 17's `read_group`: one SQL GROUP BY, groups formatted as the web client receives them."""
    all_groupby = [groupby] if isinstance(groupby, str) else list(groupby or [])
    used = all_groupby[:1] if lazy else all_groupby
    groupbys = [_groupby(env, text) for text in used]
    count_key = f"{used[0].split(':')[0]}_count" if lazy and len(used) == 1 else "__count"
    aggregates = _aggregates(env, fields, set(used))
    order = _group_order(orderby, groupbys, [count_key, *(a.key for a in aggregates)])
    start = _int_arg("offset", offset) or 0
    size = _int_arg("limit", limit, allow_none=True)
    columns = [g.sql.label(f"g{i}") for i, g in enumerate(groupbys)]
    columns += [a.sql.label(f"a{i}") for i, a in enumerate(aggregates)]
    query = select(*columns, func.count().label("n")).select_from(env.table).where(_where(env, domain))
    rows = env.conn.execute(query.group_by(*(f"g{i}" for i in range(len(groupbys))))).all()
    labels = {
        g.key: _m2o_labels(env, g.spec, {row[i] for row in rows if row[i] is not None})
        for i, g in enumerate(groupbys)
        if g.spec.type == "many2one"
    }
    shape = _GroupShape(groupbys, aggregates, count_key, domain, all_groupby[len(used) :])
    groups = [_format_group(shape, row, labels) for row in rows]
    _sort_groups(groups, order)
    return [group for group, _ in groups[start : start + size if size else None]]


@dataclass(frozen=True)
class _GroupShape:
    groupbys: Sequence[_GroupBy]
    aggregates: Sequence[_Aggregate]
    count_key: str
    domain: Any
    rest: Sequence[str]  # the groupbys a lazy read_group left for the next level


def _format_group(
    shape: _GroupShape, row: Sequence[Any], labels: Mapping[str, Mapping[int, str]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One result row as Odoo formats it, and the values to sort it by."""
    group: dict[str, Any] = {}
    sort: dict[str, Any] = {}
    leaves: list[list[Any]] = []
    ranges: dict[str, Any] = {}
    for i, g in enumerate(shape.groupbys):
        group[g.key], sort[g.key], leaf, ranges[g.key] = _group_value(g, row[i], labels.get(g.key, {}))
        leaves.append(leaf)
    group[shape.count_key] = sort[shape.count_key] = int(row[-1])
    for i, a in enumerate(shape.aggregates, start=len(shape.groupbys)):
        group[a.key] = _aggregate_value(a, row[i])
        sort[a.key] = row[i]
    domain = shape.domain if isinstance(shape.domain, list | tuple) else []
    group["__domain"] = and_domains([*leaves, domain])
    if any(g.granularity for g in shape.groupbys):
        group["__range"] = {g.key: ranges[g.key] for g in shape.groupbys if g.granularity}
    if shape.rest:
        group["__context"] = {"group_by": list(shape.rest)}
    return group, sort


def _group_value(g: _GroupBy, raw: Any, labels: Mapping[int, str]) -> tuple[Any, Any, list[Any], Any]:
    """(value in the result, value to sort by, the group's domain, its __range entry)."""
    name = g.spec.name
    if g.spec.type == "many2one":
        if raw is None:
            return False, None, [[name, "=", False]], None
        label = labels.get(raw, f"#{raw}")
        return [raw, label], (label, raw), [[name, "=", raw]], None
    if g.granularity:
        if raw is None:
            return False, None, [[name, "=", False]], False
        start = date.fromisoformat(raw)
        end = _period_end(start, g.granularity)
        suffix = " 00:00:00" if g.spec.type == "datetime" else ""
        bounds = {"from": f"{start.isoformat()}{suffix}", "to": f"{end.isoformat()}{suffix}"}
        domain = ["&", [name, ">=", bounds["from"]], [name, "<", bounds["to"]]]
        return _period_label(start, g.granularity), raw, domain, bounds
    if g.spec.type == "boolean":
        return bool(raw), bool(raw), [[name, "=", bool(raw)]], None
    value = raw if raw is not None else False
    return value, raw, [[name, "=", value]], None


def _m2o_labels(env: Env, spec: FieldSpec, ids: set[int]) -> dict[int, str]:
    if spec.labels is not None:
        return {i: spec.labels.get(i, f"#{i}") for i in ids}
    comodel = MODELS[spec.relation or ""]
    c = comodel.table.alias()
    out: dict[int, str] = {}
    for chunk in _chunks(sorted(ids)):
        query = select(c.c.id, comodel.display(c)).where(c.c.id.in_(chunk))
        out.update((record_id, label) for record_id, label in env.conn.execute(query))
    return out


def _group_order(
    orderby: Any, groupbys: Sequence[_GroupBy], aggregate_keys: Sequence[str]
) -> list[tuple[str, bool]]:
    """[(sort key, descending)]: by default the groupby order; otherwise orderby's terms, checked."""
    if not orderby:
        return [(g.key, False) for g in groupbys]
    if not isinstance(orderby, str):
        raise value_error(f"Invalid orderby {orderby!r}: use a string such as 'amount desc'")
    terms = []
    for term in orderby.split(","):
        words = term.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise value_error(f"Invalid orderby term {term.strip()!r}: use '<field> [asc|desc]'")
        name = words[0]
        key = next((g.key for g in groupbys if g.key.split(":")[0] == name.split(":")[0]), None)
        if key is None and name in aggregate_keys:
            key = name
        if key is None:
            raise value_error(f"Order term {term.strip()!r} is not a valid aggregate nor valid groupby")
        terms.append((key, len(words) == 2 and words[1].lower() == "desc"))
    return terms


def _sort_groups(
    groups: list[tuple[dict[str, Any], dict[str, Any]]], terms: Sequence[tuple[str, bool]]
) -> None:
    # stable sorts from the last term to the first; empty values sort as PostgreSQL puts them (last ascending)
    for key, descending in reversed(terms):
        groups.sort(
            key=lambda item: (item[1][key] is None, 0 if item[1][key] is None else item[1][key]),
            reverse=descending,
        )


# ---------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------


def _values(env: Env, vals: Any) -> dict[str, Any]:
    """`vals` checked and converted to column values; nothing is written if any of them is wrong."""
    if not isinstance(vals, dict):
        raise value_error(f"Invalid values {vals!r}: use an object of field names and values")
    model = env.model
    out: dict[str, Any] = {}
    for name, value in vals.items():
        spec = model.field(name)
        if name in MAGIC:
            continue
        if spec.column is None:
            raise value_error(f"Field {name!r} on model {model.name!r} is computed and cannot be written")
        converted = to_db(model, spec, value)
        if spec.selection and converted is not None and converted not in dict(spec.selection):
            allowed = ", ".join(key for key, _ in spec.selection)
            raise value_error(f"Wrong value for {model.name}.{name}: {value!r} (allowed: {allowed})")
        if spec.type == "many2one" and converted is not None:
            _check_target(env, spec, converted)
        out[spec.column] = converted
    return out


def _check_target(env: Env, spec: FieldSpec, target: int) -> None:
    comodel = MODELS.get(spec.relation or "")
    if comodel is None:
        return
    if env.conn.scalar(select(comodel.table.c.id).where(comodel.table.c.id == target)) is None:
        raise validation_error(
            f"The operation cannot be completed: {spec.relation}({target},) does not exist "
            f"(field {spec.name!r} on model {env.model.name!r})"
        )


def _check_required(env: Env, row: Mapping[str, Any]) -> None:
    for spec in env.model.fields.values():
        if spec.column and spec.column in row and row[spec.column] is None and _required(env, spec):
            raise validation_error(
                "The operation cannot be completed: a mandatory field is not set. "
                f"Model: {env.model.description} ({env.model.name}), Field: {spec.string} ({spec.name})"
            )


def _required(env: Env, spec: FieldSpec) -> bool:
    return spec.required or not env.table.c[spec.column or ""].nullable


def write(env: Env, ids: Any, vals: Any) -> bool:
    """Update the given records; Odoo 17 answers true."""
    wanted = list(dict.fromkeys(_ids_arg(ids)))
    values = _values(env, vals)
    _check_required(env, values)
    t = env.table
    found: set[int] = set()
    for chunk in _chunks(wanted):
        found.update(env.conn.scalars(select(t.c.id).where(t.c.id.in_(chunk))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise missing_error(env.model.name, missing, env.uid)
    if "write_date" in t.c:
        values["write_date"] = utc_now()
    for chunk in _chunks(wanted):
        env.conn.execute(update(t).where(t.c.id.in_(chunk)).values(values))
    _recompute_timesheets(env, wanted, vals)
    return True


def create(env: Env, vals_list: Any) -> int | list[int]:
    """Create one record (from an object) or several (from a list); answer the id or the ids."""
    single = isinstance(vals_list, dict)
    items = [vals_list] if single else vals_list
    if not isinstance(items, list) or not items:
        raise value_error("Invalid values: use an object of field names and values, or a list of them")
    ids = []
    for vals in items:
        row = _values(env, vals)
        for name, default in env.model.defaults.items():
            row.setdefault(name, default())
        for column in env.table.c:
            default = column.default
            if (
                column.name not in row
                and default is not None
                and default.is_scalar
                and not column.primary_key
            ):
                row[column.name] = getattr(default, "arg", None)
        for spec in env.model.fields.values():
            if spec.column and spec.column != "id" and _required(env, spec):
                row.setdefault(spec.column, None)
        _check_required(env, row)
        new_id = env.conn.execute(insert(env.table).values(row)).inserted_primary_key[0]
        _recompute_timesheets(env, [new_id], vals)
        ids.append(int(new_id))
    return ids[0] if single else ids


def _recompute_timesheets(env: Env, ids: Sequence[int], vals: Mapping[str, Any]) -> None:
    """hr_timesheet: a timesheet's amount is -hours x the employee's hourly cost, whatever vals said."""
    if env.model.name != "account.analytic.line" or not {"unit_amount", "employee_id", "project_id"} & set(
        vals
    ):
        return
    t = env.table
    employee = MODELS["hr.employee"].table
    cost = select(employee.c.hourly_cost).where(employee.c.id == t.c.employee_id).scalar_subquery()
    timesheet = and_(t.c.project_id.is_not(None), t.c.employee_id.is_not(None))
    for chunk in _chunks(list(ids)):
        env.conn.execute(
            update(t)
            .where(t.c.id.in_(chunk), timesheet)
            .values(amount=-func.round(t.c.unit_amount * cost, 2))
        )


# ---------------------------------------------------------------------------------------------------
# fields_get and the method table
# ---------------------------------------------------------------------------------------------------


def fields_get(env: Env, allfields: Any = None, attributes: Any = None) -> dict[str, dict[str, Any]]:
    """Field descriptions as Odoo 17's `fields_get` gives them, optionally limited to some attributes."""
    out: dict[str, dict[str, Any]] = {}
    for spec in env.model.fields.values():
        if allfields and spec.name not in allfields:
            continue
        sql_backed = spec.column is not None or spec.related is not None or spec.name == "display_name"
        description: dict[str, Any] = {
            "name": spec.name,
            "type": spec.type,
            "string": spec.string,
            "store": spec.stored,
            "readonly": spec.readonly,
            "required": spec.required,
            "searchable": True,
            "sortable": sql_backed and spec.type not in ("json", "one2many"),
            "groupable": sql_backed and spec.type not in ("json", "one2many") and spec.name != "display_name",
        }
        if spec.relation:
            description["relation"] = spec.relation
        if spec.inverse:
            description["relation_field"] = spec.inverse
        if spec.selection:
            description["selection"] = [list(option) for option in spec.selection]
        if spec.aggregator:
            description["group_operator"] = spec.aggregator
        if attributes:
            description = {key: value for key, value in description.items() if key in attributes}
        out[spec.name] = description
    return out


METHODS: dict[str, Callable[..., Any]] = {
    "search_read": search_read,
    "search": search,
    "search_count": search_count,
    "read": read,
    "read_group": read_group,
    "fields_get": fields_get,
    "create": create,
    "write": write,
}


def call_kw(env: Env, method: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
    """Call a model method with execute_kw's positional and keyword arguments, as Odoo's `call_kw` does."""
    function = METHODS.get(method)
    if function is None:
        raise OdooError(
            "builtins.AttributeError", f"The method '{method}' does not exist on the model '{env.model.name}'"
        )
    try:
        bound = inspect.signature(function).bind(env, *args, **kwargs)
    except TypeError as error:
        raise OdooError("builtins.TypeError", f"{method}() {error}") from None
    return function(*bound.args, **bound.kwargs)
