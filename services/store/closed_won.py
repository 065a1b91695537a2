"""The Closed Won runs: one row per won deal, holding the project ID reserved for it and what was made.

The row is the workflow's idempotency key (dashboard/closed_won.py): the first request for a deal reserves
the next project ID by inserting it; the database's unique constraints settle a race (two requests for one
deal, or two deals reaching for one ID) so that only one insert wins and the other reads what won. Each step
then records what it made (the ERP record, the CRM project record), so a retry skips what is done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlmodel import col, select

from services.errors import NotFoundError
from services.store.database import Database
from services.store.tables import ClosedWonRow
from services.store.values import ClosedWon


class ClosedWonRuns(Database):
    """The Closed Won runs of one database."""

    def closed_won(self, crm_deal_id: str) -> ClosedWon | None:
        """The deal's run, or None when the workflow never ran for it."""
        query = select(ClosedWonRow).where(ClosedWonRow.crm_deal_id == crm_deal_id)
        with self._session("read the Closed Won run") as session:
            row = session.exec(query).first()
            return _value(row) if row is not None else None

    def reserved_project_ids(self) -> set[str]:
        """Every project ID a run has reserved (undone runs too: an ID is never given twice)."""
        with self._session("read reserved project IDs") as session:
            return set(session.exec(select(ClosedWonRow.project_id)))

    def reserve_project_id(self, crm_deal_id: str, project_id: str) -> ClosedWon | None:
        """Reserve `project_id` for the deal; None when the deal already has a run or the ID is taken (read
        the deal's run, or try the next ID)."""
        now = self._now()
        row = ClosedWonRow(
            crm_deal_id=crm_deal_id, project_id=project_id, status="started", created_at=now, updated_at=now
        )
        with self._session("reserve a project ID") as session:
            session.add(row)
            try:
                session.commit()
            except sa_exc.IntegrityError:
                session.rollback()
                return None
            return _value(row)

    def update_closed_won(self, crm_deal_id: str, **changes: Any) -> ClosedWon:
        """Record what a step made (erp_record_id, project_record_id, status, error)."""
        allowed = {"erp_record_id", "project_record_id", "status", "error"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"a Closed Won run has no field {', '.join(sorted(unknown))}")
        query = select(ClosedWonRow).where(ClosedWonRow.crm_deal_id == crm_deal_id).with_for_update()
        with self._session("update the Closed Won run") as session:
            row = session.exec(query).first()
            if row is None:
                raise NotFoundError("store", "update the Closed Won run", f"deal {crm_deal_id} has no run")
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self._now()
            session.add(row)
            session.commit()
            return _value(row)

    def closed_won_runs(self, deal_ids: Sequence[str] | None = None) -> list[ClosedWon]:
        """The runs (of these deals), oldest first."""
        query = select(ClosedWonRow).order_by(col(ClosedWonRow.id))
        if deal_ids is not None:
            query = query.where(col(ClosedWonRow.crm_deal_id).in_(list(deal_ids)))
        with self._session("read Closed Won runs") as session:
            return [_value(row) for row in session.exec(query)]


def _value(row: ClosedWonRow) -> ClosedWon:
    return ClosedWon.model_validate(row.model_dump())
