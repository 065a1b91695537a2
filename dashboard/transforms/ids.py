"""The project-ID convention: one canonical format and one normalization used on both systems.

A raw ID from the CRM or the ERP maps to its canonical form ("PRJ-00042") or to a reason a person can act
on. The normalization forgives what people type (case, spaces, any dash or `_ . / :` as separator, a
stray "#" or "ID:" before the prefix, a missing prefix, missing zero padding) and refuses what would be a
guess (a different prefix, two numbers, more digits than the convention holds).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache, partial

import pandas as pd

from dashboard import columns as c

# Every Unicode dash people paste from word processors; NFKC folds only some of them to "-".
DASHES = "-‐‑‒–—―−⁃﹘﹣－"
SEPARATORS = frozenset(DASHES + "_./:#,;")
# Words people put before an ID that carry no meaning ("ID: PRJ-00042", "No. 42").
STRAY_WORDS = frozenset({"ID", "NO", "NR", "NUM", "NUMBER", "REF"})
_TOKEN = re.compile(r"[A-Z]+|[0-9]+")
_PATTERN = re.compile(r"([A-Za-z]*)([^A-Za-z0-9#]?)(#+)")
_SHAPE = re.compile(r"([A-Za-z]*)([^A-Za-z0-9]?)([0-9]+)")
_ALLOWED_SEPARATORS = ("", "-", "_", ".", "/", " ")


@dataclass(frozen=True)
class IdConvention:
    """A canonical project ID: upper-case letter prefix, a separator, and a zero-padded number."""

    prefix: str = "PRJ"
    separator: str = "-"
    digits: int = 5

    def __post_init__(self) -> None:
        if not (
            self.prefix == "" or (self.prefix.isascii() and self.prefix.isalpha() and self.prefix.isupper())
        ):
            raise ValueError(f'the ID prefix must be upper-case letters A-Z, not "{self.prefix}"')
        if self.separator not in _ALLOWED_SEPARATORS or (self.prefix == "" and self.separator != ""):
            raise ValueError(
                f'the ID separator must be one of - _ . / or a space (or none), not "{self.separator}"'
            )
        if not 1 <= self.digits <= 12:
            raise ValueError(f"the ID must have 1 to 12 digits, not {self.digits}")

    @property
    def pattern(self) -> str:
        """The convention written as in settings, e.g. "PRJ-#####"."""
        return f"{self.prefix}{self.separator}{'#' * self.digits}"

    def format(self, number: int) -> str:
        """The canonical ID of a project number."""
        return f"{self.prefix}{self.separator}{number:0{self.digits}d}"

    def example(self) -> str:
        """A canonical ID to show next to the pattern."""
        return self.format(42)


@dataclass(frozen=True)
class NormalizedId:
    """A raw ID and either its canonical form or the reason it has none."""

    raw: str | None
    canonical: str | None
    reason: str | None
    is_canonical: bool
    """The raw value is already exactly the canonical form."""


def convention_from_pattern(pattern: str) -> IdConvention:
    """The convention a settings pattern such as "PRJ-#####" describes."""
    match = _PATTERN.fullmatch(pattern.strip())
    if match is None:
        raise ValueError(
            f'ID pattern "{pattern}" is not a letter prefix, an optional separator and one # per digit, '
            'e.g. "PRJ-#####"'
        )
    prefix, separator, hashes = match.groups()
    return IdConvention(prefix=prefix.upper(), separator=separator, digits=len(hashes))


def infer_convention(erp_ids: Iterable[object], fallback: IdConvention | None = None) -> IdConvention:
    """The most common prefix-separator-digits shape among the ERP's own project codes (None/NaN skipped)."""
    shapes: Counter[tuple[str, str, int]] = Counter()
    for raw in erp_ids:
        text = raw if isinstance(raw, str) else ""
        match = _SHAPE.fullmatch(unicodedata.normalize("NFKC", text).strip())
        if match is None:
            continue
        prefix, separator, number = match.groups()
        separator = "-" if separator in DASHES else separator
        if separator in _ALLOWED_SEPARATORS and (prefix or not separator):
            shapes[(prefix.upper(), separator, len(number))] += 1
    if not shapes:
        if fallback is not None:
            return fallback
        raise ValueError(
            "no ERP project code looks like a prefix and a number; set the ID pattern setting, e.g. PRJ-#####"
        )
    # Ties go to the alphabetically first shape so the choice never depends on record order.
    best = min(shapes.items(), key=lambda item: (-item[1], item[0]))[0]
    return IdConvention(prefix=best[0], separator=best[1], digits=best[2])


def normalize_id(raw: str | None, convention: IdConvention) -> NormalizedId:
    """The canonical form of a raw project ID, or the reason it cannot be normalized."""
    return normalizer(convention)(raw)


@lru_cache(maxsize=64)
def normalizer(convention: IdConvention) -> Callable[[str | None], NormalizedId]:
    """`normalize_id` under one convention, as a function of the raw ID alone, for normalizing many IDs
    (the convention is hashed once, not once per ID). Cached: the join, the convention report and the audit
    normalize the same IDs, and a refresh the same ones again."""
    return lru_cache(maxsize=1 << 16)(partial(_normalize, convention=convention))


def _normalize(raw: str | None, convention: IdConvention) -> NormalizedId:
    if not isinstance(raw, str) or not raw.strip():
        # A frame hands over NaN for an empty cell; it is as empty as None.
        return NormalizedId(raw if isinstance(raw, str) else None, None, "empty", False)
    if _canonical_pattern(convention).fullmatch(raw) and raw[-convention.digits :].strip("0"):
        # Most IDs are already canonical; this shortcut gives what the full normalization would.
        return NormalizedId(raw, raw, None, True)
    text = unicodedata.normalize("NFKC", raw).upper()
    odd = [
        ch for ch in text if not (ch.isascii() and ch.isalnum()) and ch not in SEPARATORS and not ch.isspace()
    ]
    if odd:
        return NormalizedId(raw, None, f'unexpected character "{odd[0]}"', False)
    reason, number = _number(_TOKEN.findall(text), convention)
    if reason is not None or number is None:
        return NormalizedId(raw, None, reason, False)
    canonical = convention.format(number)
    return NormalizedId(raw, canonical, None, raw == canonical)


def next_project_id(taken: Iterable[object], convention: IdConvention) -> str:
    """The canonical ID one above the highest that `taken` holds, read by the normalization (so "prj 41"
    counts as PRJ-00041; what it cannot read is skipped); the first ID (number 1) when none is."""
    numbers = [
        int(found.canonical[-convention.digits :])
        for found in map(normalizer(convention), (raw if isinstance(raw, str) else None for raw in taken))
        if found.canonical is not None
    ]
    following = max(numbers, default=0) + 1
    if following >= 10**convention.digits:
        raise ValueError(
            f"every {convention.pattern} ID is taken (the highest is {convention.format(following - 1)}): "
            "widen the ID pattern setting"
        )
    return convention.format(following)


@lru_cache(maxsize=64)
def _canonical_pattern(convention: IdConvention) -> re.Pattern[str]:
    return re.compile(re.escape(convention.prefix + convention.separator) + f"[0-9]{{{convention.digits}}}")


def _number(tokens: list[str], convention: IdConvention) -> tuple[str | None, int | None]:
    """The project number in the tokens, or why there is not exactly one under the convention's prefix."""
    numbers = [t for t in tokens if t.isdigit()]
    if not numbers:
        return "no digits", None
    first = tokens.index(numbers[0])
    foreign = [t for t in tokens[:first] if t.isalpha() and t != convention.prefix and t not in STRAY_WORDS]
    if foreign:
        expected = f"the convention is {convention.pattern}"
        return f"a different prefix ({foreign[-1]}; {expected})", None
    if len(numbers) > 1:
        return f"two numbers ({', '.join(numbers)})", None
    trailing = tokens[first + 1 :]
    if trailing:
        return f'text after the number ("{" ".join(trailing)}")', None
    value = int(numbers[0])
    if value == 0:
        return "the number is zero", None
    if len(str(value)) > convention.digits:
        return f"too many digits ({value}; the convention has {convention.digits})", None
    return None, value


_DIGITS_AS_HASH = str.maketrans(dict.fromkeys("0123456789", "#"))
_SPACE = re.compile(r"\s")


def id_format(raw: str | None) -> str:
    """The shape of a raw ID: digits as #, spaces visible as ␣, letters and separators as typed."""
    if raw is None or raw == "":
        return "(empty)"
    shape = raw.translate(_DIGITS_AS_HASH)
    if shape.isprintable():  # no whitespace but the plain space (every other kind is unprintable)
        return shape.replace(" ", "␣")
    return _SPACE.sub("␣", shape)


@dataclass(frozen=True)
class ConventionReport:
    """What the audit asks before anything is connected: which ID formats exist, and the proposal."""

    convention: IdConvention
    formats: pd.DataFrame
    """system, id_format, count, share (of the system's IDs), examples, is_canonical_format."""
    summary: pd.DataFrame
    """system, total, empty, canonical, normalizable, unnormalizable, canonical_share (of non-empty IDs)."""


def convention_report(
    ids_by_system: Mapping[str, Iterable[object]], convention: IdConvention
) -> ConventionReport:
    """ID formats per system with counts and examples, and how many are already canonical (NaN = empty)."""
    format_rows: list[dict[str, object]] = []
    summary_rows: list[dict[str, object]] = []
    for system, ids in ids_by_system.items():
        raws = [raw if isinstance(raw, str) else None for raw in ids]
        normalized = list(map(normalizer(convention), raws))
        by_format: dict[str, list[str | None]] = {}
        for raw in raws:
            by_format.setdefault(id_format(raw), []).append(raw)
        for shape, members in sorted(by_format.items(), key=lambda item: (-len(item[1]), item[0])):
            examples = list(dict.fromkeys(repr(m) if m else "(empty)" for m in members))[:3]
            format_rows.append(
                {
                    c.SYSTEM: system,
                    c.ID_FORMAT: shape,
                    c.COUNT: len(members),
                    c.SHARE: len(members) / len(raws),
                    c.EXAMPLES: ", ".join(examples),
                    c.IS_CANONICAL_FORMAT: shape == id_format(convention.example()),
                }
            )
        summary_rows.append(_summary_row(system, normalized))
    formats = pd.DataFrame(
        format_rows, columns=[c.SYSTEM, c.ID_FORMAT, c.COUNT, c.SHARE, c.EXAMPLES, c.IS_CANONICAL_FORMAT]
    )
    summary = pd.DataFrame(
        summary_rows,
        columns=[
            c.SYSTEM,
            c.TOTAL,
            c.EMPTY,
            c.CANONICAL,
            c.NORMALIZABLE,
            c.UNNORMALIZABLE,
            c.CANONICAL_SHARE,
        ],
    )
    return ConventionReport(convention=convention, formats=formats, summary=summary)


def _summary_row(system: str, normalized: list[NormalizedId]) -> dict[str, object]:
    empty = sum(n.reason == "empty" for n in normalized)
    canonical = sum(n.is_canonical for n in normalized)
    fixable = sum(n.canonical is not None and not n.is_canonical for n in normalized)
    present = len(normalized) - empty
    return {
        c.SYSTEM: system,
        c.TOTAL: len(normalized),
        c.EMPTY: empty,
        c.CANONICAL: canonical,
        c.NORMALIZABLE: fixable,
        c.UNNORMALIZABLE: present - canonical - fixable,
        c.CANONICAL_SHARE: canonical / present if present else float("nan"),
    }
