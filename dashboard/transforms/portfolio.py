"""Portfolio totals: sums per currency, converted totals, and percentages weighted (never averaged).

Each weighted percentage is Σ numerator ÷ Σ denominator over the rows where the project's own percentage
exists, so it always lies between the lowest and the highest project value and reconciles to the rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard import columns as c

SUM_COLUMNS = list(c.PORTFOLIO_SUMS)
RATIO_COLUMNS = list(c.PORTFOLIO_RATIOS)
MARGIN_COLUMNS = list(c.MARGIN_BY_GROUP)
NO_VALUE = "(none)"


@dataclass(frozen=True)
class PortfolioFigures:
    """Portfolio totals per currency and in the reporting currency, with the rates used."""

    by_currency: pd.DataFrame
    """Indexed by currency: project_count, SUM_COLUMNS (rounded to cents) and RATIO_COLUMNS."""
    total: pd.DataFrame
    """One row indexed by the reporting currency, same columns, every currency converted."""
    reporting_currency: str
    converted: bool
    """True when any amount was converted: the page must say so, with `rates`."""
    rates: Mapping[str, float]
    """Units of the reporting currency per unit of each currency present (the reporting currency is 1)."""
    unconverted: Mapping[str, int] = field(default_factory=dict)
    """Currencies present with no exchange rate -> how many projects: left out of `total`, still in
    `by_currency`, and named on the pages."""

    @property
    def unconverted_note(self) -> str | None:
        """What the converted total leaves out and what to set, in words; None when nothing."""
        if not self.unconverted:
            return None
        parts = [f"{n} project{'s' if n != 1 else ''} in {ccy}" for ccy, n in self.unconverted.items()]
        return (
            f"Not in the {self.reporting_currency} totals: {', '.join(parts)}, for want of an exchange rate. "
            "Add it to the fx rates setting (THROUGHLINE_FX_RATES), or correct the currency at its source."
        )


def portfolio_figures(
    figures: pd.DataFrame, reporting_currency: str, rates: Mapping[str, float]
) -> PortfolioFigures:
    """Totals of `project_figures` output per currency, and converted into the reporting currency.

    A currency with no rate (a deal in "XYZ") stays in `by_currency` and out of `total`, and
    `unconverted` names it: one bad currency code never takes the whole portfolio's totals down."""
    sums = _sums(figures, [c.CURRENCY])
    currencies = [str(ccy) for ccy in sums.index]
    usable = {ccy: _rate(ccy, reporting_currency, rates) for ccy in currencies}
    used = {ccy: rate for ccy, rate in usable.items() if rate is not None}
    counts = sums[c.PROJECT_COUNT].astype("int64")
    unconverted = {ccy: int(counts[ccy]) for ccy, rate in usable.items() if rate is None}
    kept = sums.loc[list(used)]
    converted = kept.mul(pd.Series(used), axis=0)
    converted[c.PROJECT_COUNT] = kept[c.PROJECT_COUNT]
    total = converted.sum().to_frame(reporting_currency).T.astype("float64")
    total.index.name = c.CURRENCY
    return PortfolioFigures(
        by_currency=_finish(sums),
        total=_finish(total),
        reporting_currency=reporting_currency,
        converted=any(ccy != reporting_currency for ccy in used),
        rates=used,
        unconverted=unconverted,
    )


def _rate(currency: str, reporting_currency: str, rates: Mapping[str, float]) -> float | None:
    """Units of the reporting currency per unit of `currency`; None when there is no usable rate."""
    if currency == reporting_currency:
        return 1.0
    rate = rates.get(currency)
    return float(rate) if rate is not None and math.isfinite(rate) and rate > 0 else None


def ar_aging(figures: pd.DataFrame) -> pd.DataFrame:
    """Outstanding receivables per currency split into the AR buckets (from `project_figures` output)."""
    columns = [c.OUTSTANDING_AMOUNT, *c.AR_BUCKETS]
    return figures.fillna({c.CURRENCY: NO_VALUE}).groupby(c.CURRENCY)[columns].sum().round(2)


def margin_by_customer(figures: pd.DataFrame) -> pd.DataFrame:
    """Margins per customer and currency, weighted (MARGIN_COLUMNS), from `project_figures` output."""
    return margin_by(figures, c.CUSTOMER_NAME)


def margin_by_owner(figures: pd.DataFrame) -> pd.DataFrame:
    """Margins per deal owner and currency, weighted (MARGIN_COLUMNS), from `project_figures` output."""
    return margin_by(figures, c.OWNER_NAME)


def margin_by(figures: pd.DataFrame, column: str) -> pd.DataFrame:
    """Margins per value of `column` and currency, weighted; rows without a value group under "(none)"."""
    return _finish(_sums(figures, [column, c.CURRENCY]))[MARGIN_COLUMNS]


def _parts(f: pd.DataFrame) -> dict[str, tuple[pd.Series, pd.Series]]:
    """Numerator and denominator of each weighted ratio, zero where the project's own ratio is empty."""
    cv = f[c.CONTRACT_VALUE_AMOUNT]
    planned_margin = cv * f[c.EST_MARGIN_PCT]
    parts = {
        c.EST_MARGIN_PCT: (planned_margin, cv, f[c.EST_MARGIN_PCT]),
        c.REALIZED_MARGIN_PCT: (f[c.REALIZED_MARGIN_AMOUNT], f[c.INVOICED_AMOUNT], f[c.REALIZED_MARGIN_PCT]),
        c.FORECAST_MARGIN_PCT: (f[c.FORECAST_MARGIN_AMOUNT], cv, f[c.FORECAST_MARGIN_PCT]),
        c.EROSION_PP: ((planned_margin - f[c.FORECAST_MARGIN_AMOUNT]) * 100, cv, f[c.EROSION_PP]),
        c.POC: (cv * f[c.POC], cv, f[c.POC] * cv),
        c.COST_BURN_PCT: (f[c.ACTUAL_COST_AMOUNT], f[c.EST_COST_AMOUNT], f[c.COST_BURN_PCT]),
        c.BILLING_BURN_PCT: (f[c.INVOICED_AMOUNT], cv, f[c.BILLING_BURN_PCT]),
    }
    return {
        name: (num.where(own.notna(), 0.0), den.where(own.notna(), 0.0))
        for name, (num, den, own) in parts.items()
    }


def _sums(figures: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    parts: dict[str, Any] = {c.PROJECT_COUNT: 1}
    for name, (num, den) in _parts(figures).items():
        parts[f"_{name}_num"] = num
        parts[f"_{name}_den"] = den
    frame = figures[[*by, *SUM_COLUMNS]].fillna(dict.fromkeys(by, NO_VALUE)).assign(**parts)
    return frame.groupby(by).sum()


def _finish(sums: pd.DataFrame) -> pd.DataFrame:
    out = sums[[c.PROJECT_COUNT, *SUM_COLUMNS]].copy()
    out[SUM_COLUMNS] = out[SUM_COLUMNS].round(2)
    out[c.PROJECT_COUNT] = out[c.PROJECT_COUNT].astype("int64")
    for name in RATIO_COLUMNS:
        den = sums[f"_{name}_den"].astype("float64")
        out[name] = sums[f"_{name}_num"].astype("float64") / den.where(den != 0)
    return out
