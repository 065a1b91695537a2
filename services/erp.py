"""The ERP adapter contract: every ERP client (Odoo, Tryton, QuickBooks; later NetSuite, SAP) fills it whole.

An adapter reads its ERP into the common model of `services.models` (projects, per-project actuals and
receivables, costs positive) and maps every name of its ERP (fields, versions, plans) inside itself, so that
nothing outside the composition root (`dashboard/wiring.py`) knows which ERP it holds.

Incremental reads: a full read returns the snapshot and the adapter's own `marks` (whatever it needs to tell
later what changed: Odoo keeps per-account sums, QuickBooks a change-data-capture time). `fetch_changes`
brings a previous read up to date from those marks, or returns None when the ERP cannot say what changed
(Tryton keeps no change log a client can read): the caller then reads everything.

Writes (the Closed Won workflow, dashboard/closed_won.py): `create_project` makes a project carrying the
shared project ID, with the customer named; it first looks for an active project with that ID and returns it
(`created` False) instead of making a second, so a retry after a lost answer never duplicates. Each adapter
puts the ID where its reads find it (Odoo: the analytic account's code; Tryton: the work's number;
QuickBooks: the place its settings name). `archive_project` is the undo: the project is archived (inactive),
never deleted, as each ERP does for records with history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.models import ErpDocumentLine, ErpRecordId, ErpSnapshot, utcnow


@dataclass(frozen=True)
class CreatedProject:
    """The ERP project carrying a project ID: its record id, and whether this call made it."""

    erp_record_id: ErpRecordId
    created: bool
    """False when the ERP already had an active project with this ID (nothing was written)."""


@dataclass(frozen=True)
class ErpRead:
    """One read of the ERP: the snapshot, and the adapter's marks for the next incremental read."""

    snapshot: ErpSnapshot
    marks: object | None = None
    """Opaque to callers; None when the adapter keeps none (its `fetch_changes` then reads nothing)."""


class ErpClient(Protocol):
    """What the dashboard needs from an ERP: the portfolio's projects and actuals, what changed, one project's
    lines."""

    label: str
    """The ERP's name for messages and freshness ("Odoo", "Tryton", "QuickBooks")."""

    @property
    def requests(self) -> int:
        """HTTP exchanges made so far."""
        ...

    def fetch_read(self, *, now: Callable[[], datetime] = utcnow) -> ErpRead:
        """Projects, per-project actuals and receivables, read now, with the marks for `fetch_changes`."""
        ...

    def fetch_changes(
        self, previous: ErpRead, since: datetime, *, now: Callable[[], datetime] = utcnow
    ) -> ErpRead | None:
        """`previous` brought up to date with what changed since `since` (when the read that made it began);
        None when this ERP cannot say what changed, so the caller reads everything."""
        ...

    def fetch_snapshot(self, *, now: Callable[[], datetime] = utcnow) -> ErpSnapshot:
        """A full read's snapshot (for reports and scripts that keep no marks)."""
        return self.fetch_read(now=now).snapshot

    def fetch_project_documents(self, erp_record_id: str) -> list[ErpDocumentLine]:
        """The lines behind one project's figures (read on demand)."""
        ...

    def create_project(self, project_id: str, name: str, customer: str | None) -> CreatedProject:
        """The active project carrying `project_id`, made now (with `name`, for `customer`) unless one
        exists."""
        ...

    def archive_project(self, erp_record_id: str) -> None:
        """Archive one project (the undo of `create_project`); archiving an archived project is no error."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
