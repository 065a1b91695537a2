"""Search: HubSpot's filter groups, sorts and free-text query, compiled once per request into predicates.

Filter groups are OR'ed and the filters of a group AND'ed. Numbers compare as numbers, dates and datetimes
as epoch milliseconds (either form is accepted), text case-insensitively; CONTAINS_TOKEN matches whole words
or `*` wildcards, and NEQ and NOT_IN also match a record without the property. Sorting puts missing values
last and breaks ties by id. A filter or sort that cannot run raises SearchError, which the API answers with
a 400. See /work/shared/reference/hubspot-api.md, section 1.3.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.crm_schema import PROPERTIES, SEARCHABLE_PROPERTIES
from sandbox.hubspot.instants import epoch_ms, parse_when

if TYPE_CHECKING:
    from sandbox.hubspot.store import Record


def _number(text: str) -> float | None:
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


class SearchError(ValueError):
    """A search request that cannot be run; the message says which filter or sort to fix."""


@dataclass(frozen=True)
class Filter:
    """One search filter, as HubSpot's PublicObjectSearchRequest spells it."""

    property_name: str
    operator: str
    value: str | None = None
    high_value: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sort:
    """One sort key."""

    property_name: str
    descending: bool = False


Key = float | str


@functools.lru_cache(maxsize=1 << 17)
def _instant_key(text: str) -> float | None:
    """Epoch milliseconds of an instant's text; remembered, as a sort reads every record's stamp each time."""
    moment = parse_when(text)
    return None if moment is None else float(epoch_ms(moment))


def _key_function(object_type: str, name: str) -> Callable[[str | None], Key | None]:
    """How a property's values compare: numbers as numbers, instants as epoch ms, text case-insensitively."""
    kind = PROPERTIES[object_type][name][0]
    if kind == "number":
        return lambda text: None if text is None else _number(text)

    if kind in ("datetime", "date"):
        return lambda text: None if text is None else _instant_key(text)
    return lambda text: None if text is None else text.strip().lower()


def _operand(key: Callable[[str | None], Key | None], text: str | None, what: str) -> Key:
    value = key(text)
    if value is None:
        raise SearchError(f"{what} needs a usable value, got {text!r}")
    return value


def _tokens(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _contains_token(text: str | None, pattern: str) -> bool:
    if text is None:
        return False
    wanted = pattern.strip().lower()
    if "*" in wanted:
        return fnmatch.fnmatchcase(text.lower(), wanted) or any(
            fnmatch.fnmatchcase(token, wanted) for token in _tokens(text)
        )
    if re.fullmatch(r"\w+", wanted):
        return wanted in _tokens(text)
    return wanted in text.lower()


def compile_filter(object_type: str, spec: Filter) -> Callable[[dict[str, str | None]], bool]:
    """A predicate over a record's properties; raises SearchError naming what is wrong with the filter."""
    name, op = spec.property_name, spec.operator
    if name not in PROPERTIES[object_type]:
        raise SearchError(f"Unknown property {name!r} for {object_type}; filter on a defined property")
    key = _key_function(object_type, name)
    what = f"Filter {name} {op}"

    def present(props: dict[str, str | None]) -> bool:
        return props.get(name) not in (None, "")

    if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return present if op == "HAS_PROPERTY" else (lambda props: not present(props))
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = spec.value or ""
        if not pattern:
            raise SearchError(f"{what} needs a value")
        if op == "CONTAINS_TOKEN":
            return lambda props: _contains_token(props.get(name), pattern)
        return lambda props: not _contains_token(props.get(name), pattern)
    if op in ("IN", "NOT_IN"):
        if not spec.values:
            raise SearchError(f"{what} needs a non-empty `values` list")
        wanted = {_operand(key, text, what) for text in spec.values}
        if op == "IN":
            return lambda props: key(props.get(name)) in wanted
        return lambda props: key(props.get(name)) not in wanted
    if op == "BETWEEN":
        low = _operand(key, spec.value, what)
        high = _operand(key, spec.high_value, what + " (highValue)")

        def between(props: dict[str, str | None]) -> bool:
            value = key(props.get(name))
            return value is not None and low <= value <= high  # type: ignore[operator]

        return between
    target = _operand(key, spec.value, what)
    compare: dict[str, Callable[[Any, Any], bool]] = {
        "EQ": lambda a, b: a == b,
        "NEQ": lambda a, b: a != b,
        "LT": lambda a, b: a < b,
        "LTE": lambda a, b: a <= b,
        "GT": lambda a, b: a > b,
        "GTE": lambda a, b: a >= b,
    }
    if op not in compare:
        raise SearchError(f"Unknown operator {op!r}")
    test = compare[op]
    if op == "NEQ":  # a record without the property is "not equal" too
        return lambda props: key(props.get(name)) != target

    def compared(props: dict[str, str | None]) -> bool:
        value = key(props.get(name))
        return value is not None and test(value, target)

    return compared


def matches_query(object_type: str, query: str) -> Callable[[Record], bool]:
    words = _tokens(query)
    fields = SEARCHABLE_PROPERTIES.get(object_type, ())

    def matches(record: Record) -> bool:
        haystack = [token for field in fields for token in _tokens(record.properties.get(field) or "")]
        return str(record.id) == query.strip() or all(
            any(token.startswith(word) for token in haystack) for word in words
        )

    return matches


def sort_records(object_type: str, records: list[Record], sorts: Sequence[Sort]) -> list[Record]:
    """Records ordered by the sorts (missing values last), then by id."""
    ordered = sorted(records, key=lambda record: record.id)
    for sort in reversed(sorts):
        if sort.property_name not in PROPERTIES[object_type]:
            raise SearchError(f"Cannot sort on unknown property {sort.property_name!r} for {object_type}")
        key = _key_function(object_type, sort.property_name)
        keyed = [(key(r.properties.get(sort.property_name)), r) for r in ordered]  # each value read once
        present = [(k, r) for k, r in keyed if k is not None]
        present.sort(key=lambda pair: pair[0], reverse=sort.descending)  # type: ignore[arg-type,return-value]
        ordered = [r for _, r in present] + [r for k, r in keyed if k is None]
    return ordered
