"""Audit findings on the joined frame: one frozen Finding per problem, with evidence and a suggested fix.

A pure function proposes; the corrections shell applies what a person accepts. Findings ops marked as
accepted (their `key` in `accepted_keys`) stay out of the returned open list.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, cast

import numpy as np
import pandas as pd

from dashboard import columns as c
from dashboard.transforms.matching import candidate_scores, company_similarity, fit_reasons
from dashboard.transforms.thresholds import Thresholds
from services.models import CrmDealId, ErpProjectId, ErpRecordId

FindingKind = Literal["missing", "malformed", "dangling", "duplicate", "orphan", "conflict"]
Severity = Literal["high", "medium", "low"]
Band = Literal["apply", "review", "none"]
Row = Mapping[str, object]
CandidateMaker = Callable[[Row, pd.Series], "Candidate"]

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
KIND_ORDER = {"missing": 0, "dangling": 1, "duplicate": 2, "conflict": 3, "orphan": 4, "malformed": 5}
TOP_CANDIDATES = 3
_SEEKERS = ("missing", "unnormalizable", "dangling", "misfit")


@dataclass(frozen=True)
class Candidate:
    """A possible other side of a link: an ERP project for a deal, or a deal for an ERP project."""

    score: float
    reasons: tuple[str, ...]
    name: str
    erp_project_id: ErpProjectId | None = None
    erp_record_id: ErpRecordId | None = None
    crm_deal_id: CrmDealId | None = None


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
    """Open findings on `join_projects` output, most severe first, accepted keys left out."""
    deals = joined[joined[c.CRM_DEAL_ID].notna()]
    deal_rows = _records(deals)
    problems = [_deal_problem(row) for row in deal_rows]
    seeking = [pos for pos, problem in enumerate(problems) if problem in _SEEKERS]
    unlinked = joined[joined[c.MATCH] == c.MATCH_ERP_ONLY]
    for_deals, for_projects = _candidates(deals.iloc[seeking], [deal_rows[pos] for pos in seeking], unlinked)
    findings = [
        _seeker_finding(deal_rows[pos], str(problems[pos]), for_deals.get(rank, ()), deals, thresholds)
        for rank, pos in enumerate(seeking)
    ]
    for row, problem in zip(deal_rows, problems, strict=True):
        findings.extend(_linked_findings(row, problem, deals, thresholds))
    claimed = {f.candidates[0].erp_record_id for f in findings if f.band == "apply" and f.candidates}
    for pos, row in enumerate(_records(unlinked)):
        findings.extend(_unlinked_findings(row, for_projects.get(pos, ()), claimed, joined, thresholds))
    fixable = (
        joined[c.ERP_RECORD_ID].notna() & joined[c.ERP_PROJECT_ID].notna() & ~joined[c.ERP_ID_IS_CANONICAL]
    )
    findings.extend(_erp_malformed(row) for row in _records(joined[fixable]))
    return _open_in_order(findings, joined, accepted_keys)


def _open_in_order(
    findings: list[Finding], joined: pd.DataFrame, accepted_keys: frozenset[str]
) -> list[Finding]:
    # Within a severity and kind, findings follow the joined rows: deals first, then ERP projects.
    position = {key: pos for pos, key in enumerate(joined[c.ROW_KEY])}
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


# --- classifying and ranking -------------------------------------------------------------------------------


def _deal_problem(row: Row) -> str | None:
    """What is wrong with a deal's ID, if anything (one word; the seekers need candidates)."""
    if _text(row[c.DEAL_RAW_PROJECT_ID]) is None:
        return "missing" if row[c.DEAL_IS_WON] else None
    if _text(row[c.DEAL_ID_REASON]) is not None:
        return "unnormalizable"
    if row[c.MATCH] == c.MATCH_DEAL_ONLY:
        return "dangling"
    if row[c.DEAL_ID_SHARED]:
        return "owner" if row[c.FINANCIAL_OWNER] else "misfit"
    return None if row[c.DEAL_ID_IS_CANONICAL] else "malformed"


def _candidates(
    seekers: pd.DataFrame, seeker_rows: list[Row], unlinked: pd.DataFrame
) -> tuple[dict[int, tuple[Candidate, ...]], dict[int, tuple[Candidate, ...]]]:
    """Unlinked ERP projects ranked for each seeking deal, and won seeking deals ranked for each project."""
    scores = candidate_scores(seekers, unlinked)
    for_deals = _ranked(scores, c.DEAL_POS, c.PROJECT_POS, _records(unlinked), _project_candidate)
    won = np.flatnonzero(seekers[c.DEAL_IS_WON].to_numpy(dtype=bool))
    for_projects = _ranked(
        scores[scores[c.DEAL_POS].isin(won)], c.PROJECT_POS, c.DEAL_POS, seeker_rows, _deal_candidate
    )
    return for_deals, for_projects


def _ranked(
    scores: pd.DataFrame, by: str, other: str, rows: list[Row], make: CandidateMaker
) -> dict[int, tuple[Candidate, ...]]:
    """The best few candidates (score > 0) per position of `by`, best first."""
    best = (
        scores[scores[c.FIT_SCORE] > 0]
        .sort_values([by, c.FIT_SCORE, other], ascending=[True, False, True], kind="stable")
        .groupby(by)
        .head(TOP_CANDIDATES)
    )
    ranked: dict[int, list[Candidate]] = {}
    for signals in _series(best):
        ranked.setdefault(int(signals[by]), []).append(make(rows[int(signals[other])], signals))
    return {pos: tuple(cands) for pos, cands in ranked.items()}


def _project_candidate(row: Row, signals: pd.Series) -> Candidate:
    customer = _text(row[c.ERP_CUSTOMER_NAME])
    name = f"{row[c.ERP_PROJECT_NAME]}" + (f" ({customer})" if customer else "")
    return Candidate(
        score=round(float(signals[c.FIT_SCORE]), 3),
        reasons=fit_reasons(signals),
        name=name,
        erp_project_id=_erp_id(row),
        erp_record_id=ErpRecordId(str(row[c.ERP_RECORD_ID])),
    )


def _deal_candidate(row: Row, signals: pd.Series) -> Candidate:
    return Candidate(
        score=round(float(signals[c.FIT_SCORE]), 3),
        reasons=fit_reasons(signals),
        name=_text(row[c.DEAL_NAME]) or f"deal {row[c.CRM_DEAL_ID]}",
        crm_deal_id=CrmDealId(str(row[c.CRM_DEAL_ID])),
    )


def _suggestion(candidates: tuple[Candidate, ...], t: Thresholds) -> tuple[float | None, Band]:
    if not candidates:
        return None, "none"
    score = candidates[0].score
    return score, "apply" if score >= t.match_apply else "review" if score >= t.match_review else "none"


# --- deal-side findings ------------------------------------------------------------------------------------


def _seeker_finding(
    row: Row, problem: str, candidates: tuple[Candidate, ...], deals: pd.DataFrame, t: Thresholds
) -> Finding:
    """A deal with no valid link (missing, unusable, dangling, or sharing an ID it fits worse)."""
    confidence, band = _suggestion(candidates, t)
    best = candidates[0] if candidates and band != "none" else None
    won = bool(row[c.DEAL_IS_WON])
    raw, normalized = _text(row[c.DEAL_RAW_PROJECT_ID]), _text(row[c.DEAL_PROJECT_ID])
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
        owner = _owner_of(deals, normalized)
        message = (
            f"Deal {label} shares {normalized} with {owner}, which fits that ERP project better; {hint}."
        )
        evidence += (("fits the ERP project best", f"no, {owner} does"),)
    return Finding(
        kind=kind,
        severity="high" if won or kind == "duplicate" else "low",
        message=message,
        crm_deal_id=CrmDealId(str(row[c.CRM_DEAL_ID])),
        deal_name=_text(row[c.DEAL_NAME]),
        erp_project_id=ErpProjectId(normalized) if normalized and kind == "duplicate" else None,
        raw_id=raw,
        normalized_id=normalized,
        suggested_id=best.erp_project_id if best else None,
        confidence=confidence,
        band=band,
        evidence=evidence,
        candidates=candidates,
    )


def _linked_findings(row: Row, problem: str | None, deals: pd.DataFrame, t: Thresholds) -> list[Finding]:
    """Findings on a deal that does reach its ERP project: shared best fit, malformed spelling, conflict."""
    findings = []
    if problem == "owner":
        findings.append(_best_fit_duplicate(row, deals))
    if problem in ("owner", "malformed") and not row[c.DEAL_ID_IS_CANONICAL]:
        findings.append(_malformed(row))
    if row[c.MATCH] == c.MATCH_LINKED and row[c.FINANCIAL_OWNER]:
        conflict = _conflict(row, t)
        if conflict is not None:
            findings.append(conflict)
    return findings


def _best_fit_duplicate(row: Row, deals: pd.DataFrame) -> Finding:
    shared = str(row[c.DEAL_PROJECT_ID])
    others = deals[(deals[c.DEAL_PROJECT_ID] == shared) & (deals[c.CRM_DEAL_ID] != row[c.CRM_DEAL_ID])]
    names = ", ".join(_deal_label(r) for r in _records(others))
    fit = _number(row[c.LINK_FIT])
    label = _deal_label(row)
    return Finding(
        kind="duplicate",
        severity="high",
        message=f"Deal {label} shares {shared} with {names}; it fits the ERP project best and keeps it.",
        crm_deal_id=CrmDealId(str(row[c.CRM_DEAL_ID])),
        deal_name=_text(row[c.DEAL_NAME]),
        erp_project_id=ErpProjectId(shared),
        erp_record_id=ErpRecordId(str(row[c.ERP_RECORD_ID])),
        raw_id=_text(row[c.DEAL_RAW_PROJECT_ID]),
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
        deal_name=_text(row[c.DEAL_NAME]),
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
    code = _erp_id(row)
    what = "; ".join(f"{label} {detail}" for label, detail in issues)
    return Finding(
        kind="conflict",
        severity="medium",
        message=f"Deal {_deal_label(row)} and ERP project {code} disagree: {what}.",
        crm_deal_id=CrmDealId(str(row[c.CRM_DEAL_ID])),
        deal_name=_text(row[c.DEAL_NAME]),
        erp_project_id=code,
        erp_record_id=ErpRecordId(str(row[c.ERP_RECORD_ID])),
        raw_id=_text(row[c.DEAL_RAW_PROJECT_ID]),
        normalized_id=_text(row[c.DEAL_PROJECT_ID]),
        evidence=(*_deal_evidence(row), *_erp_evidence(row), *issues),
    )


def _disagreements(row: Row, t: Thresholds) -> tuple[tuple[str, str], ...]:
    issues: list[tuple[str, str]] = []
    crm_name, erp_name = row[c.CUSTOMER_NAME], row[c.ERP_CUSTOMER_NAME]
    similarity = company_similarity(crm_name, erp_name)
    if similarity < t.conflict_name_similarity:
        issues.append(("customer", f'CRM "{crm_name}" vs ERP "{erp_name}" ({similarity:.0%} similar)'))
    deal_ccy, erp_ccy = _text(row[c.DEAL_CURRENCY]), _text(row[c.ERP_CURRENCY])
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
    joined: pd.DataFrame,
    t: Thresholds,
) -> list[Finding]:
    """An ERP project no deal reaches: a duplicate code, or an orphan unless a deal's finding claims it."""
    record = ErpRecordId(str(row[c.ERP_RECORD_ID]))
    code = _erp_id(row)
    if row[c.ERP_ID_DUPLICATED]:
        same = joined[(joined[c.ERP_PROJECT_ID] == code) & (joined[c.ERP_RECORD_ID] != record)]
        holder = ", ".join(f"record {r}" for r in dict.fromkeys(same[c.ERP_RECORD_ID]))
        message = f"ERP project {_project_label(row)} (record {record}) has code {code}, as does {holder}."
        return [
            Finding(
                kind="duplicate",
                severity="high",
                message=message,
                crm_deal_id=None,
                erp_project_id=code,
                erp_record_id=record,
                raw_id=_text(row[c.ERP_RAW_PROJECT_ID]),
                normalized_id=code,
                evidence=(*_erp_evidence(row), ("code also on", holder)),
            )
        ]
    if record in claimed:
        return []
    confidence, band = _suggestion(candidates, t)
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
            raw_id=_text(row[c.ERP_RAW_PROJECT_ID]),
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


def _owner_of(deals: pd.DataFrame, shared: str | None) -> str:
    owners = deals[(deals[c.DEAL_PROJECT_ID] == shared) & deals[c.FINANCIAL_OWNER]]
    return _deal_label(_records(owners)[0]) if len(owners) else "another deal"


def _candidate_label(candidate: Candidate) -> str:
    return f"{candidate.erp_project_id or 'record ' + str(candidate.erp_record_id)} {candidate.name}"


def _deal_evidence(row: Row) -> tuple[tuple[str, str], ...]:
    evidence = [
        ("system", "CRM deal"),
        ("record", f"{row[c.DEAL_NAME]} ({row[c.CRM_DEAL_ID]})"),
        ("stage", str(row[c.DEAL_STAGE])),
        ("raw ID", repr(row[c.DEAL_RAW_PROJECT_ID]) if _text(row[c.DEAL_RAW_PROJECT_ID]) else "(empty)"),
        ("normalized ID", _text(row[c.DEAL_PROJECT_ID]) or "—"),
    ]
    if reason := _text(row[c.DEAL_ID_REASON]):
        evidence.append(("why not normalized", reason))
    if customer := _text(row[c.CUSTOMER_NAME]):
        evidence.append(("customer", customer))
    if (amount := _number(row[c.DEAL_AMOUNT])) is not None:
        evidence.append(("amount", f"{amount:,.2f} {row[c.DEAL_CURRENCY]}"))
    return tuple(evidence)


def _erp_evidence(row: Row) -> tuple[tuple[str, str], ...]:
    raw = row[c.ERP_RAW_PROJECT_ID]
    evidence = [
        ("system", f"ERP project ({row[c.ERP_NAME]})"),
        ("record", f"{row[c.ERP_PROJECT_NAME]} (record {row[c.ERP_RECORD_ID]})"),
        ("ERP code", repr(raw) if _text(raw) else "(empty)"),
        ("normalized code", _text(row[c.ERP_PROJECT_ID]) or "—"),
    ]
    if reason := _text(row[c.ERP_ID_REASON]):
        evidence.append(("why not normalized", reason))
    if customer := _text(row[c.ERP_CUSTOMER_NAME]):
        evidence.append(("ERP customer", customer))
    if (invoiced := _number(row[c.INVOICED_AMOUNT])) is not None:
        evidence.append(("invoiced", f"{invoiced:,.2f} {row[c.ERP_CURRENCY]}"))
    return tuple(evidence)


def _deal_label(row: Row) -> str:
    name = _text(row[c.DEAL_NAME])
    return f'"{name}"' if name else f"{row[c.CRM_DEAL_ID]}"


def _project_label(row: Row) -> str:
    code = _erp_id(row) or "(no code)"
    return f'{code} "{row[c.ERP_PROJECT_NAME]}"'


def _erp_id(row: Row) -> ErpProjectId | None:
    code = _text(row[c.ERP_PROJECT_ID])
    return ErpProjectId(code) if code else None


def _records(frame: pd.DataFrame) -> list[Row]:
    # Object dtype first: iterating Arrow-backed string columns value by value is several times slower.
    return cast(list[Row], frame.astype(object).to_dict("records"))


def _series(frame: pd.DataFrame) -> list[pd.Series]:
    return [row for _, row in frame.iterrows()]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _number(value: object) -> float | None:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        return None if math.isnan(number) else number
    return None
