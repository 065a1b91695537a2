"""The shell without Streamlit: read both systems into a snapshot, with freshness and a degraded mode.

A snapshot reads HubSpot and the ERP at the same time. When one of them fails, the snapshot keeps the
other's fresh data and the failed one's last good data (marked stale, with its age and the error in words),
so the pages can still show what is known and say plainly what failed and what to check.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal, TypeVar

from dashboard.roles import Actor, require
from dashboard.transforms.corrections import ProposedCorrection, split_conflicts
from services.errors import ConfigError, ServiceError, ThroughlineError
from services.hubspot import HubSpotClient, new_batch_id
from services.models import CrmSnapshot, ErpSnapshot
from services.store import Correction, NewCorrection, Store

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


def _read(
    label: str, fetch: Callable[[], T], previous: T | None, previous_source: SourceRead | None
) -> tuple[T | None, SourceRead]:
    try:
        data = fetch()
    except ConfigError:
        raise
    except Exception as error:  # any failure of one source must leave the other usable
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
            _read,
            crm_label,
            fetch_crm,
            previous.crm if previous else None,
            previous.crm_source if previous else None,
        )
        erp_f = pool.submit(
            _read,
            erp_label,
            fetch_erp,
            previous.erp if previous else None,
            previous.erp_source if previous else None,
        )
        crm, crm_source = crm_f.result()
        erp, erp_source = erp_f.result()
    return Snapshot(crm=crm, erp=erp, crm_source=crm_source, erp_source=erp_source)


def utcnow() -> datetime:
    return datetime.now(UTC)


# -- corrections: the shell around dashboard/transforms/corrections.py ---------------------------------


@dataclass(frozen=True)
class ApplyReport:
    """What a write-back did, per record: applied, failed (with HubSpot's message) or skipped as conflict."""

    batch_id: str
    applied: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    conflicts: tuple[tuple[str, str | None], ...] = ()
    requests: int = 0

    @property
    def summary(self) -> str:
        parts = [f"{len(self.applied)} applied"]
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        if self.conflicts:
            parts.append(
                f"{len(self.conflicts)} skipped because someone changed them since the page read them"
            )
        return ", ".join(parts)


def apply_corrections(
    crm: HubSpotClient,
    store: Store,
    proposals: Sequence[ProposedCorrection],
    *,
    actor: Actor,
    action: Literal["apply", "undo"] = "apply",
    undoes: Mapping[str, int] | None = None,
) -> ApplyReport:
    """Write `proposals` to the CRM safely.

    1. conflict check: read each record now; a record whose value differs from what the page showed is
       skipped and logged as a conflict; 2. log every other change as pending; 3. write in batches of 100;
    4. settle each log row as applied or failed (with the message). A crash between 3 and 4 leaves pending
    rows that `settle_pending` resolves on the next start by re-reading the CRM.
    """
    require(actor.role, "correct_ids" if action == "apply" else "undo")
    user = actor.email
    batch_id = new_batch_id()
    if not proposals:
        return ApplyReport(batch_id=batch_id)
    start = crm.requests
    by_type: dict[tuple[str, str], list[ProposedCorrection]] = defaultdict(list)
    for p in proposals:
        by_type[(p.object_type, p.field)].append(p)
    applied: list[str] = []
    failed: list[tuple[str, str]] = []
    conflicts: list[tuple[str, str | None]] = []
    for (object_type, field), group in by_type.items():
        current = crm.read_values(object_type, [p.object_id for p in group], [field])
        ready, clashing = split_conflicts(group, current)
        rows = store.log_pending(
            [_entry(p, user, batch_id, action, undoes) for p in ready]
            + [_entry(p, user, batch_id, action, undoes) for p, _ in clashing]
        )
        row_of = {row.object_id: row for row in rows}
        for p, now_value in clashing:
            store.settle(
                row_of[p.object_id].id,
                "conflict",
                error=f"the CRM now holds {now_value!r}, not {p.before!r} as the page showed; not written",
            )
            conflicts.append((p.object_id, now_value))
        result = crm.update_objects(object_type, {p.object_id: {field: p.after} for p in ready})
        for p in ready:
            row = row_of[p.object_id]
            if p.object_id in result.written:
                store.settle(row.id, "applied")
                applied.append(p.object_id)
                if undoes and p.object_id in undoes:
                    store.settle(undoes[p.object_id], "undone")
            else:
                message = result.failed.get(p.object_id, "HubSpot did not confirm the write")
                store.settle(row.id, "failed", error=message)
                failed.append((p.object_id, message))
    return ApplyReport(
        batch_id=batch_id,
        applied=tuple(applied),
        failed=tuple(failed),
        conflicts=tuple(conflicts),
        requests=crm.requests - start,
    )


def undo_corrections(
    crm: HubSpotClient, store: Store, correction_ids: Sequence[int], *, actor: Actor
) -> ApplyReport:
    """Restore the before value of applied corrections (same conflict check), logged as an undo batch."""
    require(actor.role, "undo")
    proposals: list[ProposedCorrection] = []
    undoes: dict[str, int] = {}
    for correction_id in correction_ids:
        c = store.correction(correction_id)
        if c.status != "applied" or c.action not in ("apply", "undo"):
            continue
        proposals.append(
            ProposedCorrection(
                object_type=c.object_type,
                object_id=c.object_id,
                field=c.field,
                before=c.after,
                after=c.before,
                finding_key=c.finding_key,
                label=f"undo of correction {c.id}",
            )
        )
        undoes[c.object_id] = c.id
    return apply_corrections(crm, store, proposals, actor=actor, action="undo", undoes=undoes)


def undo_batch(crm: HubSpotClient, store: Store, batch_id: str, *, actor: Actor) -> ApplyReport:
    """Undo every applied correction of one batch."""
    return undo_corrections(crm, store, [c.id for c in store.corrections(batch_id=batch_id)], actor=actor)


def settle_pending(crm: HubSpotClient, store: Store) -> int:
    """Resolve log rows left pending by a crash, by reading what the CRM now holds. Returns how many."""
    pending = store.pending()
    by_type: dict[tuple[str, str], list[Correction]] = defaultdict(list)
    for c in pending:
        by_type[(c.object_type, c.field)].append(c)
    for (object_type, field), group in by_type.items():
        current = crm.read_values(object_type, [c.object_id for c in group], [field])
        for c in group:
            now_value = (current.get(c.object_id) or {}).get(field) or None
            if now_value == (c.after or None):
                store.settle(c.id, "applied")
                if c.undoes_id is not None:
                    store.settle(c.undoes_id, "undone")
            elif now_value == (c.before or None):
                store.settle(
                    c.id, "failed", error="the write did not reach the CRM (interrupted); nothing changed"
                )
            else:
                store.settle(
                    c.id, "conflict", error=f"the CRM now holds {now_value!r}, neither value of the log"
                )
    return len(pending)


def _entry(
    p: ProposedCorrection, user: str, batch_id: str, action: str, undoes: Mapping[str, int] | None
) -> NewCorrection:
    return NewCorrection(
        user=user,
        system="hubspot",
        object_type=p.object_type,
        object_id=p.object_id,
        field=p.field,
        before=p.before,
        after=p.after,
        finding_key=p.finding_key,
        batch_id=batch_id,
        action=action,  # type: ignore[arg-type]
        undoes_id=(undoes or {}).get(p.object_id),
    )
