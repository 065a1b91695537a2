"""The model methods the sandbox answers (`execute_kw`, JSON-2), with Odoo's signatures and result shapes.

`search_read`, `search`, `search_count`, `read`, `web_search_read`, `read_group` (16-19),
`formatted_read_group` (19+), `fields_get`, `create` and `write`. Each runs in the caller's transaction
(`Env.conn`), so a call that fails changes nothing. The grouping methods are in grouping.py, and the Env
every method runs with, and the checks on its arguments, in env.py. Which methods a server has depends on
its version (`methods_of`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, select, update

from sandbox.odoo.domain import order_clauses
from sandbox.odoo.env import Env, chunks, field_names, ids_arg, int_arg, search_clause
from sandbox.odoo.grouping import formatted_read_group, read_group
from sandbox.odoo.models import (
    FieldSpec,
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

MAGIC = frozenset({"id", "create_date", "write_date"})  # Odoo sets these itself and ignores them in vals

# ---------------------------------------------------------------------------------------------------
# Searching and reading
# ---------------------------------------------------------------------------------------------------


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
            columns.append(m2o_display_sql(model, spec, value).label(f"{spec.name}__display"))
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
                display = row[f"{spec.name}__display"] if spec.type == "many2one" else None
                record[spec.name] = to_wire(spec, row[spec.name], display)
        records.append(record)
    return records


def _one2many_ids(env: Env, spec: FieldSpec, ids: Sequence[int]) -> dict[int, list[int]]:
    c = env.model.registry[spec.relation or ""].table
    owner = c.c[spec.inverse or ""]
    out: dict[int, list[int]] = {}
    for chunk in chunks(ids):
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
    names = field_names(env.model, fields)
    return _records(
        env,
        search_clause(env, domain),
        names,
        order=order,
        offset=int_arg("offset", offset) or 0,
        limit=int_arg("limit", limit, allow_none=True),
    )


def search(env: Env, domain: Any, offset: Any = 0, limit: Any = None, order: Any = None) -> list[int]:
    """Ids of the records matching the domain."""
    t = env.table
    query = (
        select(t.c.id)
        .where(search_clause(env, domain))
        .order_by(*order_clauses(env.model, t, order))
        .offset(int_arg("offset", offset) or 0)
    )
    limit_value = int_arg("limit", limit, allow_none=True)
    return list(env.conn.scalars(query.limit(limit_value) if limit_value else query))


def search_count(env: Env, domain: Any, limit: Any = None) -> int:
    """How many records match the domain (at most `limit` when given)."""
    matching = select(env.table.c.id).where(search_clause(env, domain))
    limit_value = int_arg("limit", limit, allow_none=True)
    if limit_value:
        matching = matching.limit(limit_value)
    return int(env.conn.scalar(select(func.count()).select_from(matching.subquery())) or 0)


def read(env: Env, ids: Any, fields: Any = None, load: str | None = "_classic_read") -> list[dict[str, Any]]:
    """The given records, in the given order, archived or not; a MissingError names absent ids."""
    wanted = ids_arg(ids)
    names = field_names(env.model, fields)
    by_id: dict[int, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(wanted))):
        for record in _records(env, env.table.c.id.in_(chunk), names):
            by_id[record["id"]] = record
    missing = [i for i in wanted if i not in by_id]
    if missing:
        raise missing_error(env.model.name, missing, env.uid)
    if load != "_classic_read":  # load=None (web_read): a many2one is its id alone
        for record in by_id.values():
            for name in names:
                value = record.get(name)
                if env.model.field(name).type == "many2one" and value:
                    record[name] = value[0]
    return [by_id[i] for i in wanted]


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
    comodel = env.model.comodel(spec)
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
    wanted = list(dict.fromkeys(ids_arg(ids)))
    values = _values(env, vals)
    _check_required(env, values)
    t = env.table
    found: set[int] = set()
    for chunk in chunks(wanted):
        found.update(env.conn.scalars(select(t.c.id).where(t.c.id.in_(chunk))))
    missing = [i for i in wanted if i not in found]
    if missing:
        raise missing_error(env.model.name, missing, env.uid)
    if "write_date" in t.c:
        values["write_date"] = utc_now()
    for chunk in chunks(wanted):
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
    if "employee_id" not in env.model.fields:
        return
    employee = env.model.registry["hr.employee"].table
    cost = select(employee.c.hourly_cost).where(employee.c.id == t.c.employee_id).scalar_subquery()
    timesheet = and_(t.c.project_id.is_not(None), t.c.employee_id.is_not(None))
    for chunk in chunks(list(ids)):
        env.conn.execute(
            update(t)
            .where(t.c.id.in_(chunk), timesheet)
            .values(amount=-func.round(t.c.unit_amount * cost, 2))
        )


# ---------------------------------------------------------------------------------------------------
# fields_get and the method table
# ---------------------------------------------------------------------------------------------------


def web_search_read(
    env: Env,
    domain: Any,
    specification: Any,
    offset: Any = 0,
    limit: Any = None,
    order: Any = None,
    count_limit: Any = None,
) -> dict[str, Any]:
    """17+: records and their many2one targets' fields in one call (web/models/models.py `web_search_read`,
    `web_read`): {"length", "records"}; a many2one is its id, or {"id", ...fields} when given "fields"."""
    if not isinstance(specification, dict):
        raise value_error(f"Invalid specification {specification!r}: use {{field: {{}}, ...}}")
    names = [name for name in specification if name != "id"]
    rows = search_read(env, domain, names or ["id"], offset, limit, order)
    start, size = int_arg("offset", offset) or 0, int_arg("limit", limit, allow_none=True)
    for name in names:
        spec, wanted = env.model.field(name), specification[name] or {}
        if spec.type != "many2one":
            continue
        nested = wanted.get("fields") if isinstance(wanted, dict) else None
        targets = {row[name][0]: row[name][1] for row in rows if row[name]}
        comodel = env.model.comodel(spec)
        values: dict[int, dict[str, Any]] = {i: {"id": i} for i in targets}
        if nested and comodel is not None:
            sub = Env(env.conn, comodel, env.uid, env.context)
            fields = [f for f in nested if f not in ("id", "display_name")]
            for record in read(sub, sorted(targets), fields or ["id"], load=None) if fields else []:
                values[record["id"]].update(record)
            if "display_name" in nested:
                for target, label in targets.items():
                    values[target]["display_name"] = label
        for row in rows:
            row[name] = (values[row[name][0]] if nested else row[name][0]) if row[name] else False
    length = len(rows) + start
    if size and len(rows) == size:
        length = search_count(env, domain, count_limit)
    return {"length": length, "records": rows}


def web_search_read_16(
    env: Env,
    domain: Any = None,
    fields: Any = None,
    offset: Any = 0,
    limit: Any = None,
    order: Any = None,
    count_limit: Any = None,
) -> dict[str, Any]:
    """16.0's `web_search_read` takes a field list and answers search_read's records."""
    rows = search_read(env, domain, fields, offset, limit, order)
    return {"length": len(rows) + (int_arg("offset", offset) or 0), "records": rows}


def fields_get(env: Env, allfields: Any = None, attributes: Any = None) -> dict[str, dict[str, Any]]:
    """Field descriptions as Odoo's `fields_get` gives them, optionally limited to some attributes."""
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
        if spec.aggregator:  # renamed `aggregator` in 17.2 (odoo/fields.py)
            key = "group_operator" if env.model.registry.version.major <= 17 else "aggregator"
            description[key] = spec.aggregator
        if attributes:
            description = {key: value for key, value in description.items() if key in attributes}
        out[spec.name] = description
    return out


MODEL_METHODS = frozenset({"search_read", "search", "search_count", "web_search_read", "read_group",
                           "formatted_read_group", "fields_get", "create"})  # fmt: skip
"""`@api.model` (and model_create_multi) methods: JSON-2 refuses `ids` for them (rpc/controllers/json2.py)."""


def methods_of(major: int) -> dict[str, Callable[..., Any]]:
    """The public methods a server of this major version answers, by name."""
    methods: dict[str, Callable[..., Any]] = {
        "search_read": search_read,
        "search": search,
        "search_count": search_count,
        "read": read,
        "web_search_read": web_search_read if major >= 17 else web_search_read_16,
        "fields_get": fields_get,
        "create": create,
        "write": write,
    }
    if major <= 19:  # removed from saas-19.1 on (odoo/odoo#226523)
        methods["read_group"] = read_group
    if major >= 19:  # addons/web/models/models.py, 19.0 (saas-18.2 on Odoo Online)
        methods["formatted_read_group"] = formatted_read_group
    return methods


def public_method(env: Env, method: str) -> Callable[..., Any]:
    """The method called `method`, or the error this version raises (odoo/service/model.py)."""
    version = env.model.registry.version
    if method.startswith("_"):
        prefix = f"'{env.model.name}.{method}'" if version.major >= 18 else method
        message = f"Private methods (such as {prefix}) cannot be called remotely."
        raise OdooError("odoo.exceptions.AccessError", message)
    function = methods_of(version.major).get(method)
    if function is None:
        raise OdooError("builtins.AttributeError", version.missing_method(env.model.name, method))
    return function


def call_kw(env: Env, method: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
    """Call a model method with execute_kw's positional and keyword arguments, as Odoo's `call_kw` does."""
    function = public_method(env, method)
    try:
        bound = inspect.signature(function).bind(env, *args, **kwargs)
    except TypeError as error:
        raise OdooError("builtins.TypeError", f"{method}() {error}") from None
    return function(*bound.args, **bound.kwargs)
