"""The Odoo models the sandbox serves: field specs over the Odoo tables of `sandbox.db`, and the errors.

A model is a table plus a field list in Odoo's own names and types. Stored fields are columns; `related`
fields (a project's `currency_id` is its company's) and `display_name` are SQL expressions, so domains,
ordering and grouping treat them like columns. Values cross the wire the way Odoo marshals them:
many2one as `[id, display_name]`, empty as `false` (never `null`), dates as "YYYY-MM-DD" and datetimes as
"YYYY-MM-DD HH:MM:SS".

The models themselves are in catalog.py; a `Registry` is what one server has of them (its version and its
installed modules), under that version's names: the same column is the project's `analytic_account_id` in
16/17 and its `account_id` from 18.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, String, Table, case, cast, literal, select

import sandbox.db  # noqa: F401  (registers the tables on SQLModel.metadata)
from sandbox.odoo.versions import VERSIONS, SandboxVersion

# ---------------------------------------------------------------------------------------------------
# Errors, as Odoo names them in the `data.name` of its JSON-RPC error envelope
# ---------------------------------------------------------------------------------------------------


class OdooError(Exception):
    """An error Odoo reports in its envelope; `name` is the dotted exception class Odoo would send."""

    def __init__(self, name: str, message: str, arguments: list[Any] | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.arguments = arguments if arguments is not None else [message]


def value_error(message: str) -> OdooError:
    """A `builtins.ValueError`, what Odoo raises for bad field names, domains and orders."""
    return OdooError("builtins.ValueError", message)


def validation_error(message: str) -> OdooError:
    """An `odoo.exceptions.ValidationError`: a write or create Odoo's constraints refuse."""
    return OdooError("odoo.exceptions.ValidationError", message)


def missing_error(model: str, ids: list[int], uid: int) -> OdooError:
    """An `odoo.exceptions.MissingError` for records that do not exist, worded as Odoo 17 words it."""
    records = f"{model}({', '.join(str(i) for i in ids)},)"
    return OdooError(
        "odoo.exceptions.MissingError",
        f"Record does not exist or has been deleted.\n(Record: {records}, User: {uid})",
    )


# ---------------------------------------------------------------------------------------------------
# Field and model specs
# ---------------------------------------------------------------------------------------------------

NUMERIC = frozenset({"integer", "float", "monetary"})
DATES = frozenset({"date", "datetime"})


@dataclass(frozen=True)
class FieldSpec:
    """One field of a model, in Odoo's terms."""

    name: str
    type: str  # Odoo type: integer char float monetary boolean date datetime selection many2one one2many json
    string: str
    column: str | None = None  # stored column; None for computed fields
    relation: str | None = None  # comodel of a many2one or one2many
    related: tuple[str, str] | None = None  # (many2one on this model, field on its comodel)
    inverse: str | None = None  # one2many: the comodel's many2one column
    inverse_filter: tuple[str, str] | None = None  # one2many: (comodel column, value) the lines must have
    selection: tuple[tuple[str, str], ...] = ()
    required: bool = False
    labels: Mapping[int, str] | None = None  # many2one to a model the sandbox has no table for
    module: str = ""  # the module that adds the field ("" = the model's own)
    since: int = 16  # first major version that has it
    until: int = 99  # last major version that has it

    @property
    def stored(self) -> bool:
        return self.column is not None

    @property
    def readonly(self) -> bool:
        return self.column is None or self.name in ("id", "create_date", "write_date")

    @property
    def aggregator(self) -> str | None:
        """Odoo's default `group_operator`: sum for numbers (except `id`), none otherwise."""
        return "sum" if self.type in NUMERIC and self.name != "id" else None


@dataclass(frozen=True)
class ModelSpec:
    """One Odoo model over one sandbox table."""

    name: str
    description: str
    table: Table
    fields: Mapping[str, FieldSpec]
    display: Callable[[FromClause], ColumnElement[Any]]  # display_name as SQL on an alias of `table`
    defaults: Mapping[str, Callable[[], Any]] = field(default_factory=dict)  # create() defaults
    module: str = "base"
    variants: tuple[FieldSpec, ...] = ()  # every version's and module's fields (the catalog's models)
    registry: Registry = field(default_factory=lambda: Registry(VERSIONS["17"]), compare=False, repr=False)

    def field(self, name: str) -> FieldSpec:
        """The field called `name`, or Odoo's ValueError for an unknown one."""
        spec = self.fields.get(name)
        if spec is None:
            raise value_error(self.registry.version.invalid_field(name, self.name))
        return spec

    def comodel(self, spec: FieldSpec) -> ModelSpec | None:
        """The model a relational field points to, when this server has it."""
        return self.registry.get(spec.relation or "")

    @property
    def has_active(self) -> bool:
        return "active" in self.fields


class Registry(dict[str, "ModelSpec"]):
    """The models one server has, by name, and the version whose names and texts it answers with."""

    def __init__(self, version: SandboxVersion) -> None:
        super().__init__()
        self.version = version


def utc_now() -> datetime:
    """Now in UTC to the second (the sandbox's datetime columns take aware values, stored as UTC)."""
    return datetime.now(UTC).replace(microsecond=0)


def scalar(query: Select[Any], inner: FromClause) -> ColumnElement[Any]:
    """A scalar subquery correlated to every enclosing level, not just the nearest one."""
    return query.correlate_except(inner).scalar_subquery()


# ---------------------------------------------------------------------------------------------------
# Fields as SQL
# ---------------------------------------------------------------------------------------------------


def field_sql(model: ModelSpec, t: FromClause, name: str) -> ColumnElement[Any]:
    """The SQL value of a stored, related or display field on `t` (an alias of the model's table)."""
    spec = model.field(name)
    if spec.column is not None:
        return t.c[spec.column]
    if spec.name == "display_name":
        return model.display(t)
    if spec.related is not None:
        via, target = spec.related
        comodel = model.registry[model.field(via).relation or ""]
        c = comodel.table.alias()
        value = field_sql(comodel, c, target)
        return scalar(select(value).where(c.c.id == field_sql(model, t, via)), c)
    raise value_error(f"Field {name!r} on model {model.name!r} is not stored and cannot be used here")


def m2o_display_sql(model: ModelSpec, spec: FieldSpec, fk: ColumnElement[Any]) -> ColumnElement[Any]:
    """The display_name of the record a many2one value `fk` (a field of `model`) points to."""
    if spec.labels is not None:
        return case(dict(spec.labels), value=fk, else_=literal("#") + cast(fk, String))
    comodel = model.registry[spec.relation or ""]
    c = comodel.table.alias()
    return scalar(select(comodel.display(c)).where(c.c.id == fk), c)


# ---------------------------------------------------------------------------------------------------
# Values: wire <-> database
# ---------------------------------------------------------------------------------------------------


def to_wire(spec: FieldSpec, value: Any, display: Any = None) -> Any:
    """A database value as Odoo sends it over JSON-RPC and JSON-2: false for empty, never null."""
    kind = spec.type
    if kind == "many2one":
        return [value, display if display is not None else f"#{value}"] if value is not None else False
    if kind == "boolean":
        return bool(value)
    if kind in ("float", "monetary"):
        return float(value or 0.0)
    if kind == "integer":
        return int(value or 0)
    if value is None:
        return False
    if kind == "date":
        return value.isoformat() if isinstance(value, date) else str(value)[:10]
    if kind == "datetime":
        return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value)[:19]
    if kind == "json":
        return json.loads(value) if isinstance(value, str) and value else False
    return value


def to_db(model: ModelSpec, spec: FieldSpec, value: Any) -> Any:
    """A value from a request as the column stores it, or a ValueError naming the field and the format."""
    where = f"field {spec.name!r} on model {model.name!r}"
    if spec.type == "boolean":
        if value is None or isinstance(value, bool | int):
            return bool(value)
        raise value_error(f"Wrong value {value!r} for {where}: use true or false")
    if value is False or value is None:
        return None
    kind = spec.type
    if kind in ("integer", "many2one"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise value_error(f"Wrong value {value!r} for {where}: use an integer id")
    if kind in ("float", "monetary"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise value_error(f"Wrong value {value!r} for {where}: use a number")
    if kind in DATES:
        return _parse_moment(kind, value, where)
    if kind == "json":
        if isinstance(value, dict):
            return json.dumps(value, separators=(",", ":"))
        raise value_error(f"Wrong value {value!r} for {where}: use a JSON object")
    if isinstance(value, str):
        return value
    if kind == "char" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise value_error(f"Wrong value {value!r} for {where}: use a string")


def _parse_moment(kind: str, value: Any, where: str) -> date | datetime:
    try:
        if not isinstance(value, str):
            raise TypeError
        moment = datetime.fromisoformat(value.strip())
    except (TypeError, ValueError):
        wanted = "'YYYY-MM-DD'" if kind == "date" else "'YYYY-MM-DD HH:MM:SS'"
        raise value_error(f"Wrong value {value!r} for {where}: use {wanted}") from None
    if kind == "date":
        return moment.date()
    # Odoo's datetimes are UTC without an offset
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
