"""The CRM adapter contract, in domain terms: deals, their project ID, project records.

The dashboard proposes "deal X's project ID from A to B" and "a project record for deal X with this
scope"; the adapter knows which property of which object holds each of these in the customer's portal, and
maps names both ways (HubSpot: `services/hubspot/names.py`). So a portal's own names live in its settings
and its adapter, and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from services.models import CrmField, CrmSnapshot, Deal, LineItem, NewProjectRecord, Note, utcnow

__all__ = ["CrmClient", "CrmField", "DealSeen", "IdSearch", "WriteKind", "WriteResult"]

WriteKind = Literal["corrections", "records"]
"""What the dashboard writes: deals' project IDs (corrections and their undo), or project records."""


@dataclass(frozen=True)
class IdSearch:
    """Which other deals a one-deal read brings along: those whose project ID holds `number` (the CRM
    searches for it) and that `keep` says share the deal's ID (the convention's normalization decides)."""

    number: int
    keep: Callable[[str | None], bool]


@dataclass(frozen=True)
class DealSeen:
    """What the CRM's own front end already showed about a deal, handed to a one-deal read so that it need
    not read it again (a HubSpot app card reads the record's associations with HubSpot's `useAssociations`,
    which costs the app no API request, and sends them with its call).

    `contacts`: every contact of the deal with the CRM's association type ids, in the CRM's order. The read
    uses it only when the CRM's own read of the deal lists the very same contacts; otherwise it reads them
    itself. It decides which contact is the deal's primary one, and nothing else."""

    contacts: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True)
class WriteResult:
    """Outcome of a batch write, per key (a record id, or for creates the deal id the record is for).

    `written`: what the CRM confirmed (for creates, the new record's id under "id"); `failed`: the CRM's
    message for records it refused; `unknown`: records whose outcome the CRM did not tell (a timeout or a
    dropped connection after sending): the caller settles them by reading the records again.
    """

    written: dict[str, dict[str, str | None]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    requests: int = 0


class CrmClient(Protocol):
    """What the dashboard reads from and writes to the CRM."""

    label: str
    """The CRM's name for messages and freshness ("HubSpot")."""

    reads_deals_alone: bool = False
    """Whether `fetch_deal_snapshot` reads only the one deal's part (HubSpot); otherwise a full read."""

    @property
    def requests(self) -> int:
        """HTTP exchanges made so far."""
        ...

    def fetch_snapshot(self, *, now: Callable[[], datetime] = utcnow) -> CrmSnapshot:
        """Every deal with what the dashboard shows of it, read now."""
        ...

    def fetch_changes(
        self, previous: CrmSnapshot, since: datetime, *, now: Callable[[], datetime] = utcnow
    ) -> CrmSnapshot | None:
        """`previous` brought up to date with what changed since `since`; None when only a full read can."""
        ...

    def fetch_deal_snapshot(
        self,
        crm_deal_id: str,
        *,
        sharing: Callable[[str | None], IdSearch | None] | None = None,
        seen: DealSeen | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> CrmSnapshot:
        """One deal with what the dashboard shows of it (its project records, companies, contacts, tickets,
        owners), and the deals `sharing(the deal's raw project ID)` asks for, with their companies; no deal
        when the CRM does not know it. `seen` may spare reads of what the CRM's front end already showed
        (its contacts then carry no names). A CRM that cannot read one deal alone reads everything (this
        default): the analysis of a whole snapshot gives the deal the same figures."""
        return self.fetch_snapshot(now=now)

    def fetch_deal_details(self, deal: Deal) -> tuple[list[LineItem], list[Note]]:
        """One deal's line items and notes (read on demand)."""
        ...

    def fetch_line_items(self, ids: Sequence[str]) -> list[LineItem]:
        """Line items by id; ids the CRM does not know are left out."""
        ...

    def read_field(self, name: CrmField, ids: Sequence[str]) -> dict[str, str | None]:
        """The current value of one field on some records ("" and null both read as None); records the CRM
        does not know are left out."""
        ...

    def write_field(self, name: CrmField, values: Mapping[str, str | None]) -> WriteResult:
        """Write one field on many records, in batches; per-record outcomes, never raised."""
        ...

    def project_records_of(self, deal_ids: Sequence[str]) -> dict[str, list[str]]:
        """The project records associated with each deal (deals with none are left out)."""
        ...

    def create_project_records(self, records: Sequence[NewProjectRecord]) -> WriteResult:
        """Create project records, each associated with its deal; keyed by deal id."""
        ...

    def archive_project_records(self, record_ids: Sequence[str]) -> WriteResult:
        """Archive project records (the undo of a create); keyed by record id."""
        ...

    def write_refusal(self, kind: WriteKind) -> str | None:
        """Why the CRM cannot take this kind of write now (a check of its set-up it depends on fails, said
        with what to do), or None when it can."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
