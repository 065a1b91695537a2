"""Corrections as values: which CRM records to change, from what to what (the pure half of a write-back).

The shell (`dashboard/usecases.py`) applies them: conflict check, pending log row, batch write, settle.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from dashboard.transforms.ids import IdConvention, normalize_id

DEALS = "deals"


@dataclass(frozen=True)
class ProposedCorrection:
    """One property change on one CRM record, with the value the page showed (`before`)."""

    object_type: str
    object_id: str
    field: str
    before: str | None
    after: str | None
    finding_key: str | None
    label: str
    """What a person recognises the record by (the deal's name)."""


@dataclass(frozen=True)
class FindingFix:
    """The part of an audit finding a correction needs (keeps this module free of the audit's types)."""

    key: str
    crm_deal_id: str | None
    deal_name: str | None
    raw_id: str | None
    suggested_id: str | None
    band: str


def propose_id_fixes(findings: Iterable[FindingFix], property_name: str) -> list[ProposedCorrection]:
    """A deal ID correction for every finding that names a deal and has a suggested ID different from it."""
    proposals: dict[str, ProposedCorrection] = {}
    for f in findings:
        if f.crm_deal_id is None or f.suggested_id is None or f.suggested_id == f.raw_id:
            continue
        proposals.setdefault(
            f.crm_deal_id,
            ProposedCorrection(
                object_type=DEALS,
                object_id=f.crm_deal_id,
                field=property_name,
                before=f.raw_id,
                after=f.suggested_id,
                finding_key=f.key,
                label=f.deal_name or f"deal {f.crm_deal_id}",
            ),
        )
    return list(proposals.values())


def apply_band(findings: Iterable[FindingFix]) -> list[FindingFix]:
    """The findings whose suggestion is confident enough to apply in bulk (band "apply")."""
    return [f for f in findings if f.band == "apply"]


def validate_manual_id(raw: str, convention: IdConvention, erp_ids: Collection[str]) -> str:
    """The canonical form of an ID a person typed; ValueError saying what to fix when it is unusable."""
    normalized = normalize_id(raw, convention)
    if normalized.canonical is None:
        raise ValueError(
            f'"{raw.strip()}" is not a project ID ({normalized.reason}); the convention is '
            f"{convention.pattern}, e.g. {convention.example()}"
        )
    if normalized.canonical not in erp_ids:
        raise ValueError(f"{normalized.canonical} names no ERP project; check the number in the ERP")
    return normalized.canonical


def split_conflicts(
    proposals: Iterable[ProposedCorrection], current: dict[str, dict[str, str | None]]
) -> tuple[list[ProposedCorrection], list[tuple[ProposedCorrection, str | None]]]:
    """Proposals whose record still holds the value the page showed, and those someone changed since."""
    ready: list[ProposedCorrection] = []
    conflicts: list[tuple[ProposedCorrection, str | None]] = []
    for p in proposals:
        values = current.get(p.object_id)
        now = _blank(values.get(p.field)) if values is not None else _MISSING
        if now == _blank(p.before):
            ready.append(p)
        else:
            conflicts.append((p, None if now is _MISSING else now))
    return ready, conflicts


_MISSING = "\x00missing"


def _blank(value: str | None) -> str | None:
    """HubSpot returns "" and null alike for an emptied property."""
    return None if value is None or value == "" else value
