"""`read_group` (16-19) and `formatted_read_group` (19+): records grouped by fields and date periods.

One SQL GROUP BY does the counting and the sums; only the (few) groups are formatted, labelled and ordered in
Python. `read_group`'s shapes (odoo/models.py 16-18, odoo/orm/models.py 19): a lazy call groups by the first
groupby only, counts in `<field>_count` and hands the rest on in `__context`; a date groups by month unless a
granularity is given, with Odoo's English label ("March 2026", "W12 2026", "Q1 2026") and a `__range`;
every group carries the `__domain` that selects its records; an aggregate comes back under the field's
name. `formatted_read_group(domain, groupby, aggregates, having, offset, limit, order)` (addons/web/models/
models.py 19.0, `_web_read_group_format`) is never lazy, keys an aggregate by its spec ("amount:sum"),
counts only when asked ("__count"), gives a date group as [start, label], and carries `__extra_domain`, the
group's own conditions, instead of `__domain`. Empty values sort as PostgreSQL puts them (last, ascending).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Integer, String, cast, func, null, select

from sandbox.odoo.domain import and_normalized, normalized_or_empty
from sandbox.odoo.env import Env, chunks, int_arg, search_clause
from sandbox.odoo.models import DATES, FieldSpec, field_sql, to_wire, value_error

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
    start = int_arg("offset", offset) or 0
    size = int_arg("limit", limit, allow_none=True)
    columns = [g.sql.label(f"g{i}") for i, g in enumerate(groupbys)]
    columns += [a.sql.label(f"a{i}") for i, a in enumerate(aggregates)]
    query = select(*columns, func.count().label("n")).select_from(env.table).where(search_clause(env, domain))
    rows = env.conn.execute(query.group_by(*(f"g{i}" for i in range(len(groupbys))))).all()
    labels = {
        g.key: _m2o_labels(env, g.spec, {row[i] for row in rows if row[i] is not None})
        for i, g in enumerate(groupbys)
        if g.spec.type == "many2one"
    }
    tail = normalized_or_empty(domain if isinstance(domain, list | tuple) else [])
    shape = _GroupShape(groupbys, aggregates, count_key, tail, all_groupby[len(used) :])
    groups = [_format_group(shape, row, labels) for row in rows]
    _sort_groups(groups, order)
    return [group for group, _ in groups[start : start + size if size else None]]


def formatted_read_group(
    env: Env,
    domain: Any,
    groupby: Any = (),
    aggregates: Any = (),
    having: Any = (),
    offset: Any = 0,
    limit: Any = None,
    order: Any = None,
) -> list[dict[str, Any]]:
    """Odoo 19's `formatted_read_group`: groups keyed by their specs, `__extra_domain` per group."""
    specs = [groupby] if isinstance(groupby, str) else list(groupby or [])
    groupbys = [_groupby(env, text) for text in specs]
    for g in groupbys:
        if g.spec.type in DATES and ":" not in g.key:
            raise value_error(f"Granularity is missing for {g.key!r}: use e.g. '{g.key}:month'")
    wanted = list(aggregates or [])
    for text in wanted:
        if isinstance(text, str) and text != "__count" and ":" not in text:
            raise value_error(f"Aggregate method is mandatory for {text!r}")
    if having:
        raise value_error("having is not supported by the sandbox; filter the groups client-side")
    keyed = _aggregates(env, [t for t in wanted if t != "__count"], set())
    order_terms = _group_order(order, groupbys, ["__count", *(_spec_of(wanted, a) for a in keyed)])
    columns = [g.sql.label(f"g{i}") for i, g in enumerate(groupbys)]
    columns += [a.sql.label(f"a{i}") for i, a in enumerate(keyed)]
    query = select(*columns, func.count().label("n")).select_from(env.table).where(search_clause(env, domain))
    if groupbys:
        query = query.group_by(*(f"g{i}" for i in range(len(groupbys))))
    rows = env.conn.execute(query).all()
    if groupbys and rows and rows[0][-1] == 0:
        rows = []
    labels = {
        g.key: _m2o_labels(env, g.spec, {row[i] for row in rows if row[i] is not None})
        for i, g in enumerate(groupbys)
        if g.spec.type == "many2one"
    }
    groups: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for row in rows:
        group: dict[str, Any] = {}
        sort: dict[str, Any] = {}
        leaves: list[list[Any]] = []
        for i, g in enumerate(groupbys):
            value, sort[g.key], leaf, _ = _group_value(g, row[i], labels.get(g.key, {}))
            group[g.key] = [row[i], value] if g.granularity and row[i] is not None else value
            leaves.append(leaf)
        group["__extra_domain"] = and_normalized(leaves, []) if leaves else [[1, "=", 1]]
        for i, a in enumerate(keyed, start=len(groupbys)):
            spec = _spec_of(wanted, a)
            group[spec], sort[spec] = _aggregate_value(a, row[i]), row[i]
        sort["__count"] = int(row[-1])
        if "__count" in wanted:
            group["__count"] = int(row[-1])
        groups.append((group, sort))
    _sort_groups(groups, order_terms)
    start, size = int_arg("offset", offset) or 0, int_arg("limit", limit, allow_none=True)
    return [group for group, _ in groups[start : start + size if size else None]]


def _spec_of(wanted: Sequence[Any], aggregate: _Aggregate) -> str:
    """The spec an aggregate was asked for ("amount:sum"): formatted_read_group's key for it."""
    return next((t for t in wanted if isinstance(t, str) and t.split(":")[0] == aggregate.key), aggregate.key)


@dataclass(frozen=True)
class _GroupShape:
    groupbys: Sequence[_GroupBy]
    aggregates: Sequence[_Aggregate]
    count_key: str
    domain: list[Any]
    """The request's domain, normalized ([] when it is empty or the true leaf)."""
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
    group["__domain"] = and_normalized(leaves, shape.domain)
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
    comodel = env.model.registry[spec.relation or ""]
    c = comodel.table.alias()
    out: dict[int, str] = {}
    for chunk in chunks(sorted(ids)):
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
