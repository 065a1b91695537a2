"""Candidates for a link: the unlinked ERP projects that could be a seeking deal's, and the won deals that
could be an unlinked project's, ranked by the fit `matching.fit_matrix` scores, with the suggestion's band.

Pure, like the audit that uses it (dashboard/transforms/audit.py): it proposes, a person decides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from dashboard import columns as c
from dashboard.transforms.matching import Signals, fit_matrix, fit_reasons
from dashboard.transforms.thresholds import Thresholds
from services.models import CrmDealId, ErpProjectId, ErpRecordId

Band = Literal["apply", "review", "none"]
Row = Mapping[str, object]
CandidateMaker = Callable[[Row, Mapping[str, float]], "Candidate"]

TOP_CANDIDATES = 3


@dataclass(frozen=True)
class Candidate:
    """A possible other side of a link: an ERP project for a deal, or a deal for an ERP project."""

    score: float
    reasons: tuple[str, ...]
    name: str
    erp_project_id: ErpProjectId | None = None
    erp_record_id: ErpRecordId | None = None
    crm_deal_id: CrmDealId | None = None


def ranked_candidates(
    seekers: pd.DataFrame, seeker_rows: list[Row], unlinked: pd.DataFrame, unlinked_rows: list[Row]
) -> tuple[dict[int, tuple[Candidate, ...]], dict[int, tuple[Candidate, ...]]]:
    """Unlinked ERP projects ranked for each seeking deal, and won seeking deals ranked for each project."""
    fit = fit_matrix(seekers, unlinked)
    for_deals = _ranked(fit, np.arange(len(unlinked_rows)), unlinked_rows, _project_candidate)
    won = np.flatnonzero(seekers[c.DEAL_IS_WON].to_numpy(dtype=bool))
    transposed = {key: grid.T for key, grid in fit.items()}
    for_projects = _ranked(transposed, won, seeker_rows, _deal_candidate)
    return for_deals, for_projects


def _ranked(
    fit: Signals, others: np.ndarray, rows: list[Row], make: CandidateMaker
) -> dict[int, tuple[Candidate, ...]]:
    """The best few of the `others` columns (score > 0) for each row of `fit`, best first.

    Equal scores keep the column order. `rows` are indexed by column.
    """
    score = fit[c.FIT_SCORE][:, others]
    ranked: dict[int, tuple[Candidate, ...]] = {}
    for pos, picks in enumerate(_top(score, TOP_CANDIDATES)):
        candidates = tuple(
            make(rows[col], {key: float(grid[pos, col]) for key, grid in fit.items()})
            for col in others[picks]
            if fit[c.FIT_SCORE][pos, col] > 0
        )
        if candidates:
            ranked[pos] = candidates
    return ranked


def _top(score: np.ndarray, k: int) -> list[np.ndarray]:
    """Per row, the columns of the k highest scores, highest first, equal scores in column order."""
    k = min(k, score.shape[1])
    if k == 0:
        return [np.empty(0, dtype="int64")] * len(score)
    # Partitioning finds each row's k-th highest score in linear time; only the few columns at or above
    # it need sorting.
    kth = np.partition(score, score.shape[1] - k, axis=1)[:, score.shape[1] - k]
    tops = []
    for row, floor in zip(score, kth, strict=True):
        cols = np.flatnonzero(row >= floor)
        tops.append(cols[np.argsort(-row[cols], kind="stable")][:k])
    return tops


def _project_candidate(row: Row, signals: Mapping[str, float]) -> Candidate:
    customer = text(row[c.ERP_CUSTOMER_NAME])
    name = f"{row[c.ERP_PROJECT_NAME]}" + (f" ({customer})" if customer else "")
    return Candidate(
        score=round(float(signals[c.FIT_SCORE]), 3),
        reasons=fit_reasons(signals),
        name=name,
        erp_project_id=erp_id(row),
        erp_record_id=ErpRecordId(str(row[c.ERP_RECORD_ID])),
    )


def _deal_candidate(row: Row, signals: Mapping[str, float]) -> Candidate:
    return Candidate(
        score=round(float(signals[c.FIT_SCORE]), 3),
        reasons=fit_reasons(signals),
        name=text(row[c.DEAL_NAME]) or f"deal {row[c.CRM_DEAL_ID]}",
        crm_deal_id=CrmDealId(str(row[c.CRM_DEAL_ID])),
    )


def suggestion(candidates: tuple[Candidate, ...], t: Thresholds) -> tuple[float | None, Band]:
    """The best candidate's score and its band: "apply" (bulk) only when it clears `match_apply` and no
    runner-up comes within `match_margin` of it; two close candidates are for a person to choose."""
    if not candidates:
        return None, "none"
    score = candidates[0].score
    runner_up = candidates[1].score if len(candidates) > 1 else 0.0
    if score >= t.match_apply and score - runner_up >= t.match_margin:
        return score, "apply"
    return score, "review" if score >= t.match_review else "none"


def text(value: object) -> str | None:
    """A text with something in it, else None."""
    return value if isinstance(value, str) and value.strip() else None


def erp_id(row: Row) -> ErpProjectId | None:
    """The row's normalized ERP project ID, if it has one."""
    code = text(row[c.ERP_PROJECT_ID])
    return ErpProjectId(code) if code else None
