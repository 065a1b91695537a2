"""Numbers for people, one style on every page and export.

The style: money with its currency symbol and thousands separators, whole units in overviews (`$20,819,430`)
and cents only in line-level tables (`$1,234.56`); a leading minus for negatives (`-$1,234`, `-4.2%`);
percentages with one decimal and no space (`26.8%`, as the tables' grid prints them); percentage points
signed (`+4.2 pp`); one date style (`3 Dec 2026`, `D MMM YYYY` in the grids); an em dash for a missing
value; statuses in words (`In progress`, never `in_progress`, `None` or `nan`).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CHF": "CHF ", "JPY": "¥", "CAD": "C$", "AUD": "A$"}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


MISSING = "—"
DATE_GRID = "D MMM YYYY"
"""The grids' date format (Streamlit's DateColumn), the same as `day`."""


def money(
    value: float | None, currency: str | None = "USD", *, compact: bool = False, cents: bool = False
) -> str:
    """`$1,234,567`, with cents `$1,234,567.89`, or compact `$1.23M`; an em dash when there is no value."""
    if _missing(value):
        return "—"
    assert value is not None
    symbol = SYMBOLS.get(currency or "", f"{currency} " if currency else "")
    sign = "-" if value < 0 else ""
    amount = abs(value)
    if compact and amount >= 1_000_000:
        return f"{sign}{symbol}{amount / 1_000_000:.2f}M"
    if compact and amount >= 10_000:
        return f"{sign}{symbol}{amount / 1_000:.0f}k"
    return f"{sign}{symbol}{amount:,.2f}" if cents else f"{sign}{symbol}{amount:,.0f}"


def pct(value: float | None, *, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.253 -> `25.3%`."""
    if _missing(value):
        return "—"
    assert value is not None
    shown = round(value * 100, digits) + 0.0  # + 0.0: no "-0.0%"
    return f"{shown:+.{digits}f}%" if signed else f"{shown:.{digits}f}%"


def pp(value: float | None) -> str:
    """Percentage points: 4.2 -> `+4.2 pp`."""
    if _missing(value):
        return "—"
    assert value is not None
    return f"{round(value, 1) + 0.0:+.1f} pp"  # + 0.0 turns -0.0 into 0.0, so no change reads "+0.0"


def day(value: date | datetime | None) -> str:
    """`3 Dec 2026`."""
    if _empty(value):
        return "—"
    try:
        return f"{value.day} {value.strftime('%b %Y')}"  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        return "—"


def age(seconds: float | None) -> str:
    """`42 s ago`, `3 min ago`, `2 h ago`, `never`."""
    if seconds is None:
        return "never"
    if seconds < 90:
        return f"{max(0, round(seconds))} s ago"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min ago"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h ago"
    return f"{round(seconds / 86400)} days ago"


def _empty(value: Any) -> bool:
    """None, "", NaN, NA or NaT. (pd.NA == "" is NA, whose truth is ambiguous: ask isna first.)"""
    if value is None:
        return True
    try:
        missing = pd.isna(value)
    except (TypeError, ValueError):
        return False
    if getattr(missing, "ndim", 0) == 0:
        return bool(missing) or (isinstance(value, str) and value == "")
    return False  # a list or an array is not empty in this sense


def text(value: Any) -> str:
    """A value as text, or an em dash when the source left it empty (None, NaN, NA, NaT, "")."""
    return "—" if _empty(value) else str(value)


def count_of(done: Any, total: Any) -> str:
    """`3 of 6`, or an em dash when the total is unknown."""
    if _empty(total):
        return "—"
    return f"{0 if _empty(done) else int(done)} of {int(total)}"


def count(value: Any) -> str:
    """A whole number with thousands separators (`1,234`), or an em dash when there is none."""
    return "—" if _empty(value) else f"{int(value):,}"


STATUS_WORDS = {
    "n/a": "—",
    "none": "—",
    "ok": "OK",
    "erp_only": "ERP only",
    "deal_only": "Deal only",
    "cost-to-cost": "Cost-to-cost",
}
"""Words for the status codes whose plain spelling would read wrong; the rest are spelled from the code."""


def status(value: Any) -> str:
    """A status code in words: `in_progress` -> `In progress`, `on_track` -> `On track`; em dash if none."""
    if _empty(value):
        return MISSING
    code = str(value)
    if code.lower() in STATUS_WORDS:
        return STATUS_WORDS[code.lower()]
    if code in ("nan", "None", "NaT"):
        return MISSING
    words = code.replace("_", " ").replace("::", " ").strip()
    return words[:1].upper() + words[1:]


def days_late(days: Any) -> str:
    """`227 days late`, `1 day late`, `due today`, `due in 5 days`."""
    if _empty(days):
        return MISSING
    n = int(days)
    if n == 0:
        return "due today"
    if n < 0:
        return f"due in {-n} day{'s' if n != -1 else ''}"
    return f"{n} day{'s' if n != 1 else ''} late"


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 project`, `3 projects`."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
