"""QuickBooks' query language, the subset clients send: parsed into a `Query`, evaluated on entity rows.

Grammar (developer.intuit.com, learn/explore-the-quickbooks-online-api/data-queries):

    SELECT * | COUNT(*) FROM Entity [WHERE cond [AND cond]...] [ORDERBY field [ASC|DESC]]
        [STARTPOSITION n] [MAXRESULTS n]
    cond := field (= | < | > | <= | >= | LIKE) value  |  field IN (value, ...)

- no OR, no joins, no GROUP BY, one entity per query; `LIKE` knows only `%`;
- reserved words, entity and field names and string values are not case-sensitive; a quote inside a
  string is escaped with a backslash ('Adam\\'s Candy Shop');
- STARTPOSITION counts from 1; MAXRESULTS defaults to 100 and may not exceed 1000 ("QueryValidationError:
  value 1500 is too large. Max allowed value is 1000", code 4000, quickbooks-ruby issues #24/#263);
- python-quickbooks also sends `ORDER BY` (from `all()`) next to the documented `ORDERBY`, `True`/`False`
  capitalised, and `STARTPOSITION 0`; all are accepted here (whether QuickBooks does is not documented);
- a reference field compares by id (`CustomerRef = '58'`); instants compare as instants whatever their
  offset (an instant without one is read as UTC: how QuickBooks reads it is not documented).
A query that does not parse is a 4000 "Error parsing query" fault with a `QueryParserError` detail (issues
mcohen01/node-quickbooks #56, consolibyte/quickbooks-php #129).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

MAX_RESULTS = 1000
DEFAULT_RESULTS = 100
_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:\\.|[^'\\])*')|(?P<op><=|>=|!=|=|<|>)|(?P<punct>[(),*])"
    r"|(?P<number>-?\d+(?:\.\d+)?)(?![\w.])|(?P<word>[A-Za-z_][\w.]*))"
)
_OPS = {"=", "<", ">", "<=", ">=", "LIKE", "IN"}


class QueryError(Exception):
    """A query QuickBooks would refuse: `code`, Intuit's `message` and `detail`."""

    def __init__(self, detail: str, *, message: str = "Error parsing query", code: str = "4000") -> None:
        super().__init__(detail)
        self.code, self.message, self.detail = code, message, detail


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any
    """A str, int, float, bool or (for IN) a tuple of them."""


@dataclass(frozen=True)
class Query:
    entity: str
    count: bool = False
    where: tuple[Condition, ...] = ()
    order: tuple[tuple[str, bool], ...] = ()
    """(field, descending)."""
    start: int = 1
    max_results: int = DEFAULT_RESULTS
    fields: tuple[str, ...] = field(default=())


def parse(text: str) -> Query:
    """A query's parts; QueryError when QuickBooks would not parse it."""
    tokens = _tokens(text)
    position = 0

    def peek(offset: int = 0) -> tuple[str, str] | None:
        return tokens[position + offset] if position + offset < len(tokens) else None

    def take(kind: str | None = None, word: str | None = None) -> tuple[str, str]:
        nonlocal position
        token = peek()
        if token is None or (kind and token[0] != kind) or (word and token[1].upper() != word):
            raise QueryError(
                f"QueryParserError: Encountered {token[1] if token else '<EOF>'!r}, expected {word or kind}"
            )
        position += 1
        return token

    def keyword(word: str) -> bool:
        token = peek()
        return token is not None and token[0] == "word" and token[1].upper() == word

    take("word", "SELECT")
    count, fields = False, []
    if keyword("COUNT"):
        for kind, word in (("word", None), ("punct", "("), ("punct", "*"), ("punct", ")")):
            take(kind, word)
        count = True
    elif peek() == ("punct", "*"):
        take()
        while peek() == ("punct", ","):  # SELECT *, Sku (python-quickbooks' Item.all)
            take()
            fields.append(take("word")[1])
    else:
        raise QueryError("QueryParserError: expected * or COUNT(*) after SELECT")
    take("word", "FROM")
    entity = take("word")[1]
    where: list[Condition] = []
    if keyword("WHERE"):
        take()
        while True:
            where.append(_condition(take, peek))
            if not keyword("AND"):
                break
            take()
            if keyword("OR"):
                raise QueryError("QueryParserError: OR is not supported")
    if keyword("OR"):
        raise QueryError("QueryParserError: OR is not supported")
    order: list[tuple[str, bool]] = []
    if keyword("ORDERBY") or (keyword("ORDER") and peek(1) and str(peek(1)[1]).upper() == "BY"):  # type: ignore[index]
        take()
        if keyword("BY"):
            take()
        while True:
            name = take("word")[1]
            descending = False
            if keyword("ASC") or keyword("DESC"):
                descending = take()[1].upper() == "DESC"
            order.append((name, descending))
            if peek() != ("punct", ","):
                break
            take()
    start, max_results = 1, DEFAULT_RESULTS
    if keyword("STARTPOSITION"):
        take()
        start = max(1, int(take("number")[1]))
    if keyword("MAXRESULTS"):
        take()
        max_results = int(take("number")[1])
        if max_results > MAX_RESULTS:
            raise QueryError(
                f"QueryValidationError: value {max_results} is too large. Max allowed value is {MAX_RESULTS}",
                message="Invalid query",
            )
    if peek() is not None:
        raise QueryError(f"QueryParserError: Encountered {peek()[1]!r} at the end of the query")  # type: ignore[index]
    return Query(entity, count, tuple(where), tuple(order), start, max(0, max_results), tuple(fields))


def _condition(take: Any, peek: Any) -> Condition:
    name = take("word")[1]
    token = peek()
    if token is None:
        raise QueryError("QueryParserError: a condition needs an operator and a value")
    op = token[1].upper()
    if op not in _OPS:
        raise QueryError(f"QueryParserError: Encountered {token[1]!r}, expected an operator")
    take()
    if op == "IN":
        take("punct", "(")
        values = [_value(take())]
        while peek() == ("punct", ","):
            take()
            values.append(_value(take()))
        take("punct", ")")
        return Condition(name, op, tuple(values))
    return Condition(name, op, _value(take()))


def _value(token: tuple[str, str]) -> Any:
    kind, text = token
    if kind == "string":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    if kind == "number":
        return float(text) if "." in text else int(text)
    if kind == "word" and text.lower() in ("true", "false"):
        return text.lower() == "true"
    raise QueryError(f"QueryParserError: Encountered {text!r}, expected a value")


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        found = _TOKEN.match(text, position)
        if found is None or found.end() == position:
            column = position + 1
            raise QueryError(f"QueryParserError: Invalid content. Lexical error at line 1, column {column}.")
        kind = found.lastgroup or ""
        tokens.append((kind, found.group(kind)))
        position = found.end()
    return tokens


def resolve(row: dict[str, Any], path: str) -> Any:
    """A (dotted) field of a row, names compared without case; a reference gives its id."""
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        key = next((k for k in value if k.lower() == part.lower()), None)
        if key is None:
            return None
        value = value[key]
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def instant_key(text: str) -> str | None:
    """An instant (with or without an offset) as sortable UTC text; None when it is no instant."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def _comparable(field_value: Any, wanted: Any) -> tuple[Any, Any] | None:
    if field_value is None:
        return None
    if isinstance(wanted, bool) or isinstance(field_value, bool):
        return str(field_value).lower(), str(wanted).lower()
    if isinstance(field_value, int | float) or (
        isinstance(wanted, int | float) and str(field_value).lstrip("-").replace(".", "", 1).isdigit()
    ):
        try:
            return float(field_value), float(wanted)
        except (TypeError, ValueError):
            return None
    left, right = str(field_value), str(wanted)
    if "T" in left and ":" in left and (a := instant_key(left)) and (b := instant_key(right)):
        return a, b
    return left.lower(), right.lower()


def matches(row: dict[str, Any], condition: Condition) -> bool:
    """Whether one row meets one condition."""
    value = resolve(row, condition.field)
    if condition.op == "IN":
        return any(_test(value, "=", v) for v in condition.value)
    return _test(value, condition.op, condition.value)


def _test(value: Any, op: str, wanted: Any) -> bool:
    if op == "LIKE":
        if value is None:
            return False
        pattern = "".join(".*" if ch == "%" else re.escape(ch) for ch in str(wanted))
        return re.fullmatch(pattern, str(value), re.IGNORECASE | re.DOTALL) is not None
    pair = _comparable(value, wanted)
    if pair is None:
        return False
    left, right = pair
    return {"=": left == right, "!=": left != right, "<": left < right, ">": left > right,
            "<=": left <= right, ">=": left >= right}[op]  # fmt: skip


def sort_key(row: dict[str, Any], path: str) -> tuple[int, Any]:
    """A key that sorts rows by a field: missing values first, numbers as numbers, text without case."""
    value = resolve(row, path)
    if value is None:
        return (0, "")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (1, float(value))
    text = str(value)
    if text.isdigit():
        return (1, float(text))
    return (2, instant_key(text) if ("T" in text and ":" in text) else text.lower())
