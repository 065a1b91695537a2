"""The correction log and the accepted findings: what was written where, by whom, and how it ended.

Every write to the CRM or ERP is logged as pending before the write and settled after it, so a crash between
the two leaves a row to settle (by reading the record back) rather than a lost write. A settled row changes
once more only when its correction is undone. Accepted findings are never deleted: unaccepting stamps
`revoked_*`, so the history stays.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, select

from services.errors import InputError, NotFoundError
from services.store.database import Database
from services.store.tables import AcceptedFindingRow, CorrectionRow, as_utc
from services.store.values import (
    STATUSES,
    AcceptedFinding,
    Correction,
    NewCorrection,
    SettledStatus,
)

# A settled row changes once more only when its correction is undone.
_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"applied", "failed", "conflict", "undone"}),
    "applied": frozenset({"undone"}),
}


class CorrectionLog(Database):
    """The correction log and the accepted findings of one database."""

    # --- correction log ----------------------------------------------------------------------------

    def log_pending(self, entries: Sequence[NewCorrection]) -> list[Correction]:
        """Write corrections as pending, all or none, before their CRM writes; return them with their ids."""
        now = self._now()
        with self._session("log corrections") as session:
            rows = [self._pending_row(session, entry, now) for entry in entries]
            session.add_all(rows)
            session.commit()
            return [_correction(row) for row in rows]

    def settle(
        self,
        correction_id: int,
        status: SettledStatus,
        error: str | None = None,
        after: str | None = None,
    ) -> Correction:
        """Record how a correction ended; `after` replaces the logged after-value (what the CRM now holds)."""
        with self._session("settle correction") as session:
            row = _get_correction(session, correction_id, lock=True)
            if status not in _TRANSITIONS.get(row.status, frozenset()):
                raise InputError(
                    f"correction {correction_id} is {row.status} and cannot become {status}: only a pending "
                    "correction can be settled, and only an applied one undone"
                )
            row.status, row.error, row.settled_at = status, error, self._now()
            if after is not None:
                row.after = after
            session.add(row)
            session.commit()
            return _correction(row)

    def pending(self) -> list[Correction]:
        """The corrections still pending (their CRM write's outcome is unknown), oldest first."""
        query = select(CorrectionRow).where(CorrectionRow.status == "pending").order_by(col(CorrectionRow.id))
        with self._session("read pending corrections") as session:
            return [_correction(row) for row in session.exec(query)]

    def corrections(
        self,
        *,
        user: str | None = None,
        status: str | None = None,
        object_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        batch_id: str | None = None,
    ) -> list[Correction]:
        """The correction log, newest first; `since` is inclusive, `until` exclusive (naive means UTC)."""
        if status is not None and status not in STATUSES:
            raise InputError(f"status filter {status!r} is unknown; use one of {', '.join(STATUSES)}")
        query = select(CorrectionRow)
        for column, value in (
            (CorrectionRow.user, user),
            (CorrectionRow.status, status),
            (CorrectionRow.object_id, object_id),
            (CorrectionRow.batch_id, batch_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if since is not None:
            query = query.where(col(CorrectionRow.created_at) >= as_utc(since))
        if until is not None:
            query = query.where(col(CorrectionRow.created_at) < as_utc(until))
        query = query.order_by(col(CorrectionRow.created_at).desc(), col(CorrectionRow.id).desc())
        with self._session("read corrections") as session:
            return [_correction(row) for row in session.exec(query)]

    def correction(self, correction_id: int) -> Correction:
        """One correction by its id."""
        with self._session("read correction") as session:
            return _correction(_get_correction(session, correction_id))

    # --- accepted findings -------------------------------------------------------------------------

    def accept(self, finding_key: str, *, reason: str, user: str) -> AcceptedFinding:
        """Accept a finding as it is; accepting it again replaces the reason."""
        if not finding_key.strip():
            raise InputError("finding key is empty; pass the key of the finding to accept")
        if not reason.strip():
            raise InputError("reason is empty; say why this finding is accepted as it is")
        now = self._now()
        with self._session("accept finding") as session:
            for old in _active_acceptances(session, finding_key):
                old.revoked_by, old.revoked_at = user, now
                session.add(old)
            row = AcceptedFindingRow(
                finding_key=finding_key, reason=reason.strip(), accepted_by=user, accepted_at=now
            )
            session.add(row)
            session.commit()
            return _accepted(row)

    def unaccept(self, finding_key: str, *, user: str) -> None:
        """Withdraw a finding's acceptance, so it shows as a finding again."""
        now = self._now()
        with self._session("unaccept finding") as session:
            rows = _active_acceptances(session, finding_key)
            if not rows:
                raise InputError(f"finding {finding_key!r} is not accepted, so there is nothing to withdraw")
            for row in rows:
                row.revoked_by, row.revoked_at = user, now
                session.add(row)
            session.commit()

    def accepted(self) -> list[AcceptedFinding]:
        """The findings accepted now, one per key (the latest acceptance), newest first."""
        query = (
            select(AcceptedFindingRow)
            .where(col(AcceptedFindingRow.revoked_at).is_(None))
            .order_by(col(AcceptedFindingRow.accepted_at).desc(), col(AcceptedFindingRow.id).desc())
        )
        with self._session("read accepted findings") as session:
            latest: dict[str, AcceptedFinding] = {}
            for row in session.exec(query):
                latest.setdefault(row.finding_key, _accepted(row))
            return list(latest.values())

    def accepted_keys(self) -> frozenset[str]:
        """The keys of the findings accepted now."""
        return frozenset(finding.finding_key for finding in self.accepted())

    def _pending_row(self, session: Session, entry: NewCorrection, now: datetime) -> CorrectionRow:
        if entry.action == "undo" and entry.undoes_id is None:
            raise InputError(
                f"undo of {entry.object_id}.{entry.field} needs undoes_id, the correction it undoes"
            )
        if entry.action != "undo" and entry.undoes_id is not None:
            raise InputError(f"undoes_id is set on a {entry.action!r} correction; only an undo takes it")
        if entry.undoes_id is not None:
            _get_correction(session, entry.undoes_id)
        if not entry.user.strip() or not entry.batch_id.strip():
            raise InputError("a correction needs a user and a batch ID")
        return CorrectionRow(**entry.model_dump(), created_at=now, status="pending")


def _get_correction(session: Session, correction_id: int, *, lock: bool = False) -> CorrectionRow:
    query = select(CorrectionRow).where(CorrectionRow.id == correction_id)
    row = session.exec(query.with_for_update() if lock else query).first()
    if row is None:
        raise NotFoundError("store", "read correction", f"no correction with id {correction_id} in the log")
    return row


def _active_acceptances(session: Session, finding_key: str) -> list[AcceptedFindingRow]:
    query = select(AcceptedFindingRow).where(
        AcceptedFindingRow.finding_key == finding_key, col(AcceptedFindingRow.revoked_at).is_(None)
    )
    return list(session.exec(query))


def _correction(row: CorrectionRow) -> Correction:
    return Correction.model_validate(row.model_dump())


def _accepted(row: AcceptedFindingRow) -> AcceptedFinding:
    return AcceptedFinding(
        finding_key=row.finding_key, reason=row.reason, user=row.accepted_by, accepted_at=row.accepted_at
    )
