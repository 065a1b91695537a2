"""Per-project financial figures, exactly as reference/kpis.md defines them.

Basis of the receivable figures: kpis.md defines outstanding as INV - paid, but the ERP reports invoiced
net of tax while payments settle the gross (taxed) amount. So `paid_amount` and `outstanding_amount` are the
ERP's gross paid and gross open receivable, and the AR aging buckets split that same gross open amount;
`invoiced_amount` (untaxed) is what margins, billing burn, WIP and remaining-to-invoice use.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from dashboard import columns as c
from dashboard.transforms.aging import receivable_aging
from dashboard.transforms.thresholds import Thresholds

_READS = (  # the joined columns the figures read (taking only these rows of only these columns)
    c.ROW_KEY,
    c.CRM_DEAL_ID,
    c.ERP_RECORD_ID,
    c.ERP_PROJECT_ID,
    c.DEAL_NAME,
    c.ERP_PROJECT_NAME,
    c.CUSTOMER_NAME,
    c.ERP_CUSTOMER_NAME,
    c.OWNER_NAME,
    c.MATCH,
    c.FINANCIAL_OWNER,
    c.DEAL_IS_WON,
    c.DEAL_CURRENCY,
    c.ERP_CURRENCY,
    c.DEAL_AMOUNT,
    c.REPORTED_POC,
    c.EST_MARGIN_PCT,
    c.LABOR_COST_AMOUNT,
    c.VENDOR_COST_AMOUNT,
    c.OTHER_COST_AMOUNT,
    c.INVOICED_AMOUNT,
    c.PAID_AMOUNT,
    c.OUTSTANDING_AMOUNT,
    c.DEAL_PROBLEMS,
    c.ERP_PROBLEMS,
)


def project_figures(
    joined: pd.DataFrame, receivables: pd.DataFrame, as_of: date, thresholds: Thresholds
) -> pd.DataFrame:
    """kpis.md figures, one row per won deal and per ERP project (c.FIGURES_FRAME), money rounded to cents.

    Takes `join_projects` and `receivables_frame` output. Contract value counts only for won deals. A row
    that is not its ERP project's financial owner (a second deal sharing the ID) shows no ERP money, so
    every ERP project is counted once. A deal whose currency differs from its ERP project's shows no
    contract value (it cannot be compared) and says so in currency_mismatch.
    """
    rows = joined.loc[joined[c.DEAL_IS_WON] | joined[c.ERP_RECORD_ID].notna(), list(_READS)]
    has_erp = rows[c.ERP_RECORD_ID].notna() & rows[c.FINANCIAL_OWNER]
    won = rows[c.DEAL_IS_WON]
    currency = rows[c.ERP_CURRENCY].where(has_erp, rows[c.DEAL_CURRENCY])
    mismatch = won & has_erp & rows[c.DEAL_CURRENCY].notna() & (rows[c.DEAL_CURRENCY] != rows[c.ERP_CURRENCY])
    out = pd.DataFrame(
        {
            c.ROW_KEY: rows[c.ROW_KEY],
            c.CRM_DEAL_ID: rows[c.CRM_DEAL_ID],
            c.ERP_RECORD_ID: rows[c.ERP_RECORD_ID],
            c.ERP_PROJECT_ID: rows[c.ERP_PROJECT_ID],
            c.PROJECT_LABEL: rows[c.DEAL_NAME].fillna(rows[c.ERP_PROJECT_NAME]),
            c.CUSTOMER_NAME: rows[c.CUSTOMER_NAME].fillna(rows[c.ERP_CUSTOMER_NAME]),
            c.OWNER_NAME: rows[c.OWNER_NAME],
            c.MATCH: rows[c.MATCH],
            c.FINANCIAL_OWNER: rows[c.FINANCIAL_OWNER],
            c.CURRENCY: currency,
            c.CURRENCY_MISMATCH: mismatch,
            c.CONTRACT_VALUE_AMOUNT: rows[c.DEAL_AMOUNT].where(won & ~mismatch),
            c.REPORTED_POC: rows[c.REPORTED_POC],
        }
    )
    out[c.EST_MARGIN_PCT] = rows[c.EST_MARGIN_PCT].where(out[c.CONTRACT_VALUE_AMOUNT].notna())
    for column in (c.LABOR_COST_AMOUNT, c.VENDOR_COST_AMOUNT, c.OTHER_COST_AMOUNT):
        out[column] = rows[column].where(has_erp)
    for column in (c.INVOICED_AMOUNT, c.PAID_AMOUNT, c.OUTSTANDING_AMOUNT):
        out[column] = rows[column].where(has_erp)
    out[c.DATA_PROBLEMS] = _problems(rows[c.DEAL_PROBLEMS], rows[c.ERP_PROBLEMS].where(has_erp))
    out = _with_aging(out, receivable_aging(receivables, as_of), has_erp)
    out = _with_figures(out, thresholds.early_forecast_poc)
    out = _with_flags(out, thresholds)
    return out[list(c.FIGURES_FRAME)].reset_index(drop=True)


def _problems(deal: pd.Series, erp: pd.Series) -> pd.Series:
    """Both systems' unusable values of a row, "; "-joined, or None."""
    joined = [
        "\n".join(part for part in (d, e) if isinstance(part, str) and part) or None
        for d, e in zip(deal.tolist(), erp.tolist(), strict=True)
    ]
    return pd.Series(joined, index=deal.index, dtype="object")


def _with_aging(out: pd.DataFrame, aging: pd.DataFrame, has_erp: pd.Series) -> pd.DataFrame:
    looked_up = aging.reindex(out[c.ERP_RECORD_ID].to_numpy())
    looked_up.index = out.index
    # An ERP project with no open document owes nothing; a row without ERP money has no aging at all.
    return out.assign(**{col: looked_up[col].fillna(0).where(has_erp) for col in looked_up.columns})


def _with_figures(f: pd.DataFrame, early_poc: float) -> pd.DataFrame:
    cv, emc = f[c.CONTRACT_VALUE_AMOUNT], f[c.EST_MARGIN_PCT]
    ec = (cv * (1 - emc)).round(2)
    ac = (f[c.LABOR_COST_AMOUNT] + f[c.VENDOR_COST_AMOUNT] + f[c.OTHER_COST_AMOUNT]).round(2)
    inv = f[c.INVOICED_AMOUNT]
    reported = f[c.REPORTED_POC].clip(0, 1)
    cost_to_cost = (ac / ec).where(ec > 0).clip(upper=1)
    poc = reported.where(reported.notna(), cost_to_cost)
    # EAC = AC / POC (EVM "typical"); with no progress or no actuals yet, the estimate at close stands.
    # Below `early_poc` complete, AC / POC multiplies noise (3 % complete at 10 % of the estimate's cost
    # forecasts a third more than the whole estimate), so the estimate stands there too, or the cost to
    # date once it is higher: flagged "too early to extrapolate".
    early = poc.notna() & (poc < early_poc)
    floor = pd.concat([ec, ac], axis=1).max(axis=1, skipna=True)
    eac = (ac / poc).where((poc > 0) & ac.notna(), ec).where(~early, floor).round(2)
    forecast = (cv - eac).round(2)
    forecast_pct = (forecast / cv).where(cv != 0)
    realized = (inv - ac).round(2)
    return f.assign(
        **{
            c.EST_COST_AMOUNT: ec,
            c.ACTUAL_COST_AMOUNT: ac,
            c.REMAINING_TO_INVOICE_AMOUNT: (cv - inv).round(2),
            c.REALIZED_MARGIN_AMOUNT: realized,
            c.REALIZED_MARGIN_PCT: (realized / inv).where(inv != 0),
            c.POC: poc,
            c.POC_METHOD: pd.Series(
                np.select([reported.notna(), cost_to_cost.notna()], ["reported", "cost-to-cost"], "none"),
                index=f.index,
            ),
            c.EAC_AMOUNT: eac,
            c.EARLY_FORECAST_FLAG: early,
            c.FORECAST_MARGIN_AMOUNT: forecast,
            c.FORECAST_MARGIN_PCT: forecast_pct,
            c.EROSION_PP: (emc - forecast_pct) * 100,
            c.COST_BURN_PCT: (ac / ec).where(ec > 0),
            c.BILLING_BURN_PCT: (inv / cv).where(cv > 0),
            c.WIP_AMOUNT: (cv * poc - inv).round(2),
        }
    )


def _with_flags(f: pd.DataFrame, t: Thresholds) -> pd.DataFrame:
    burn = f[c.COST_BURN_PCT]
    return f.assign(
        **{
            c.COST_BURN_LEVEL: pd.Series(
                np.select(
                    [burn >= t.cost_burn_alert, burn >= t.cost_burn_warn, burn.notna()],
                    ["alert", "warn", "ok"],
                    "n/a",
                ),
                index=f.index,
            ),
            c.EROSION_FLAG: f[c.EROSION_PP] > t.erosion_alert_pp,
            c.OVERRUN_FLAG: burn >= t.cost_burn_alert,
            c.OVERDUE_FLAG: f[c.MAX_DAYS_PAST_DUE] > t.overdue_receivable_days,
        }
    )
