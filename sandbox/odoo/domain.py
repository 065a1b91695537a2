"""Odoo domains and order strings as SQLAlchemy expressions, with every value a bound parameter.

A domain is Odoo's prefix notation: leaves `[field, operator, value]`, the operators '&', '|' (two operands)
and '!' (one), and an implicit '&' between consecutive terms. Semantics follow Odoo's `expression.py`
(16-18; `odoo/orm/domains.py` in 19):
`!=` and `not in` also match empty values, `= false` is IS NULL, '!' is pushed down onto the leaves, and a
dotted path goes through a many2one (`move_id.move_type`) or a one2many (`line_ids.analytic_distribution`)
as an `IN (SELECT ...)` subquery, as Odoo does unless a field is `auto_join`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    String,
    UnaryExpression,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    true,
)

from sandbox.odoo.models import FieldSpec, ModelSpec, field_sql, m2o_display_sql, to_db, value_error

TRUE_LEAF = (1, "=", 1)
FALSE_LEAF = (0, "=", 1)
NEGATION = {
    "<": ">=",
    ">": "<=",
    "<=": ">",
    ">=": "<",
    "=": "!=",
    "!=": "=",
    "in": "not in",
    "not in": "in",
    "like": "not like",
    "not like": "like",
    "ilike": "not ilike",
    "not ilike": "ilike",
}
OPERATORS = frozenset(NEGATION) | {"=like", "=ilike", "=?", "child_of", "parent_of"}
LIKE = frozenset({"like", "not like", "ilike", "not ilike", "=like", "=ilike"})
NEGATIVE = frozenset({"!=", "not in", "not like", "not ilike"})
ARITY = {"!": 1, "&": 2, "|": 2}


# ---------------------------------------------------------------------------------------------------
# Domain structure (ports of Odoo's normalize_domain and AND)
# ---------------------------------------------------------------------------------------------------


def is_leaf(term: Any) -> bool:
    """True for a `[field, operator, value]` term (list or tuple)."""
    return isinstance(term, list | tuple) and len(term) == 3


def normalize_domain(domain: Sequence[Any]) -> list[Any]:
    """The domain with its implicit '&' operators made explicit (Odoo's `normalize_domain`)."""
    if not domain:
        return [list(TRUE_LEAF)]
    result: list[Any] = []
    expected = 1
    for term in domain:
        if expected == 0:
            result.insert(0, "&")
            expected = 1
        if isinstance(term, list | tuple):
            expected -= 1
            term = list(term)
        else:
            expected += ARITY.get(term, 0) - 1
        result.append(term)
    return result


def and_domains(domains: Sequence[Sequence[Any]]) -> list[Any]:
    """The conjunction of domains, skipping empty ones (Odoo's `expression.AND`)."""
    result: list[Any] = []
    count = 0
    for domain in domains:
        if not domain or [list(t) if isinstance(t, tuple) else t for t in domain] == [list(TRUE_LEAF)]:
            continue
        result += normalize_domain(domain)
        count += 1
    return ["&"] * (count - 1) + result if result else [list(TRUE_LEAF)]


def and_normalized(parts: Sequence[list[Any]], tail: list[Any]) -> list[Any]:
    """`and_domains([*parts, domain])` where each part is already a normalized domain that is not empty
    nor the true leaf (a group's own leaves) and `tail` is `normalize_domain(domain)`, or [] for a domain
    that `and_domains` skips: the same result without normalizing each group's leaves again (read_group
    builds one per group, 25,000 groups in a 10,000-deal read)."""
    terms = [term for part in parts for term in part] + tail
    count = len(parts) + (1 if tail else 0)
    return ["&"] * (count - 1) + terms if terms else [list(TRUE_LEAF)]


def normalized_or_empty(domain: Sequence[Any]) -> list[Any]:
    """`normalize_domain(domain)`, or [] where `and_domains` would skip it (empty, or the true leaf)."""
    if not domain or [list(t) if isinstance(t, tuple) else t for t in domain] == [list(TRUE_LEAF)]:
        return []
    return normalize_domain(domain)


def mentions(domain: Sequence[Any], name: str) -> bool:
    """True when a leaf of the domain is about field `name` (how Odoo decides to skip `active_test`)."""
    return any(is_leaf(term) and term[0] == name for term in domain)


# ---------------------------------------------------------------------------------------------------
# Domain -> SQL
# ---------------------------------------------------------------------------------------------------


def where_clause(model: ModelSpec, t: FromClause, domain: Any) -> ColumnElement[bool]:
    """The SQL condition for `domain` on `t`, an alias of the model's table."""
    if domain is None or domain is False:
        return true()
    if not isinstance(domain, list | tuple):
        raise value_error(f"Invalid domain {domain!r}: expected a list of terms such as [['name', '=', 'x']]")
    terms = iter(domain)
    parts: list[ColumnElement[bool]] = []
    for term in terms:
        parts.append(_term(model, t, term, terms, negate=False))
    return and_(true(), *parts) if parts else true()


def _term(
    model: ModelSpec, t: FromClause, term: Any, rest: Iterator[Any], *, negate: bool
) -> ColumnElement[bool]:
    if term in ("&", "|"):
        left = _term(model, t, _next(rest, term), rest, negate=negate)
        right = _term(model, t, _next(rest, term), rest, negate=negate)
        # De Morgan: a negated '&' is an '|' of negated operands
        return and_(left, right) if (term == "&") != negate else or_(left, right)
    if term == "!":
        return _term(model, t, _next(rest, term), rest, negate=not negate)
    if not is_leaf(term):
        raise value_error(f"Invalid domain term {term!r}: expected [field, operator, value], '&', '|' or '!'")
    path, operator, value = term
    if not isinstance(operator, str) or operator.lower() not in OPERATORS:
        raise value_error(f"Invalid operator {operator!r} in domain term {list(term)!r}")
    operator = operator.lower()
    if negate and operator not in NEGATION:
        return not_(leaf_sql(model, t, path, operator, value, term))
    if negate:
        operator = NEGATION[operator]
    return leaf_sql(model, t, path, operator, value, term)


def _next(rest: Iterator[Any], operator: str) -> Any:
    try:
        return next(rest)
    except StopIteration:
        raise value_error(f"Invalid domain: operator {operator!r} lacks an operand") from None


def leaf_sql(
    model: ModelSpec, t: FromClause, path: Any, operator: str, value: Any, term: Any
) -> ColumnElement[bool]:
    """One leaf `[path, operator, value]` as SQL."""
    if (path, operator, value) == TRUE_LEAF:
        return true()
    if (path, operator, value) == FALSE_LEAF:
        return false()
    if not isinstance(path, str) or not path:
        raise value_error(f"Invalid domain term {list(term)!r}: the first element must be a field name")
    head, _, tail = path.partition(".")
    spec = model.fields.get(head)
    if spec is None:
        raise value_error(model.registry.version.invalid_leaf(model.name, head, list(term)))
    if tail:
        return _path_sql(model, t, spec, tail, operator, value, term)
    if spec.type == "one2many":
        return _one2many_sql(model, t, spec, operator, value, term)
    if spec.name == "analytic_distribution":
        return _distribution_sql(t, spec, operator, value, term)
    if spec.type == "json":
        raise value_error(f"Field {spec.name!r} on model {model.name!r} cannot be searched")
    column = field_sql(model, t, spec.name)
    if operator == "=?":
        if value is False or value is None:
            return true()
        operator = "="
    if operator in ("child_of", "parent_of"):
        operator = "in"  # the sandbox's models have no hierarchy
    if spec.type == "many2one" and _is_name(value) and operator not in ("<", ">", "<=", ">="):
        return _name_search_sql(model, spec, column, operator, value)
    if spec.type == "boolean":
        return _boolean_sql(model, spec, column, operator, value)
    if operator in LIKE:
        return _like_sql(spec, column, operator, value)
    if operator in ("in", "not in"):
        return _in_sql(model, spec, column, operator, value)
    return _compare_sql(model, spec, column, operator, value)


def _is_name(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list | tuple) and bool(value) and all(isinstance(v, str) for v in value)


def _compare_sql(
    model: ModelSpec, spec: FieldSpec, column: ColumnElement[Any], operator: str, value: Any
) -> ColumnElement[bool]:
    if isinstance(value, list | tuple):
        raise value_error(f"Operator {operator!r} on field {spec.name!r} takes one value, not a list")
    if value is False or value is None:
        if operator == "=":
            return column.is_(None)
        if operator == "!=":
            return column.is_not(None)
        return false()  # Odoo: an ordering comparison with false matches nothing
    bound = to_db(model, spec, value)
    if operator == "=":
        return column == bound
    if operator == "!=":
        return or_(column != bound, column.is_(None))
    return {"<": column < bound, ">": column > bound, "<=": column <= bound, ">=": column >= bound}[operator]


def _in_sql(
    model: ModelSpec, spec: FieldSpec, column: ColumnElement[Any], operator: str, value: Any
) -> ColumnElement[bool]:
    values = list(value) if isinstance(value, list | tuple) else [value]
    with_null = any(v is False or v is None for v in values)
    bound = [to_db(model, spec, v) for v in values if v is not False and v is not None]
    if operator == "in":
        found = column.in_(bound) if bound else false()
        return or_(found, column.is_(None)) if with_null else found
    kept = column.not_in(bound) if bound else true()
    # Odoo: 'not in' keeps empty values unless false is in the list
    return and_(kept, column.is_not(None)) if with_null else or_(kept, column.is_(None))


def _boolean_sql(
    model: ModelSpec, spec: FieldSpec, column: ColumnElement[Any], operator: str, value: Any
) -> ColumnElement[bool]:
    if operator in ("in", "not in"):
        wanted = {
            bool(to_db(model, spec, v)) for v in (value if isinstance(value, list | tuple) else [value])
        }
        if operator == "not in":
            wanted = {True, False} - wanted
        parts = [column == true() if v else or_(column.is_(None), column == false()) for v in wanted]
        return or_(false(), *parts)
    if operator not in ("=", "!="):
        raise value_error(f"Operator {operator!r} cannot be used on boolean field {spec.name!r}")
    truth = bool(to_db(model, spec, value)) == (operator == "=")
    return column == true() if truth else or_(column.is_(None), column == false())


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _like_to_glob(pattern: str) -> str:
    """A SQL LIKE pattern as a GLOB pattern: SQLite's LIKE ignores case, GLOB respects it."""
    return "".join({"%": "*", "_": "?"}.get(ch, _glob_escape(ch)) for ch in pattern)


def _like_sql(spec: FieldSpec, column: ColumnElement[Any], operator: str, value: Any) -> ColumnElement[bool]:
    if value is False or value is None:
        value = ""
    if not isinstance(value, str | int | float):
        raise value_error(f"Operator {operator!r} on field {spec.name!r} takes a string, not {value!r}")
    text_value = str(value)
    text_column = column if spec.type in ("char", "selection") else cast(column, String)
    positive = operator.removeprefix("not ")
    if positive == "like":
        matched = text_column.op("GLOB")(f"*{_glob_escape(text_value)}*")
    elif positive == "=like":
        matched = text_column.op("GLOB")(_like_to_glob(text_value))
    else:  # Odoo wraps ilike values in % without escaping them, so '_' and '%' stay wildcards
        pattern = text_value if positive == "=ilike" else f"%{text_value}%"
        matched = func.lower(text_column).like(func.lower(literal(pattern)))
    if operator.startswith("not "):
        return or_(not_(matched), column.is_(None))
    return matched


def _name_search_sql(
    model: ModelSpec, spec: FieldSpec, column: ColumnElement[Any], operator: str, value: Any
) -> ColumnElement[bool]:
    """A many2one compared with text: Odoo searches the comodel's display names."""
    comodel = model.comodel(spec)
    if comodel is None:
        raise value_error(f"Field {spec.name!r} cannot be searched by name in the sandbox; use ids")
    c = comodel.table.alias()
    display = FieldSpec("display_name", "char", "Display Name")
    positive = NEGATION[operator] if operator in NEGATIVE else operator
    if positive in ("in", "="):
        names = list(value) if isinstance(value, list | tuple) else [value]
        condition = comodel.display(c).in_(names)
    else:
        condition = _like_sql(display, comodel.display(c), positive, value)
    matching = select(c.c.id).where(condition)
    if operator in NEGATIVE:
        return or_(column.not_in(matching), column.is_(None))
    return column.in_(matching)


def _path_sql(
    model: ModelSpec, t: FromClause, spec: FieldSpec, tail: str, operator: str, value: Any, term: Any
) -> ColumnElement[bool]:
    """`move_id.move_type` -> move_id IN (SELECT id FROM account_move WHERE move_type ...)."""
    comodel = model.comodel(spec) if spec.type in ("many2one", "one2many") else None
    if comodel is None:
        raise value_error(f"Invalid path {term[0]!r} in leaf {list(term)!r}: {spec.name!r} is not a relation")
    c = comodel.table.alias()
    inner = leaf_sql(comodel, c, tail, operator, value, term)
    if spec.type == "many2one":
        return field_sql(model, t, spec.name).in_(select(c.c.id).where(inner))
    return t.c.id.in_(select(c.c[spec.inverse or ""]).where(_inverse_filter(spec, c), inner))


def _inverse_filter(spec: FieldSpec, c: FromClause) -> ColumnElement[bool]:
    if spec.inverse_filter is None:
        return true()
    column, wanted = spec.inverse_filter
    return c.c[column] == wanted


def _one2many_sql(
    model: ModelSpec, t: FromClause, spec: FieldSpec, operator: str, value: Any, term: Any
) -> ColumnElement[bool]:
    """`line_ids in [ids]`, `line_ids = false` (no lines) and `line_ids != false` (some lines)."""
    c = model.registry[spec.relation or ""].table.alias()
    owners = select(c.c[spec.inverse or ""]).where(_inverse_filter(spec, c))
    if value is False or value is None:
        if operator not in ("=", "!="):
            raise value_error(f"Invalid leaf {list(term)!r}: compare a one2many with false using = or !=")
        return t.c.id.not_in(owners) if operator == "=" else t.c.id.in_(owners)
    if operator not in ("in", "not in", "=", "!="):
        raise value_error(f"Invalid leaf {list(term)!r}: search a one2many with in, not in, = or !=")
    ids = list(value) if isinstance(value, list | tuple) else [value]
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise value_error(f"Invalid leaf {list(term)!r}: a one2many is searched by record ids")
    holding = t.c.id.in_(owners.where(c.c.id.in_(ids)))
    return holding if operator in ("in", "=") else not_(holding)


def _distribution_sql(
    t: FromClause, spec: FieldSpec, operator: str, value: Any, term: Any
) -> ColumnElement[bool]:
    """Odoo 17's analytic_distribution search: lines whose keys ("12" or "12,45") hold any given account."""
    column = t.c[spec.column or ""]
    if value is False or value is None:
        if operator == "=":
            return column.is_(None)
        if operator == "!=":
            return column.is_not(None)
    if operator not in ("in", "not in", "=", "!="):
        raise value_error(
            f"Invalid leaf {list(term)!r}: search analytic_distribution with in, not in, = or !="
        )
    ids = list(value) if isinstance(value, list | tuple) else [value]
    if not ids or not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise value_error(f"Invalid leaf {list(term)!r}: give analytic account ids, e.g. [12]")
    keys = func.json_each(column).table_valued("key")
    # ",12,45," contains ",12," exactly when 12 is one of the comma-joined ids of the key
    wrapped = literal(",") + cast(keys.c.key, String) + ","
    holding = exists().select_from(keys).where(or_(*(func.instr(wrapped, f",{i},") > 0 for i in ids)))
    if operator in ("in", "="):
        return and_(column.is_not(None), holding)
    return or_(column.is_(None), not_(holding))


# ---------------------------------------------------------------------------------------------------
# Order strings
# ---------------------------------------------------------------------------------------------------

ORDER_TERM = re.compile(r"^\s*([a-z_][a-z0-9_]*)(?:\s+(asc|desc))?(?:\s+nulls\s+(first|last))?\s*$", re.I)


def parse_order(order: Any) -> list[tuple[str, bool, str | None]]:
    """`"write_date desc, id"` -> [(field, descending, nulls)], or Odoo's ValueError for anything else."""
    if not isinstance(order, str):
        raise value_error(f"Invalid order {order!r}: expected a string such as 'write_date desc, id asc'")
    terms: list[tuple[str, bool, str | None]] = []
    for part in order.split(","):
        match = ORDER_TERM.match(part)
        if not match:
            raise value_error(
                f'Invalid "order" specified ({order}). A valid "order" specification is a comma-separated '
                "list of valid field names (optionally followed by asc/desc for the direction)"
            )
        name, direction, nulls = match.groups()
        terms.append((name, (direction or "asc").lower() == "desc", nulls.lower() if nulls else None))
    return terms


def order_clauses(model: ModelSpec, t: FromClause, order: Any) -> list[UnaryExpression[Any]]:
    """ORDER BY clauses for an Odoo order string; many2one fields sort by the target's display name."""
    terms = parse_order(order) if order else []
    if "id" not in {name for name, _, _ in terms}:
        terms.append(("id", False, None))  # a stable order makes offset/limit paging exact
    clauses: list[UnaryExpression[Any]] = []
    for name, descending, nulls in terms:
        spec = model.field(name)
        if spec.type in ("one2many", "json"):
            raise value_error(f"Cannot order model {model.name!r} by field {name!r}")
        value = field_sql(model, t, name)
        if spec.type == "many2one":
            value = m2o_display_sql(model, spec, value)
        clause = value.desc() if descending else value.asc()
        # PostgreSQL's defaults (NULLS LAST ascending, FIRST descending), which SQLite does not share
        first = nulls == "first" if nulls else descending
        clauses.append(clause.nulls_first() if first else clause.nulls_last())
    return clauses
