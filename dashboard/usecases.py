"""The shell without Streamlit: read both systems into a snapshot, with freshness and a degraded mode.

A snapshot reads HubSpot and the ERP at the same time. When one of them fails, the snapshot keeps the
other's fresh data and the failed one's last good data (marked stale, with its age and the error in words),
so the pages can still show what is known and say plainly what failed and what to check.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TypeVar

from services.errors import ConfigError, ServiceError, ThroughlineError
from services.models import CrmSnapshot, ErpSnapshot

T = TypeVar("T")


@dataclass(frozen=True)
class SourceRead:
    """How one source's data in the snapshot came to be: when it was read, and what failed if anything."""

    label: str
    read_at: datetime | None
    error: str | None = None
    stale: bool = False
    requests: int = 0

    def age_s(self, now: datetime) -> float | None:
        return (now - self.read_at).total_seconds() if self.read_at else None


@dataclass(frozen=True)
class Snapshot:
    crm: CrmSnapshot | None
    erp: ErpSnapshot | None
    crm_source: SourceRead
    erp_source: SourceRead

    @property
    def complete(self) -> bool:
        return self.crm is not None and self.erp is not None

    @property
    def version(self) -> str:
        """Changes whenever either source's data changes (a cache key for the analysis)."""
        return f"{self.crm_source.read_at}|{self.erp_source.read_at}"


def explain(error: BaseException) -> str:
    """A message a person can act on: what failed and what to check. Never a traceback."""
    if isinstance(error, ServiceError):
        return f"{error} — {error.hint}."
    if isinstance(error, ThroughlineError):
        return str(error)
    return f"unexpected {type(error).__name__}; the details are in the server log"


def _read(label: str, fetch: Callable[[], T], previous: T | None, previous_source: SourceRead | None) -> tuple[T | None, SourceRead]:
    try:
        data = fetch()
    except ConfigError:
        raise
    except Exception as error:  # noqa: BLE001 - any failure of one source must leave the other usable
        if previous is not None and previous_source is not None:
            return previous, replace(previous_source, error=explain(error), stale=True, requests=0)
        return None, SourceRead(label=label, read_at=None, error=explain(error), stale=True)
    read_at = getattr(data, "read_at", None)
    return data, SourceRead(label=label, read_at=read_at, requests=int(getattr(data, "requests", 0)))


def load_snapshot(
    fetch_crm: Callable[[], CrmSnapshot],
    fetch_erp: Callable[[], ErpSnapshot],
    *,
    crm_label: str = "HubSpot",
    erp_label: str = "Odoo",
    previous: Snapshot | None = None,
) -> Snapshot:
    """Read both sources concurrently; a failed source falls back to its part of `previous`."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        crm_f = pool.submit(
            _read, crm_label, fetch_crm, previous.crm if previous else None, previous.crm_source if previous else None
        )
        erp_f = pool.submit(
            _read, erp_label, fetch_erp, previous.erp if previous else None, previous.erp_source if previous else None
        )
        crm, crm_source = crm_f.result()
        erp, erp_source = erp_f.result()
    return Snapshot(crm=crm, erp=erp, crm_source=crm_source, erp_source=erp_source)


def utcnow() -> datetime:
    return datetime.now(UTC)
