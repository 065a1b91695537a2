"""HubSpot's instants: how the sandbox reads and writes points in time, the way Java's Instant.toString does.

HubSpot writes UTC with a `Z`, with milliseconds only when they are not zero (`2024-11-30T17:51:32.199Z`,
`2025-08-10T00:00:00Z`), keeps nothing finer than a millisecond, and reads epoch milliseconds or ISO-8601
in writes and in search filters; date properties hold midnight UTC. See
/work/shared/reference/hubspot-api.md, section 7.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time


def utc(value: datetime) -> datetime:
    """The same instant as an aware UTC datetime (naive values are taken as UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def now_utc() -> datetime:
    """The current instant, truncated to milliseconds as HubSpot stores it."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def instant(value: datetime) -> str:
    """`2024-11-30T17:51:32.199Z`, or `2025-08-10T00:00:00Z` when the milliseconds are zero."""
    moment = utc(value)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = moment.microsecond // 1000
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def parse_when(text: str) -> datetime | None:
    """An instant from epoch milliseconds or ISO-8601 (date or datetime); None if it is neither."""
    raw = text.strip()
    if re.fullmatch(r"-?\d{1,15}", raw):
        return datetime.fromtimestamp(int(raw) / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return utc(parsed)


def epoch_ms(value: datetime) -> int:
    """Milliseconds since the epoch."""
    return int(utc(value).timestamp() * 1000)


def midnight(value: date) -> datetime:
    """Midnight UTC of a date, as HubSpot's date properties expect."""
    return datetime.combine(value, time(0), UTC)
