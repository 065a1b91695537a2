"""Month over month: today's headline figures against the kept day about a month back.

Takes the store's daily figures as a frame (day, contract_value_amount, forecast_margin_pct,
outstanding_amount, overdue_amount), so the core stays free of the store.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

MONTH_BACK = (28, 45)
"""A day counts as "a month back" when it lies 28 to 45 days before today; the newest such day wins."""


def month_ago(days: pd.DataFrame, as_of: date) -> pd.Series | None:
    """The kept day about a month before `as_of` (see MONTH_BACK), or None when none is kept yet."""
    if days.empty:
        return None
    newest, oldest = as_of - timedelta(days=MONTH_BACK[0]), as_of - timedelta(days=MONTH_BACK[1])
    stamps = pd.to_datetime(days["day"])
    fits = days[(stamps <= pd.Timestamp(newest)) & (stamps >= pd.Timestamp(oldest))]
    if fits.empty:
        return None
    return fits.assign(_at=stamps[fits.index]).sort_values("_at").iloc[-1].drop("_at")
