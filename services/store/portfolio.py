"""A small daily aggregate of the portfolio's headline figures, for month-over-month trends.

Only figures (totals in the reporting currency), never copied records: the systems stay the source of
every record. One row per day and reporting currency; the day's latest read replaces the earlier one.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import col, select

from services.store.database import Database
from services.store.tables import PortfolioDayRow
from services.store.values import PortfolioDay


class PortfolioDays(Database):
    """The portfolio's daily figures in one database."""

    def record_day(self, figures: PortfolioDay) -> None:
        """Keep the day's figures, replacing what the same day and currency held."""
        with self._session("record the portfolio's daily figures") as session:
            row = session.get(PortfolioDayRow, (figures.day, figures.reporting_currency))
            values = figures.model_dump() | {"recorded_at": self._now()}
            if row is None:
                session.add(PortfolioDayRow(**values))
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                session.add(row)
            session.commit()

    def portfolio_days(self, reporting_currency: str, since: date) -> list[PortfolioDay]:
        """The days from `since` on in that reporting currency, oldest first."""
        with self._session("read the portfolio's daily figures") as session:
            rows = session.exec(
                select(PortfolioDayRow)
                .where(PortfolioDayRow.reporting_currency == reporting_currency)
                .where(col(PortfolioDayRow.day) >= since)
                .order_by(col(PortfolioDayRow.day))
            ).all()
            return [PortfolioDay.model_validate(row.model_dump(exclude={"recorded_at"})) for row in rows]
