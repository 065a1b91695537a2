"""The portfolio's clock: "days before as_of" turned into dates and office-hours instants.

The plan draws every date as a number of days before as_of, so another as_of shifts the dates and nothing
else; this is the one place that turns those numbers into dates and datetimes. Instants fall in office
hours and carry milliseconds that are now and then zero, as in real data.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

_WORKDAY_START, _WORKDAY_SECONDS = 8 * 3600, 11 * 3600  # timestamps fall in office hours


class Clock:
    """Turns "days before as_of" into dates and datetimes; a day offset >= 1 is strictly before as_of."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self._midnight = datetime.combine(as_of, time(), tzinfo=UTC)
        self._days: dict[int, date] = {}
        self._starts: dict[int, datetime] = {}

    def day(self, ago: int) -> date:
        found = self._days.get(ago)
        if found is None:
            found = self._days[ago] = self.as_of - timedelta(days=ago)
        return found

    def moment(self, rng: random.Random, ago: int) -> datetime:
        """A random office-hours instant that day, with milliseconds (now and then zero, as in real data)."""
        start = self._starts.get(ago)
        if start is None:
            start = self._starts[ago] = self._midnight - timedelta(days=ago)
        ms = int(rng.random() * 1176) - 176  # <= 0 about 15 % of the time
        seconds = _WORKDAY_START + int(rng.random() * _WORKDAY_SECONDS)
        return start + timedelta(0, seconds, ms * 1000 if ms > 0 else 0)
