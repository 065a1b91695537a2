"""The margin page's rows: filters over the per-project figures, most eroded first, and their totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from dashboard import columns as c
from dashboard.transforms.portfolio import NO_VALUE, PortfolioFigures, portfolio_figures

FLAGS = {
    c.EROSION_FLAG: "Eroding margin",
    c.OVERRUN_FLAG: "Cost overrun",
    c.OVERDUE_FLAG: "Overdue receivables",
}


@dataclass(frozen=True)
class MarginFilter:
    """What the margin page's filters hold; an empty tuple or None means "all"."""

    owners: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    """Keys of FLAGS; a row passes when it has any of them."""
    closed_from: date | None = None
    closed_to: date | None = None
    """Close date range, inclusive; rows without a close date (ERP-only projects) drop out once it is set."""


def margin_rows(figures: pd.DataFrame, joined: pd.DataFrame) -> pd.DataFrame:
    """`project_figures` rows with the close date and the ERP status added (by row_key), for filtering."""
    extra = joined[[c.ROW_KEY, c.CLOSE_DATE, c.ERP_STATUS]]
    return figures.merge(extra, on=c.ROW_KEY, how="left", validate="one_to_one")


def choices(frame: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of `column`, sorted, with "(none)" last when some rows have no value."""
    values = sorted({str(v) for v in frame[column].dropna()})
    return [*values, NO_VALUE] if frame[column].isna().any() else values


def filter_margin(rows: pd.DataFrame, wanted: MarginFilter) -> pd.DataFrame:
    """The rows `wanted` selects, the most eroded first (rows without an erosion figure last)."""
    keep = pd.Series(True, index=rows.index)
    for column, values in (
        (c.OWNER_NAME, wanted.owners),
        (c.CUSTOMER_NAME, wanted.customers),
        (c.ERP_STATUS, wanted.statuses),
        (c.CURRENCY, wanted.currencies),
    ):
        if values:
            keep &= rows[column].fillna(NO_VALUE).astype(str).isin(values)
    if wanted.flags:
        keep &= rows[list(wanted.flags)].fillna(False).astype(bool).any(axis=1)
    closed = rows[c.CLOSE_DATE]
    if wanted.closed_from is not None:
        keep &= closed >= pd.Timestamp(wanted.closed_from)
    if wanted.closed_to is not None:
        keep &= closed <= pd.Timestamp(wanted.closed_to)
    return rows[keep].sort_values(c.EROSION_PP, ascending=False, na_position="last", kind="stable")


def margin_totals(rows: pd.DataFrame, portfolio: PortfolioFigures) -> PortfolioFigures:
    """Totals of some `project_figures` rows, converted at the rates the whole portfolio used."""
    return portfolio_figures(rows, portfolio.reporting_currency, portfolio.rates)
