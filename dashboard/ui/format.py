"""Numbers for people: currency symbols, thousands separators, percentages, dates, ages."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import pandas as pd

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CHF": "CHF ", "JPY": "¥", "CAD": "C$", "AUD": "A$"}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None, currency: str | None = "USD", *, compact: bool = False) -> str:
    """`$1,234,567` or, compact, `$1.23M`; an em dash when there is no value."""
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
    return f"{sign}{symbol}{amount:,.0f}"


def pct(value: float | None, *, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage: 0.253 -> `25.3 %`."""
    if _missing(value):
        return "—"
    assert value is not None
    return f"{value * 100:+.{digits}f} %" if signed else f"{value * 100:.{digits}f} %"


def pp(value: float | None) -> str:
    """Percentage points: 4.2 -> `+4.2 pp`."""
    if _missing(value):
        return "—"
    assert value is not None
    return f"{round(value, 1) + 0.0:+.1f} pp"  # + 0.0 turns -0.0 into 0.0, so no change reads "+0.0"


def day(value: date | datetime | None) -> str:
    """`27 Nov 2026`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    try:
        return value.strftime("%d %b %Y")
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
