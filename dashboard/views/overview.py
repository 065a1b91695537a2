"""The overview's decisions: which projects need attention and why, in words, and the cash card's rows."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import pandas as pd

from dashboard import columns as c
from dashboard.format import money, plural
from dashboard.transforms.attention import money_at_risk
from dashboard.views.project import project_href, project_params

REASON = "reason"
_REASON_INPUTS = [c.CURRENCY, c.MARGIN_LOST_AMOUNT, c.COST_BURN_PCT, c.EAC_AMOUNT, c.EST_COST_AMOUNT,
                  c.OVERDUE_AMOUNT, c.MAX_DAYS_PAST_DUE, c.EARLY_FORECAST_FLAG]  # fmt: skip


def reason(row: Mapping[Hashable, Any]) -> str:
    """Why a project needs attention, in one line: "cost at 192% of estimate · 8,000 unpaid for 227 days"."""
    parts: list[str] = []
    ccy = row[c.CURRENCY] if isinstance(row[c.CURRENCY], str) else None
    lost = row[c.MARGIN_LOST_AMOUNT]
    if lost > 0:
        burn = row[c.COST_BURN_PCT]
        eac, est = row[c.EAC_AMOUNT], row[c.EST_COST_AMOUNT]
        if pd.notna(burn) and burn >= 1:
            parts.append(f"cost at {burn * 100:.0f}% of estimate")
        elif pd.notna(est) and est > 0:
            parts.append(f"forecast cost at {eac / est * 100:.0f}% of estimate")
        parts.append(f"{money(lost, ccy)} margin lost")
    overdue = row[c.OVERDUE_AMOUNT]
    if overdue > 0:
        days = int(row[c.MAX_DAYS_PAST_DUE])
        parts.append(f"{money(overdue, ccy)} unpaid for {plural(days, 'day')}")
    if bool(row[c.EARLY_FORECAST_FLAG]):
        parts.append("too early to extrapolate")
    return " · ".join(parts)


def attention_rows(
    figures: pd.DataFrame, reporting_currency: str, rates: Mapping[str, float]
) -> pd.DataFrame:
    """`money_at_risk` rows, the most first, with a reason in words and the Project page link."""
    rows = money_at_risk(figures, reporting_currency, rates)
    if rows.empty:
        return rows.assign(**{REASON: pd.Series(dtype="object"), c.PROJECT_LINK: pd.Series(dtype="object")})
    return rows.assign(
        **{
            REASON: [reason(row) for row in rows[_REASON_INPUTS].to_dict("records")],  # no Series a row
            c.PROJECT_LINK: [project_href(param) for param in project_params(rows)],
        }
    )


def invoice_links(invoices: pd.DataFrame) -> pd.DataFrame:
    """The cash card's overdue invoices with their Project page link (none for an unlinked project)."""
    links = [
        project_href(str(erp if pd.notna(erp) else deal)) if pd.notna(erp) or pd.notna(deal) else None
        for erp, deal in zip(invoices[c.ERP_PROJECT_ID], invoices[c.CRM_DEAL_ID], strict=True)
    ]
    return invoices.assign(**{c.PROJECT_LINK: pd.Series(links, index=invoices.index, dtype="object")})
