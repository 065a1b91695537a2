"""Corrections as values: which CRM records to change, from what to what (the pure half of a write-back).

The core proposes in domain terms ("deal X's project ID from A to B"); the shell (`dashboard/writeback.py`)
applies them (conflict check, pending log row, batch write, settle) and the CRM adapter knows which property
of the portal holds the project ID. Like cosmicpython's `determine_actions`: findings in, frozen proposals
out, nothing read or written here.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from dashboard import columns as c
from dashboard.transforms.audit import Finding
from dashboard.transforms.ids import IdConvention, normalize_id
from services.models import CrmField

DEAL_PROJECT_ID: CrmField = "deal.project_id"


@dataclass(frozen=True)
class ProposedCorrection:
    """One field change on one CRM record, with the value the page showed (`before`)."""

    field: CrmField
    record_id: str
    before: str | None
    after: str | None
    finding_key: str | None
    label: str
    """What a person recognises the record by (the deal's name)."""

    @property
    def record_type(self) -> str:
        """The kind of record, in domain terms ("deal")."""
        return self.field.partition(".")[0]

    @property
    def field_name(self) -> str:
        """The field, in domain terms ("project_id")."""
        return self.field.partition(".")[2]


@dataclass(frozen=True)
class FindingFix:
    """The part of an audit finding a correction needs: the deal it is written to and what it holds now."""

    key: str
    crm_deal_id: str | None
    deal_name: str | None
    raw_id: str | None
    suggested_id: str | None
    band: str


def raw_ids(deals: pd.DataFrame) -> dict[str, str | None]:
    """Deal id -> the project ID it holds now (None when empty). Needs CRM_DEAL_ID, DEAL_RAW_PROJECT_ID."""
    return {
        str(deal_id): raw if isinstance(raw, str) and raw else None
        for deal_id, raw in zip(deals[c.CRM_DEAL_ID], deals[c.DEAL_RAW_PROJECT_ID], strict=True)
    }


def erp_codes(joined: pd.DataFrame) -> set[str]:
    """The ERP's project codes in canonical form (codes that cannot be normalized left out).

    Needs ERP_RECORD_ID, ERP_PROJECT_ID."""
    return {str(code) for code in joined.loc[joined[c.ERP_RECORD_ID].notna(), c.ERP_PROJECT_ID].dropna()}


def finding_fix(finding: Finding, raw: Mapping[str, str | None]) -> FindingFix | None:
    """The deal a finding's suggestion is written to, with what it holds now; None when no deal can take it.

    An orphan ERP project names no deal itself: its best-fitting won deal (`candidates[0]`) takes its code.
    """
    if finding.crm_deal_id is not None:
        return FindingFix(
            key=finding.key,
            crm_deal_id=finding.crm_deal_id,
            deal_name=finding.deal_name,
            raw_id=finding.raw_id,
            suggested_id=finding.suggested_id,
            band=finding.band,
        )
    best = finding.candidates[0] if finding.candidates else None
    if finding.kind != "orphan" or best is None or best.crm_deal_id is None:
        return None
    return FindingFix(
        key=finding.key,
        crm_deal_id=best.crm_deal_id,
        deal_name=best.name,
        raw_id=raw.get(best.crm_deal_id),
        suggested_id=finding.suggested_id,
        band=finding.band,
    )


def propose_id_fixes(fixes: Iterable[FindingFix]) -> list[ProposedCorrection]:
    """A deal ID correction for every fix that names a deal and has a suggested ID different from it."""
    proposals: dict[str, ProposedCorrection] = {}
    for f in fixes:
        if f.crm_deal_id is None or f.suggested_id is None or f.suggested_id == f.raw_id:
            continue
        proposals.setdefault(
            f.crm_deal_id,
            ProposedCorrection(
                field=DEAL_PROJECT_ID,
                record_id=f.crm_deal_id,
                before=f.raw_id,
                after=f.suggested_id,
                finding_key=f.key,
                label=f.deal_name or f"deal {f.crm_deal_id}",
            ),
        )
    return list(proposals.values())


def propose_fixes(findings: Iterable[Finding], raw: Mapping[str, str | None]) -> list[ProposedCorrection]:
    """One deal ID correction per deal for these findings' suggestions (no-op suggestions left out)."""
    return propose_id_fixes(fix for fix in (finding_fix(f, raw) for f in findings) if fix is not None)


def propose_apply_band(
    findings: Iterable[Finding], raw: Mapping[str, str | None]
) -> list[ProposedCorrection]:
    """The corrections for every suggestion confident enough to apply in bulk (band "apply")."""
    return propose_fixes((f for f in findings if f.band == "apply"), raw)


def propose_manual_id(
    finding: Finding,
    typed: str,
    raw: Mapping[str, str | None],
    convention: IdConvention,
    known_codes: Collection[str],
) -> ProposedCorrection:
    """A correction writing an ID a person typed to the finding's deal; ValueError saying what to fix."""
    fix = finding_fix(finding, raw)
    if finding.crm_deal_id is None or fix is None or fix.crm_deal_id is None:
        raise ValueError(
            "this finding is about an ERP project and names no deal to type an ID for; apply its suggestion "
            "if it has one, or accept it"
        )
    canonical = validate_manual_id(typed, convention, known_codes)
    label = fix.deal_name or f"deal {fix.crm_deal_id}"
    if canonical == fix.raw_id:
        raise ValueError(f"{label} already holds {canonical}; there is nothing to write")
    return ProposedCorrection(
        field=DEAL_PROJECT_ID,
        record_id=fix.crm_deal_id,
        before=fix.raw_id,
        after=canonical,
        finding_key=finding.key,
        label=label,
    )


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
    proposals: Iterable[ProposedCorrection], current: Mapping[str, str | None]
) -> tuple[list[ProposedCorrection], list[tuple[ProposedCorrection, str | None]]]:
    """Proposals whose record still holds the value the page showed, and those someone changed since.

    `current` maps record id -> its value now; a record missing from it (deleted since) is a conflict."""
    ready: list[ProposedCorrection] = []
    conflicts: list[tuple[ProposedCorrection, str | None]] = []
    for p in proposals:
        now = _blank(current[p.record_id]) if p.record_id in current else _MISSING
        if now == _blank(p.before):
            ready.append(p)
        else:
            conflicts.append((p, None if now is _MISSING else now))
    return ready, conflicts


def reversed_proposal(
    field: CrmField, record_id: str, before: str | None, after: str | None, label: str, key: str | None
) -> ProposedCorrection:
    """The correction that undoes one: the logged after-value back to the before-value."""
    return ProposedCorrection(
        field=field, record_id=record_id, before=after, after=before, finding_key=key, label=label
    )


def by_field(proposals: Sequence[ProposedCorrection]) -> dict[CrmField, list[ProposedCorrection]]:
    """The proposals grouped by the field they write (one batch write per field)."""
    groups: dict[CrmField, list[ProposedCorrection]] = {}
    for p in proposals:
        groups.setdefault(p.field, []).append(p)
    return groups


_MISSING = "\x00missing"


def _blank(value: str | None) -> str | None:
    """The CRM returns "" and null alike for an emptied field."""
    return None if value is None or value == "" else value
