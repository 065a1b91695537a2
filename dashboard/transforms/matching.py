"""How well a deal fits an ERP project: rapidfuzz name similarity plus amount, date and ID closeness.

Each signal is a fraction 0..1 or NaN when a side lacks the data; the score is the weighted mean of the
signals present, and 0 when neither the customer nor the project name can be compared (amount and dates
alone are too common to suggest a link).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
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


def company_key(name: object) -> str:
    """A customer name lower-cased, without punctuation and legal forms (GmbH, Ltd, Inc, plc, ...)."""
    if not isinstance(name, str):
        return ""
    text = default_process(unicodedata.normalize("NFKC", name).replace(".", ""))
    return " ".join(word for word in text.split() if word not in LEGAL_FORMS)


def company_similarity(a: object, b: object) -> float:
    """Similarity 0..1 of two customer names after `company_key`; NaN when either is missing."""
    left, right = company_key(a), company_key(b)
    if not left or not right:
        return float("nan")
    return float(fuzz.token_set_ratio(left, right)) / 100


def pair_scores(deals: pd.DataFrame, projects: pd.DataFrame, *, compare_ids: bool = True) -> pd.DataFrame:
    """Signals and fit score of deal row i against project row i (DEAL_NEEDS, PROJECT_NEEDS columns).

    `compare_ids=False` leaves the ID signal out, for pairs already linked by their ID.
    """
    d = deals.reset_index(drop=True)
    p = projects.reset_index(drop=True)
    signals = pd.DataFrame(
        {
            c.FIT_CUSTOMER: [
                company_similarity(x, y)
                for x, y in zip(d[c.CUSTOMER_NAME], p[c.ERP_CUSTOMER_NAME], strict=True)
            ],
            c.FIT_NAME: [
                _name_similarity(x, y) for x, y in zip(d[c.DEAL_NAME], p[c.ERP_PROJECT_NAME], strict=True)
            ],
            c.FIT_AMOUNT: _amount_fit(d, p),
            c.FIT_DATE: _date_fit(d[c.CLOSE_DATE], p[c.ERP_START_DATE]),
            c.FIT_ID: [_id_fit(x, y) for x, y in zip(d[c.DEAL_PROJECT_ID], p[c.ERP_PROJECT_ID], strict=True)],
        },
        dtype="float64",
    )
    if not compare_ids:
        signals[c.FIT_ID] = float("nan")
    present = signals.notna()
    weights = pd.Series(WEIGHTS)
    numerator = signals.fillna(0).mul(weights).sum(axis=1)
    denominator = present.mul(weights).sum(axis=1)
    comparable = present[c.FIT_CUSTOMER] | present[c.FIT_NAME]
    signals[c.FIT_SCORE] = (numerator / denominator).where(comparable, 0.0).clip(0, 1)
    return signals


def candidate_scores(deals: pd.DataFrame, projects: pd.DataFrame) -> pd.DataFrame:
    """Every deal against every project: deal_pos, project_pos (row positions), signals and fit score."""
    deal_pos = np.repeat(np.arange(len(deals)), len(projects))
    project_pos = np.tile(np.arange(len(projects)), len(deals))
    scores = pair_scores(deals.iloc[deal_pos], projects.iloc[project_pos])
    scores.insert(0, c.PROJECT_POS, project_pos)
    scores.insert(0, c.DEAL_POS, deal_pos)
    return scores


def fit_reasons(signals: pd.Series) -> tuple[str, ...]:
    """The signals behind one fit score, in words ("customer 92 % similar", ...)."""
    words = {
        c.FIT_CUSTOMER: "customer {:.0%} similar",
        c.FIT_NAME: "name {:.0%} similar",
        c.FIT_AMOUNT: "amount {:.0%} close",
        c.FIT_DATE: "dates {:.0%} close",
        c.FIT_ID: "ID with two digits swapped",
    }
    return tuple(text.format(signals[key]) for key, text in words.items() if pd.notna(signals[key]))


def _name_similarity(a: object, b: object) -> float:
    if not isinstance(a, str) or not isinstance(b, str) or not a.strip() or not b.strip():
        return float("nan")
    return float(fuzz.token_set_ratio(a, b, processor=default_process)) / 100


def _id_fit(a: object, b: object) -> float:
    # Transposed digits are a telling typo; a single changed digit is not (dozens of IDs are one digit
    # apart), and a different ID says nothing either way, so only the near miss counts.
    if not isinstance(a, str) or not isinstance(b, str) or sorted(a) != sorted(b):
        return float("nan")
    return 1.0 if DamerauLevenshtein.distance(a, b) <= 1 else float("nan")


def _amount_fit(d: pd.DataFrame, p: pd.DataFrame) -> np.ndarray:
    amount = d[c.DEAL_AMOUNT].to_numpy(dtype="float64", na_value=np.nan)
    planned = p[c.PLANNED_REVENUE_AMOUNT].to_numpy(dtype="float64", na_value=np.nan)
    invoiced = p[c.INVOICED_AMOUNT].to_numpy(dtype="float64", na_value=np.nan)
    same_currency = (d[c.DEAL_CURRENCY].to_numpy() == p[c.ERP_CURRENCY].to_numpy()) & (amount > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        to_plan = 1 - np.abs(amount - planned) / np.maximum(amount, planned)
        # Invoiced is only a lower bound (billing may be partial): below the amount it proves nothing,
        # above it the deal is too small for this project by that ratio.
        to_invoiced = np.where(invoiced > amount, amount / invoiced, np.nan)
    fit = np.where(planned > 0, to_plan, to_invoiced)
    return np.where(same_currency, fit, np.nan)


def _date_fit(close: pd.Series, start: pd.Series) -> np.ndarray:
    days = (start.reset_index(drop=True) - close.reset_index(drop=True)).dt.days.abs()
    fit = (1 - days / DATE_HORIZON_DAYS).clip(lower=0)
    return fit.to_numpy(dtype="float64", na_value=np.nan)
