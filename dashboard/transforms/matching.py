"""How well a deal fits an ERP project: rapidfuzz name similarity plus amount, date and ID closeness.

Each signal is a fraction 0..1 or NaN when a side lacks the data; the score is the weighted mean of the
signals present, and 0 when neither the customer nor the project name can be compared (amount and dates
alone are too common to suggest a link). `pair_scores` scores row i against row i; `fit_matrix` scores
every deal against every project, comparing each distinct pair of names once (rapidfuzz `cdist`).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein
from rapidfuzz.utils import default_process

from dashboard import columns as c

WEIGHTS = {c.FIT_CUSTOMER: 0.4, c.FIT_NAME: 0.3, c.FIT_AMOUNT: 0.2, c.FIT_DATE: 0.1, c.FIT_ID: 0.3}
DATE_HORIZON_DAYS = 120
"""A project starting this many days or more from the deal's close date gets no date credit."""
LEGAL_FORMS = frozenset(
    "gmbh mbh ag kg co ug se ltd limited inc incorporated corp corporation plc llc llp lp "
    "sa sas sarl srl spa bv nv oy ab pty".split()
)

DEAL_NEEDS = (c.CUSTOMER_NAME, c.DEAL_NAME, c.DEAL_AMOUNT, c.DEAL_CURRENCY, c.CLOSE_DATE, c.DEAL_PROJECT_ID)
PROJECT_NEEDS = (
    c.ERP_CUSTOMER_NAME,
    c.ERP_PROJECT_NAME,
    c.PLANNED_REVENUE_AMOUNT,
    c.INVOICED_AMOUNT,
    c.ERP_CURRENCY,
    c.ERP_START_DATE,
    c.ERP_PROJECT_ID,
)
_DAY_NS = 86_400_000_000_000

Signals = dict[str, np.ndarray]


def company_key(name: object) -> str:
    """A customer name lower-cased, without punctuation and legal forms (GmbH, Ltd, Inc, plc, ...)."""
    return _company_key(name) if isinstance(name, str) else ""


@lru_cache(maxsize=1 << 16)
def _company_key(name: str) -> str:
    # Cached: the same few thousand customer names come back for every pair and every read.
    text = default_process(unicodedata.normalize("NFKC", name).replace(".", ""))
    return " ".join(word for word in text.split() if word not in LEGAL_FORMS)


def company_similarity(a: object, b: object) -> float:
    """Similarity 0..1 of two customer names after `company_key`; NaN when either is missing."""
    left, right = company_key(a), company_key(b)
    if not left or not right:
        return float("nan")
    return float(fuzz.token_set_ratio(left, right)) / 100


def company_similarities(left: pd.Series, right: pd.Series) -> np.ndarray:
    """`company_similarity` of left[i] and right[i] for every i, as one array."""
    return _pairwise_similarity(_keys(left), _keys(right), None)


def pair_scores(deals: pd.DataFrame, projects: pd.DataFrame, *, compare_ids: bool = True) -> pd.DataFrame:
    """Signals and fit score of deal row i against project row i (DEAL_NEEDS, PROJECT_NEEDS columns).

    `compare_ids=False` leaves the ID signal out, for pairs already linked by their ID.
    """
    d = deals.reset_index(drop=True)
    p = projects.reset_index(drop=True)
    ids = zip(d[c.DEAL_PROJECT_ID].tolist(), p[c.ERP_PROJECT_ID].tolist(), strict=True)
    signals: Signals = {
        c.FIT_CUSTOMER: company_similarities(d[c.CUSTOMER_NAME], p[c.ERP_CUSTOMER_NAME]),
        c.FIT_NAME: _pairwise_similarity(
            d[c.DEAL_NAME].tolist(), p[c.ERP_PROJECT_NAME].tolist(), default_process
        ),
        c.FIT_AMOUNT: _amount_fit(*_amounts(d, p)),
        c.FIT_DATE: _date_fit(_dates(d[c.CLOSE_DATE]), _dates(p[c.ERP_START_DATE])),
        c.FIT_ID: np.array([_id_fit(x, y) for x, y in ids] if compare_ids else [np.nan] * len(d), "float64"),
    }
    signals[c.FIT_SCORE] = _score(signals)
    return pd.DataFrame(signals, columns=[*WEIGHTS, c.FIT_SCORE])


def fit_matrix(deals: pd.DataFrame, projects: pd.DataFrame) -> Signals:
    """Every deal against every project: each signal and fit_score as a (deals x projects) array.

    Needs DEAL_NEEDS and PROJECT_NEEDS columns; row i, column j scores deal row i against project row j
    exactly as `pair_scores` would.
    """
    d = deals.reset_index(drop=True)
    p = projects.reset_index(drop=True)
    amount, planned, invoiced, same_currency = _amounts(d, p, grid=True)
    signals: Signals = {
        c.FIT_CUSTOMER: _similarity_grid(_keys(d[c.CUSTOMER_NAME]), _keys(p[c.ERP_CUSTOMER_NAME]), None),
        c.FIT_NAME: _similarity_grid(
            d[c.DEAL_NAME].tolist(), p[c.ERP_PROJECT_NAME].tolist(), default_process
        ),
        c.FIT_AMOUNT: _amount_fit(amount, planned, invoiced, same_currency),
        c.FIT_DATE: _date_fit(_dates(d[c.CLOSE_DATE])[:, None], _dates(p[c.ERP_START_DATE])[None, :]),
        c.FIT_ID: _id_grid(d[c.DEAL_PROJECT_ID].tolist(), p[c.ERP_PROJECT_ID].tolist()),
    }
    signals[c.FIT_SCORE] = _score(signals)
    return signals


def fit_reasons(signals: Mapping[str, float]) -> tuple[str, ...]:
    """The signals behind one fit score, in words ("customer 92 % similar", ...)."""
    words = {
        c.FIT_CUSTOMER: "customer {:.0%} similar",
        c.FIT_NAME: "name {:.0%} similar",
        c.FIT_AMOUNT: "amount {:.0%} close",
        c.FIT_DATE: "dates {:.0%} close",
        c.FIT_ID: "ID with two digits swapped",
    }
    return tuple(text.format(signals[key]) for key, text in words.items() if not math.isnan(signals[key]))


def _score(signals: Mapping[str, np.ndarray]) -> np.ndarray:
    """The weighted mean of the signals present; 0 when neither name can be compared."""
    numerator: np.ndarray | float = 0.0
    denominator: np.ndarray | float = 0.0
    for key, weight in WEIGHTS.items():
        present = ~np.isnan(signals[key])
        numerator = numerator + np.where(present, signals[key], 0.0) * weight
        denominator = denominator + present * weight
    comparable = ~np.isnan(signals[c.FIT_CUSTOMER]) | ~np.isnan(signals[c.FIT_NAME])
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.asarray(numerator) / denominator
    return np.clip(np.where(comparable, score, 0.0), 0, 1)


def _keys(names: pd.Series) -> list[str]:
    return [company_key(name) for name in names.tolist()]


def _no_text(value: object) -> bool:
    return not isinstance(value, str) or not value.strip()


def _pairwise_similarity(
    left: Sequence[object], right: Sequence[object], processor: Callable[[str], str] | None
) -> np.ndarray:
    """token_set_ratio / 100 of left[i] and right[i] for every i (NaN where either has no text), scored in
    one call (rapidfuzz `cpdist`, the pairwise twin of `cdist`)."""
    scores = np.full(len(left), np.nan)
    at = [i for i, (a, b) in enumerate(zip(left, right, strict=True)) if not (_no_text(a) or _no_text(b))]
    if at:
        prepare = processor or str  # the texts as rapidfuzz's processor would hand them to the scorer
        scores[at] = (
            process.cpdist(
                [prepare(str(left[i])) for i in at],
                [prepare(str(right[i])) for i in at],
                scorer=fuzz.token_set_ratio,
                dtype=np.float64,
                workers=-1,
            )
            / 100
        )
    return scores


def _similarity_grid(
    left: Sequence[object], right: Sequence[object], processor: Callable[[str], str] | None
) -> np.ndarray:
    """token_set_ratio / 100 of every left text against every right one (NaN for no text), each distinct
    pair of texts scored once."""
    grid = np.full((len(left), len(right)), np.nan)
    rows = [i for i, value in enumerate(left) if not _no_text(value)]
    cols = [j for j, value in enumerate(right) if not _no_text(value)]
    if rows and cols:
        left_texts, left_at = np.unique(np.array([left[i] for i in rows], dtype=object), return_inverse=True)
        right_texts, right_at = np.unique(
            np.array([right[j] for j in cols], dtype=object), return_inverse=True
        )
        distinct = process.cdist(
            list(left_texts),
            list(right_texts),
            scorer=fuzz.token_set_ratio,
            processor=processor,
            dtype=np.float64,
            workers=-1,
        )
        grid[np.ix_(rows, cols)] = distinct[np.ix_(left_at, right_at)] / 100
    return grid


def _id_fit(a: object, b: object) -> float:
    # Transposed digits are a telling typo; a single changed digit is not (dozens of IDs are one digit
    # apart), and a different ID says nothing either way, so only the near miss counts.
    if not isinstance(a, str) or not isinstance(b, str) or sorted(a) != sorted(b):
        return float("nan")
    return 1.0 if DamerauLevenshtein.distance(a, b) <= 1 else float("nan")


def _id_grid(deal_ids: Sequence[object], project_ids: Sequence[object]) -> np.ndarray:
    """`_id_fit` of every deal ID against every project ID; only IDs with the same characters can fit."""
    grid = np.full((len(deal_ids), len(project_ids)), np.nan)
    by_letters: dict[str, list[int]] = {}
    for j, code in enumerate(project_ids):
        if isinstance(code, str):
            by_letters.setdefault("".join(sorted(code)), []).append(j)
    for i, code in enumerate(deal_ids):
        if isinstance(code, str):
            for j in by_letters.get("".join(sorted(code)), []):
                grid[i, j] = _id_fit(code, project_ids[j])
    return grid


def _amounts(
    d: pd.DataFrame, p: pd.DataFrame, *, grid: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Deal amount, planned revenue, invoiced amount and same-currency-and-positive, pairwise or as a grid."""
    amount = d[c.DEAL_AMOUNT].to_numpy(dtype="float64", na_value=np.nan)
    planned = p[c.PLANNED_REVENUE_AMOUNT].to_numpy(dtype="float64", na_value=np.nan)
    invoiced = p[c.INVOICED_AMOUNT].to_numpy(dtype="float64", na_value=np.nan)
    deal_ccy, erp_ccy = d[c.DEAL_CURRENCY].to_numpy(), p[c.ERP_CURRENCY].to_numpy()
    if grid:
        amount, deal_ccy = amount[:, None], deal_ccy[:, None]
        planned, invoiced, erp_ccy = planned[None, :], invoiced[None, :], erp_ccy[None, :]
    return amount, planned, invoiced, (deal_ccy == erp_ccy) & (amount > 0)


def _amount_fit(
    amount: np.ndarray, planned: np.ndarray, invoiced: np.ndarray, same_currency: np.ndarray
) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        to_plan = 1 - np.abs(amount - planned) / np.maximum(amount, planned)
        # Invoiced is only a lower bound (billing may be partial): below the amount it proves nothing,
        # above it the deal is too small for this project by that ratio.
        to_invoiced = np.where(invoiced > amount, amount / invoiced, np.nan)
    fit = np.where(planned > 0, to_plan, to_invoiced)
    return np.where(same_currency, fit, np.nan)


def _dates(stamps: pd.Series) -> np.ndarray:
    return stamps.to_numpy(dtype="datetime64[ns]")


def _date_fit(close: np.ndarray, start: np.ndarray) -> np.ndarray:
    apart = start - close  # NaT when either date is missing
    days = np.abs(apart.view("int64") // _DAY_NS).astype("float64")
    fit = np.clip(1 - days / DATE_HORIZON_DAYS, 0, None)
    return np.where(np.isnat(apart), np.nan, fit)
