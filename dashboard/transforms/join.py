"""The join: deals, CRM project records and ERP projects on the normalized project ID.

One row per deal (matched or not) and one per ERP project no deal names; nothing is dropped or doubled.
Two deals naming one ERP project give two rows pointing at it; one of them is its financial owner, so
portfolio sums count the project's money once. The owner is the original deal (the earlier close) unless a
later one fits the ERP project better by at least `owner_margin`: a later phase of the same customer's work
that reused the first deal's ID fits that project nearly as well, and must not take it on a coincidence of
amounts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import columns as c
from dashboard.transforms.ids import IdConvention, normalizer
from dashboard.transforms.matching import DEAL_NEEDS, PROJECT_NEEDS, pair_scores

_KEY = "_join_key"
_ORDER = "_order"
_FALSE_WHEN_ABSENT = (
    c.DEAL_IS_WON,
    c.DEAL_IS_CLOSED,
    c.DEAL_ID_IS_CANONICAL,
    c.DEAL_ID_SHARED,
    c.ERP_ID_IS_CANONICAL,
    c.ERP_ID_DUPLICATED,
    c.HAS_ACTUALS,
)


def join_projects(
    deals: pd.DataFrame,
    crm_projects: pd.DataFrame,
    erp_projects: pd.DataFrame,
    convention: IdConvention,
    owner_margin: float = 0.10,
) -> pd.DataFrame:
    """Deals, their project records and ERP projects side by side, one row per deal or unnamed ERP project.

    Takes `deals_frame`, `crm_projects_frame` and `erp_projects_frame` output; adds row_key, the normalized
    IDs and their reasons, deal_id_shared, erp_id_duplicated, crm_project_record_count, match
    (linked | deal_only | erp_only), link_fit and financial_owner.
    """
    left = _deals_with_records(_deals_with_ids(deals, convention), crm_projects)
    right = _erp_with_keys(erp_projects, convention)
    # Deals in their input order first, then the ERP projects no deal names, in theirs: a left join and
    # the rest appended gives that order without sorting the keys (as an outer join would) or the rows.
    # one ERP row per key by construction (`_erp_with_keys`), so the merge is not asked to check it
    joined = left.merge(right, on=_KEY, how="left")
    unnamed = right[~right[_KEY].isin(left[_KEY])]
    if len(unnamed):
        joined = pd.concat([joined, unnamed], ignore_index=True)
    # which side a row has: every deal row has an order, every ERP row an ERP order
    deal_side, erp_side = joined[_ORDER].notna().to_numpy(), joined["_erp_order"].notna().to_numpy()
    match = np.where(deal_side, np.where(erp_side, c.MATCH_LINKED, c.MATCH_DEAL_ONLY), c.MATCH_ERP_ONLY)
    joined[c.MATCH] = pd.Series(match, index=joined.index, dtype="str")
    for column in _FALSE_WHEN_ABSENT:
        joined[column] = joined[column].eq(True)
    joined[c.CRM_PROJECT_RECORD_COUNT] = joined[c.CRM_PROJECT_RECORD_COUNT].fillna(0).astype("int64")
    row_keys = [
        f"deal:{deal}" if is_deal else f"erp:{record}"
        for is_deal, deal, record in zip(
            joined[c.CRM_DEAL_ID].notna().tolist(),
            joined[c.CRM_DEAL_ID].tolist(),
            joined[c.ERP_RECORD_ID].tolist(),
            strict=True,
        )
    ]
    joined[c.ROW_KEY] = pd.Series(row_keys, index=joined.index, dtype="str")
    joined = _with_financial_owner(joined, owner_margin)
    return joined.drop(columns=[_KEY, _ORDER, "_erp_order"])


def _deals_with_ids(deals: pd.DataFrame, convention: IdConvention) -> pd.DataFrame:
    out = _normalized(
        deals, c.DEAL_RAW_PROJECT_ID, c.DEAL_PROJECT_ID, c.DEAL_ID_REASON, c.DEAL_ID_IS_CANONICAL, convention
    )
    out[_ORDER] = range(len(deals))
    shared = out.groupby(c.DEAL_PROJECT_ID)[c.CRM_DEAL_ID].transform("size")
    out[c.DEAL_ID_SHARED] = shared.reindex(out.index).gt(1)
    # A deal without a usable ID gets a key no ERP project has (pandas would otherwise match NaN to NaN).
    out[_KEY] = pd.Series(
        [key if isinstance(key, str) else f"\x00deal:{at}" for at, key in enumerate(out[c.DEAL_PROJECT_ID])],
        index=out.index,
        dtype="object",
    )
    return out


def _normalized(
    frame: pd.DataFrame, raw: str, canonical: str, reason: str, is_canonical: str, convention: IdConvention
) -> pd.DataFrame:
    """A copy of `frame` with the canonical form of its `raw` ID column, the reason, and is-canonical."""
    normalize = normalizer(convention)
    ids = [normalize(value if isinstance(value, str) else None) for value in frame[raw].tolist()]
    return frame.assign(  # copy-on-write: the input's columns are shared, not copied
        **{
            canonical: pd.Series([n.canonical for n in ids], index=frame.index, dtype="object"),
            reason: pd.Series([n.reason for n in ids], index=frame.index, dtype="object"),
            is_canonical: pd.Series([n.is_canonical for n in ids], index=frame.index, dtype="bool"),
        }
    )


def _deals_with_records(deals: pd.DataFrame, crm_projects: pd.DataFrame) -> pd.DataFrame:
    # A deal with several project records shows the most recently updated one and says how many it has.
    # (Each deal's first row in this order is its pick; the deals' own order does not matter, as the
    # merge keeps the deals' order.)
    records = crm_projects[crm_projects[c.CRM_DEAL_ID].notna()].sort_values(
        [c.PROJECT_UPDATED_AT, c.CRM_PROJECT_RECORD_ID], ascending=[False, True], na_position="last"
    )
    counts = records.groupby(c.CRM_DEAL_ID).size()
    first = records.drop_duplicates(c.CRM_DEAL_ID)  # one row per deal: the merge needs no validation
    out = deals.merge(first, on=c.CRM_DEAL_ID, how="left")
    out[c.CRM_PROJECT_RECORD_COUNT] = out[c.CRM_DEAL_ID].map(counts).fillna(0).astype("int64")
    return out


def _erp_with_keys(erp_projects: pd.DataFrame, convention: IdConvention) -> pd.DataFrame:
    out = _normalized(
        erp_projects,
        c.ERP_RAW_PROJECT_ID,
        c.ERP_PROJECT_ID,
        c.ERP_ID_REASON,
        c.ERP_ID_IS_CANONICAL,
        convention,
    )
    out["_erp_order"] = range(len(erp_projects))
    # The ERP does not force codes to be unique; deals link to the lowest record id and the rest stay
    # unlinked (and flagged) rather than doubling the deal.
    codes = out[c.ERP_PROJECT_ID].iloc[np.argsort(_natural(out[c.ERP_RECORD_ID]).to_numpy(), kind="stable")]
    coded = codes.notna()
    first = coded & ~codes.duplicated(keep="first")
    out[c.ERP_ID_DUPLICATED] = (coded & codes.duplicated(keep=False)).reindex(out.index)
    linkable = first.reindex(out.index).tolist()
    out[_KEY] = pd.Series(
        [
            code if ok else f"\x00erp:{at}"
            for at, (code, ok) in enumerate(zip(out[c.ERP_PROJECT_ID], linkable, strict=True))
        ],
        index=out.index,
        dtype="object",
    )
    return out


def _natural(record_ids: pd.Series) -> pd.Series:
    # ERP record ids are numeric strings: "9" sorts before "12"; any other id keeps its input order.
    numeric = pd.to_numeric(record_ids, errors="coerce")
    return numeric.fillna(float("inf"))


def _with_financial_owner(joined: pd.DataFrame, owner_margin: float) -> pd.DataFrame:
    linked = joined[c.MATCH] == c.MATCH_LINKED
    fit = pd.Series(float("nan"), index=joined.index)
    if linked.any():
        rows = joined.loc[linked, [*DEAL_NEEDS, *PROJECT_NEEDS]]
        fit[linked] = pair_scores(rows, rows, compare_ids=False)[c.FIT_SCORE].to_numpy()
    out = joined.assign(**{c.LINK_FIT: fit})
    out[_ORDER] = out[_ORDER].fillna(out["_erp_order"])
    shared = out[linked & out[c.DEAL_ID_SHARED]]
    owners = set(out.index[linked & ~out[c.DEAL_ID_SHARED]]) | _owners(shared, owner_margin)
    out[c.FINANCIAL_OWNER] = out.index.isin(owners) | ~linked
    return out


def _owners(shared: pd.DataFrame, margin: float) -> set[object]:
    """Per ERP project several deals name, the index of the deal that owns it: the original (earliest
    close, then earliest created, then input order) unless another fits the project better by `margin` or
    more. One sort per criterion for all projects at once (a sort per project costs ~70x more at 10,000
    deals)."""
    if shared.empty:
        return set()
    by_age = shared.sort_values(
        [c.ERP_RECORD_ID, c.CLOSE_DATE, c.DEAL_CREATED_AT, _ORDER], na_position="last", kind="stable"
    )
    original = by_age.drop_duplicates(c.ERP_RECORD_ID)
    by_fit = shared.sort_values(
        [c.ERP_RECORD_ID, c.LINK_FIT, _ORDER],
        ascending=[True, False, True],
        na_position="last",
        kind="stable",
    )
    best = by_fit.drop_duplicates(c.ERP_RECORD_ID)
    original_fit = original.set_index(c.ERP_RECORD_ID)[c.LINK_FIT].astype("float64")
    best_fit = best.set_index(c.ERP_RECORD_ID)[c.LINK_FIT].astype("float64")
    best_at = pd.Series(best.index, index=best[c.ERP_RECORD_ID])
    original_at = pd.Series(original.index, index=original[c.ERP_RECORD_ID])
    gain = best_fit - original_fit.reindex(best_fit.index)
    # NaN (no fit to compare) keeps the original
    takes = gain.ge(margin)
    return set(best_at[takes.to_numpy()]) | set(original_at.reindex(takes.index)[~takes.to_numpy()])
