"""Audit findings on the joined frame: one frozen Finding per problem, with evidence and a suggested fix.

A pure function proposes; the corrections shell applies what a person accepts. Findings ops marked as
accepted (their `key` in `accepted_keys`) stay out of the returned open list.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from dashboard import columns as c
from dashboard.transforms.candidates import Band, Candidate, Row, erp_id, ranked_candidates, suggestion, text
from dashboard.transforms.matching import DEAL_NEEDS, PROJECT_NEEDS, company_similarities, company_similarity
from dashboard.transforms.thresholds import Thresholds
from services.models import CrmDealId, ErpProjectId, ErpRecordId

FindingKind = Literal["missing", "malformed", "dangling", "duplicate", "orphan", "conflict"]
Severity = Literal["high", "medium", "low"]
RowsByKey = Mapping[str, list[Row]]

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
KIND_ORDER = {"missing": 0, "dangling": 1, "duplicate": 2, "conflict": 3, "orphan": 4, "malformed": 5}
_SEEKERS = ("missing", "unnormalizable", "dangling", "misfit")
# The columns the findings read; only these are turned into Python rows, once.
_ROW_COLUMNS = [
    c.CRM_DEAL_ID,
    c.DEAL_NAME,
    c.DEAL_STAGE,
    c.DEAL_IS_WON,
    c.DEAL_AMOUNT,
    c.DEAL_CURRENCY,
    c.CUSTOMER_NAME,
    c.DEAL_RAW_PROJECT_ID,
    c.DEAL_PROJECT_ID,
    c.DEAL_ID_REASON,
    c.DEAL_ID_IS_CANONICAL,
    c.DEAL_ID_SHARED,
    c.MATCH,
    c.LINK_FIT,
    c.FINANCIAL_OWNER,
    c.ERP_NAME,
    c.ERP_RECORD_ID,
    c.ERP_RAW_PROJECT_ID,
    c.ERP_PROJECT_ID,
    c.ERP_ID_REASON,
    c.ERP_ID_DUPLICATED,
    c.ERP_PROJECT_NAME,
    c.ERP_CUSTOMER_NAME,
    c.ERP_CURRENCY,
    c.INVOICED_AMOUNT,
]


@dataclass(frozen=True)
class Finding:
    """One problem, its evidence and the suggested correction; `key` is stable across reads."""

    kind: FindingKind
    severity: Severity
    message: str
    crm_deal_id: CrmDealId | None
    erp_project_id: ErpProjectId | None
    erp_record_id: ErpRecordId | None = None
    deal_name: str | None = None
    raw_id: str | None = None
    normalized_id: str | None = None
    suggested_id: str | None = None
    confidence: float | None = None
    band: Band = "none"
    evidence: tuple[tuple[str, str], ...] = ()
    candidates: tuple[Candidate, ...] = ()
    key: str = field(init=False)

    def __post_init__(self) -> None:
        key = f"{self.kind}:{self.crm_deal_id or ''}:{self.erp_project_id or ''}"
        # A finding with no deal is about one ERP record; codes repeat in the ERP, record ids do not.
        if self.crm_deal_id is None:
            key += f":{self.erp_record_id or ''}"
        object.__setattr__(self, "key", key)


def audit_findings(
    joined: pd.DataFrame, thresholds: Thresholds, accepted_keys: frozenset[str] = frozenset()
) -> list[Finding]:
    """Open findings on `join_projects` output, most severe first, accepted keys left out.

    Most rows have nothing to say, so the checks that decide it run a column at a time first, and only
    the rows they pick (a problem, a possible conflict, an unlinked or misspelt ERP project, a shared ID
    or code) become Python rows for the findings' words."""
    is_deal = joined[c.CRM_DEAL_ID].notna().to_numpy()
    problem_of = _deal_problems(joined)
    seeking_at = [pos for pos, problem in enumerate(problem_of) if problem in _SEEKERS]
    linked_at = np.flatnonzero(
        is_deal
        & (
            np.array([p in ("owner", "malformed") for p in problem_of], dtype=bool)
            | _may_conflict(joined, thresholds)
        )
    )
    unlinked = np.flatnonzero((joined[c.MATCH] == c.MATCH_ERP_ONLY).to_numpy())
    fixable = np.flatnonzero(
        (
            joined[c.ERP_RECORD_ID].notna()
            & joined[c.ERP_PROJECT_ID].notna()
            & ~joined[c.ERP_ID_IS_CANONICAL]
        ).to_numpy()
    )
    shared = np.flatnonzero(is_deal & joined[c.DEAL_ID_SHARED].to_numpy(dtype=bool))
    duplicated_codes = joined[c.ERP_PROJECT_ID].iloc[unlinked][joined[c.ERP_ID_DUPLICATED].iloc[unlinked]]
    coded_at = np.flatnonzero(joined[c.ERP_PROJECT_ID].isin(set(duplicated_codes.dropna())).to_numpy())
    wanted = np.unique(np.concatenate([seeking_at, linked_at, unlinked, fixable, shared, coded_at]))
    row_at = dict(zip(wanted.tolist(), _records(joined[_ROW_COLUMNS].iloc[wanted]), strict=True))
    sharing = _rows_by([row_at[pos] for pos in shared.tolist()], c.DEAL_PROJECT_ID)
    unlinked_rows = [row_at[pos] for pos in unlinked.tolist()]
    for_deals, for_projects = ranked_candidates(
        joined[[*DEAL_NEEDS, c.DEAL_IS_WON]].iloc[seeking_at],
        [row_at[pos] for pos in seeking_at],
        joined[list(PROJECT_NEEDS)].iloc[unlinked],
        unlinked_rows,
    )
    findings = [
        _seeker_finding(row_at[pos], str(problem_of[pos]), for_deals.get(rank, ()), sharing, thresholds)
        for rank, pos in enumerate(seeking_at)
    ]
    for pos in linked_at.tolist():
        findings.extend(_linked_findings(row_at[pos], problem_of[pos], sharing, thresholds))
    claimed = {f.candidates[0].erp_record_id for f in findings if f.band == "apply" and f.candidates}
    coded = _rows_by([row_at[pos] for pos in coded_at.tolist()], c.ERP_PROJECT_ID)
    for pos, row in enumerate(unlinked_rows):
        findings.extend(_unlinked_findings(row, for_projects.get(pos, ()), claimed, coded, thresholds))
    findings.extend(_erp_malformed(row_at[pos]) for pos in fixable.tolist())
    return _open_in_order(findings, joined, accepted_keys)


def _open_in_order(
    findings: list[Finding], joined: pd.DataFrame, accepted_keys: frozenset[str]
) -> list[Finding]:
    # Within a severity and kind, findings follow the joined rows: deals first, then ERP projects.
    position = dict(zip(joined[c.ROW_KEY].tolist(), range(len(joined)), strict=True))
    ordered = sorted(
        findings,
        key=lambda f: (
            SEVERITY_ORDER[f.severity],
            KIND_ORDER[f.kind],
            position.get(
                f"deal:{f.crm_deal_id}" if f.crm_deal_id else f"erp:{f.erp_record_id}", len(position)
            ),
        ),
    )
    return [f for f in ordered if f.key not in accepted_keys]


# --- classifying -------------------------------------------------------------------------------


def _deal_problems(joined: pd.DataFrame) -> list[str | None]:
    """Per row, what is wrong with its deal's ID, if anything (one word; the seekers need candidates);
    None for rows without a deal. In order: no ID (a problem only on a won deal), an ID that does not
    normalize, one no ERP project has, one other deals share (the financial owner or not), a misspelt one."""
    deal = joined[c.CRM_DEAL_ID].notna().to_numpy()
    has_raw = np.array([text(v) is not None for v in joined[c.DEAL_RAW_PROJECT_ID].tolist()], dtype=bool)
    has_reason = np.array([text(v) is not None for v in joined[c.DEAL_ID_REASON].tolist()], dtype=bool)
    won = joined[c.DEAL_IS_WON].to_numpy(dtype=bool)
    dangling = (joined[c.MATCH] == c.MATCH_DEAL_ONLY).to_numpy()
    shared = joined[c.DEAL_ID_SHARED].to_numpy(dtype=bool)
    owner = joined[c.FINANCIAL_OWNER].to_numpy(dtype=bool)
    canonical = joined[c.DEAL_ID_IS_CANONICAL].to_numpy(dtype=bool)
    problem = np.select(
        [
            ~deal,
            ~has_raw & won,
            ~has_raw,
            has_reason,
            dangling,
            shared & owner,
            shared,
            ~canonical,
        ],
        ["", "missing", "", "unnormalizable", "dangling", "owner", "misfit", "malformed"],
        "",
    )
    return [word or None for word in problem.tolist()]


def _may_conflict(joined: pd.DataFrame, t: Thresholds) -> np.ndarray:
    """The rows `_disagreements` may find something on (linked, the project's financial owner, and a
    customer, currency or amount check failing), a column at a time; `_conflict` words them."""
    candidates = (joined[c.MATCH] == c.MATCH_LINKED).to_numpy() & joined[c.FINANCIAL_OWNER].to_numpy(
        dtype=bool
    )
    at = np.flatnonzero(candidates)
    rows = joined[
        [
            c.CUSTOMER_NAME,
            c.ERP_CUSTOMER_NAME,
            c.DEAL_CURRENCY,
            c.ERP_CURRENCY,
            c.DEAL_AMOUNT,
            c.INVOICED_AMOUNT,
        ]
    ].iloc[at]
    similarity = company_similarities(rows[c.CUSTOMER_NAME], rows[c.ERP_CUSTOMER_NAME])
    deal_ccy = [text(v) for v in rows[c.DEAL_CURRENCY].astype(object).tolist()]
    erp_ccy = [text(v) for v in rows[c.ERP_CURRENCY].astype(object).tolist()]
    other_currency = np.array(
        [bool(a and b and a != b) for a, b in zip(deal_ccy, erp_ccy, strict=True)], dtype=bool
    )
    amount = rows[c.DEAL_AMOUNT].to_numpy(dtype="float64", na_value=np.nan)
    invoiced = rows[c.INVOICED_AMOUNT].to_numpy(dtype="float64", na_value=np.nan)
    over = invoiced > amount * (1 + t.conflict_amount_tolerance)  # NaN on either side: False
    flagged = np.zeros(len(joined), dtype=bool)
    flagged[at] = (similarity < t.conflict_name_similarity) | other_currency | over
    return flagged


# --- deal-side findings ------------------------------------------------------------------------------------


def _seeker_finding(
    row: Row, problem: str, candidates: tuple[Candidate, ...], sharing: RowsByKey, t: Thresholds
) -> Finding:
    """A deal with no valid link (missing, unusable, dangling, or sharing an ID it fits worse)."""
    confidence, band = suggestion(candidates, t)
    best = candidates[0] if candidates and band != "none" else None
    won = bool(row[c.DEAL_IS_WON])
    raw, normalized = text(row[c.DEAL_RAW_PROJECT_ID]), text(row[c.DEAL_PROJECT_ID])
    label = _deal_label(row)
    hint = "no ERP project matches well"
    if best:
        hint = f"best ERP match: {_candidate_label(best)} ({best.score:.2f})"
    evidence = _deal_evidence(row)
    if problem == "missing":
        kind: FindingKind = "missing"
        message = f"Won deal {label} has no project ID; {hint}."
    elif problem == "unnormalizable":
        kind = "malformed"
        message = f'Deal {label} has "{raw}", which is not a project ID ({row[c.DEAL_ID_REASON]}); {hint}.'
    elif problem == "dangling":
        kind = "dangling"
        written = "" if row[c.DEAL_ID_IS_CANONICAL] else f' (written "{raw}")'
        message = f"Deal {label} names {normalized}{written}, but no ERP project has that ID; {hint}."
        if not row[c.DEAL_ID_IS_CANONICAL]:
            evidence += (("also malformed", f'"{raw}" is not written {normalized}'),)
    else:
        kind = "duplicate"
        owner = _owner_of(sharing, normalized)
        message = (
            f"Deal {label} shares {normalized} with {owner}, which fits that ERP project better; {hint}."
        )
        evidence += (("fits the ERP project best", f"no, {owner} does"),)
    return Finding(
        kind=kind,
        severity="high" if won or kind == "duplicate" else "low",
        message=message,
        crm_deal_id=CrmDealId(str(row[c.CRM_DEAL_ID])),
        deal_name=text(row[c.DEAL_NAME]),
        erp_project_id=ErpProjectId(normalized) if normalized and kind == "duplicate" else None,
        raw_id=raw,
        normalized_id=normalized,
        suggested_id=best.erp_project_id if best else None,
        confidence=confidence,
        band=band,
        evidence=evidence,
        candidates=candidates,
    )


def _linked_findings(row: Row, problem: str | None, sharing: RowsByKey, t: Thresholds) -> list[Finding]:
    """Findings on a deal that does reach its ERP project: shared best fit, malformed spelling, conflict."""
    findings = []
    if problem == "owner":
        findings.append(_best_fit_duplicate(row, sharing))
    if problem in ("owner", "malformed") and not row[c.DEAL_ID_IS_CANONICAL]:
        findings.append(_malformed(row))
    if row[c.MATCH] == c.MATCH_LINKED and row[c.FINANCIAL_OWNER]:
        conflict = _conflict(row, t)
        if conflict is not None:
            findings.append(conflict)
    return findings


def _best_fit_duplicate(row: Row, sharing: RowsByKey) -> Finding:
    shared = str(row[c.DEAL_PROJECT_ID])
    others = [r for r in sharing.get(shared, []) if r[c.CRM_DEAL_ID] != row[c.CRM_DEAL_ID]]
    names = ", ".join(_deal_label(r) for r in others)
    fit = _number(row[c.LINK_FIT])
    label = _deal_label(row)
    return Finding(
        kind="duplicate",
        severity="high",
        message=f"Deal {label} shares {shared} with {names}; it fits the ERP project best and keeps it.",
        crm_deal_id=CrmDealId(str(row[c.CRM_DEAL_ID])),
        deal_name=text(row[c.DEAL_NAME]),
        erp_project_id=ErpProjectId(shared),
        erp_record_id=ErpRecordId(str(row[c.ERP_RECORD_ID])),
        raw_id=text(row[c.DEAL_RAW_PROJECT_ID]),
        normalized_id=shared,
        suggested_id=shared,
        confidence=round(fit, 3) if fit is not None else None,
        band="review",
        evidence=(*_deal_evidence(row), ("fits the ERP project best", "yes"), ("shared with", names)),
    )


def _malformed(row: Row) -> Finding:
    raw, canonical = str(row[c.DEAL_RAW_PROJECT_ID]), str(row[c.DEAL_PROJECT_ID])
    return Finding(
        kind="malformed",
        severity="low",
        message=f'Deal {_deal_label(row)} has "{raw}"; the convention is {canonical}.',
        crm_deal_id=CrmDealId(str(row[c.CRM_DEAL_ID])),
        deal_name=text(row[c.DEAL_NAME]),
        erp_project_id=ErpProjectId(canonical),
        erp_record_id=ErpRecordId(str(row[c.ERP_RECORD_ID])),
        raw_id=raw,
        normalized_id=canonical,
        suggested_id=canonical,
        confidence=1.0,
        band="apply",
        evidence=_deal_evidence(row),
    )


def _conflict(row: Row, t: Thresholds) -> Finding | None:
    issues = _disagreements(row, t)
    if not issues:
        return None
    code = erp_id(row)
    what = "; ".join(f"{label} {detail}" for label, detail in issues)
    return Finding(
        kind="conflict",
        severity="medium",
        message=f"Deal {_deal_label(row)} and ERP project {code} disagree: {what}.",
        crm_deal_id=CrmDealId(str(row[c.CRM_DEAL_ID])),
        deal_name=text(row[c.DEAL_NAME]),
        erp_project_id=code,
        erp_record_id=ErpRecordId(str(row[c.ERP_RECORD_ID])),
        raw_id=text(row[c.DEAL_RAW_PROJECT_ID]),
        normalized_id=text(row[c.DEAL_PROJECT_ID]),
        evidence=(*_deal_evidence(row), *_erp_evidence(row), *issues),
    )


def _disagreements(row: Row, t: Thresholds) -> tuple[tuple[str, str], ...]:
    issues: list[tuple[str, str]] = []
    crm_name, erp_name = row[c.CUSTOMER_NAME], row[c.ERP_CUSTOMER_NAME]
    similarity = company_similarity(crm_name, erp_name)
    if similarity < t.conflict_name_similarity:
        issues.append(("customer", f'CRM "{crm_name}" vs ERP "{erp_name}" ({similarity:.0%} similar)'))
    deal_ccy, erp_ccy = text(row[c.DEAL_CURRENCY]), text(row[c.ERP_CURRENCY])
    amount, invoiced = _number(row[c.DEAL_AMOUNT]), _number(row[c.INVOICED_AMOUNT])
    if deal_ccy and erp_ccy and deal_ccy != erp_ccy:
        issues.append(("currency", f"deal in {deal_ccy}, ERP project in {erp_ccy}"))
    elif (
        amount is not None and invoiced is not None and invoiced > amount * (1 + t.conflict_amount_tolerance)
    ):
        issues.append(
            (
                "amount",
                f"invoiced {invoiced:,.2f} exceeds contract value {amount:,.2f} "
                f"by more than {t.conflict_amount_tolerance:.0%}",
            )
        )
    return tuple(issues)


# --- ERP-side findings -------------------------------------------------------------------------------------


def _unlinked_findings(
    row: Row,
    candidates: tuple[Candidate, ...],
    claimed: set[ErpRecordId | None],
    coded: RowsByKey,
    t: Thresholds,
) -> list[Finding]:
    """An ERP project no deal reaches: a duplicate code, or an orphan unless a deal's finding claims it."""
    record = ErpRecordId(str(row[c.ERP_RECORD_ID]))
    code = erp_id(row)
    if row[c.ERP_ID_DUPLICATED]:
        same = [r[c.ERP_RECORD_ID] for r in coded.get(code or "", []) if r[c.ERP_RECORD_ID] != record]
        holder = ", ".join(f"record {r}" for r in dict.fromkeys(same))
        message = f"ERP project {_project_label(row)} (record {record}) has code {code}, as does {holder}."
        return [
            Finding(
                kind="duplicate",
                severity="high",
                message=message,
                crm_deal_id=None,
                erp_project_id=code,
                erp_record_id=record,
                raw_id=text(row[c.ERP_RAW_PROJECT_ID]),
                normalized_id=code,
                evidence=(*_erp_evidence(row), ("code also on", holder)),
            )
        ]
    if record in claimed:
        return []
    confidence, band = suggestion(candidates, t)
    best = candidates[0] if candidates and band != "none" else None
    hint = (
        f'best deal match: "{best.name}" ({best.score:.2f})'
        if best
        else "no won deal without a project matches well"
    )
    return [
        Finding(
            kind="orphan",
            severity="medium",
            message=f"ERP project {_project_label(row)} has no deal; {hint}.",
            crm_deal_id=None,
            erp_project_id=code,
            erp_record_id=record,
            raw_id=text(row[c.ERP_RAW_PROJECT_ID]),
            normalized_id=code,
            suggested_id=code if best else None,
            confidence=confidence,
            band=band,
            evidence=_erp_evidence(row),
            candidates=candidates,
        )
    ]


def _erp_malformed(row: Row) -> Finding:
    raw, canonical = str(row[c.ERP_RAW_PROJECT_ID]), ErpProjectId(str(row[c.ERP_PROJECT_ID]))
    return Finding(
        kind="malformed",
        severity="low",
        message=f'ERP project {_project_label(row)} has code "{raw}"; the convention is {canonical}.',
        crm_deal_id=None,
        erp_project_id=canonical,
        erp_record_id=ErpRecordId(str(row[c.ERP_RECORD_ID])),
        raw_id=raw,
        normalized_id=canonical,
        suggested_id=canonical,
        confidence=1.0,
        band="apply",
        evidence=_erp_evidence(row),
    )


# --- small helpers -----------------------------------------------------------------------------------------


def _owner_of(sharing: RowsByKey, shared: str | None) -> str:
    owner = next((r for r in sharing.get(shared or "", []) if r[c.FINANCIAL_OWNER]), None)
    return _deal_label(owner) if owner is not None else "another deal"


def _candidate_label(candidate: Candidate) -> str:
    return f"{candidate.erp_project_id or 'record ' + str(candidate.erp_record_id)} {candidate.name}"


def _deal_evidence(row: Row) -> tuple[tuple[str, str], ...]:
    evidence = [
        ("system", "CRM deal"),
        ("record", f"{row[c.DEAL_NAME]} ({row[c.CRM_DEAL_ID]})"),
        ("stage", str(row[c.DEAL_STAGE])),
        ("raw ID", repr(row[c.DEAL_RAW_PROJECT_ID]) if text(row[c.DEAL_RAW_PROJECT_ID]) else "(empty)"),
        ("normalized ID", text(row[c.DEAL_PROJECT_ID]) or "—"),
    ]
    if reason := text(row[c.DEAL_ID_REASON]):
        evidence.append(("why not normalized", reason))
    if customer := text(row[c.CUSTOMER_NAME]):
        evidence.append(("customer", customer))
    if (amount := _number(row[c.DEAL_AMOUNT])) is not None:
        evidence.append(("amount", f"{amount:,.2f} {row[c.DEAL_CURRENCY]}"))
    return tuple(evidence)


def _erp_evidence(row: Row) -> tuple[tuple[str, str], ...]:
    raw = row[c.ERP_RAW_PROJECT_ID]
    evidence = [
        ("system", f"ERP project ({row[c.ERP_NAME]})"),
        ("record", f"{row[c.ERP_PROJECT_NAME]} (record {row[c.ERP_RECORD_ID]})"),
        ("ERP code", repr(raw) if text(raw) else "(empty)"),
        ("normalized code", text(row[c.ERP_PROJECT_ID]) or "—"),
    ]
    if reason := text(row[c.ERP_ID_REASON]):
        evidence.append(("why not normalized", reason))
    if customer := text(row[c.ERP_CUSTOMER_NAME]):
        evidence.append(("ERP customer", customer))
    if (invoiced := _number(row[c.INVOICED_AMOUNT])) is not None:
        evidence.append(("invoiced", f"{invoiced:,.2f} {row[c.ERP_CURRENCY]}"))
    return tuple(evidence)


def _deal_label(row: Row) -> str:
    name = text(row[c.DEAL_NAME])
    return f'"{name}"' if name else f"{row[c.CRM_DEAL_ID]}"


def _project_label(row: Row) -> str:
    code = erp_id(row) or "(no code)"
    return f'{code} "{row[c.ERP_PROJECT_NAME]}"'


def _records(frame: pd.DataFrame) -> list[Row]:
    # Object dtype first: iterating Arrow-backed string columns value by value is several times slower.
    # Zipping whole columns beats DataFrame.to_dict, which boxes every cell on its own.
    columns = [frame[column].astype(object).tolist() for column in _ROW_COLUMNS]
    return [dict(zip(_ROW_COLUMNS, values, strict=True)) for values in zip(*columns, strict=True)]


def _rows_by(rows: list[Row], column: str) -> RowsByKey:
    """The rows with a text value in `column`, grouped by it, in their order."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        if isinstance(key := row[column], str):
            grouped.setdefault(key, []).append(row)
    return grouped


def _number(value: object) -> float | None:
    if type(value) is float:  # the common case, without the slower abstract-class check below
        return None if math.isnan(value) else value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        return None if math.isnan(number) else number
    return None
