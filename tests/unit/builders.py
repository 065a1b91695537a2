"""Small record builders for the transform tests: literal values, only the fields a test cares about."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd

from dashboard.transforms.frames import crm_projects_frame, deals_frame, erp_projects_frame, receivables_frame
from dashboard.transforms.ids import IdConvention
from dashboard.transforms.join import join_projects
from services.models import (
    Company,
    CrmDealId,
    CrmProjectRecord,
    CrmRecordId,
    CrmSnapshot,
    Deal,
    ErpActuals,
    ErpProject,
    ErpProjectId,
    ErpReceivable,
    ErpRecordId,
    ErpSnapshot,
)

READ_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
CONVENTION = IdConvention("PRJ", "-", 5)


def deal(
    deal_id: str,
    name: str,
    customer: str | None,
    raw_id: str | None,
    *,
    amount: str | None = "100000",
    currency: str = "EUR",
    won: bool = True,
    close: date | None = date(2026, 3, 1),
    margin: str | None = "0.30",
    **extra: object,
) -> Deal:
    """A deal whose customer is a company record named `customer` (see `crm`)."""
    return Deal.model_validate(
        {
            "crm_deal_id": CrmDealId(deal_id),
            "name": name,
            "stage": "closedwon" if won else "contractsent",
            "is_closed": won,
            "is_won": won,
            "amount": Decimal(amount) if amount is not None else None,
            "currency": currency,
            "close_date": close,
            "raw_project_id": raw_id,
            "estimated_margin_pct": Decimal(margin) if margin is not None else None,
            "company_ids": (CrmRecordId(f"co:{customer}"),) if customer else (),
            **extra,
        }
    )


def crm(*deals: Deal, **extra: object) -> CrmSnapshot:
    """A CRM snapshot holding `deals` and one company record per customer they name."""
    names = {cid for d in deals for cid in d.company_ids}
    companies = tuple(Company(company_id=cid, name=cid.removeprefix("co:")) for cid in sorted(names))
    return CrmSnapshot.model_validate({"deals": deals, "companies": companies, "read_at": READ_AT, **extra})


def project_record(record_id: str, deal_id: str, **extra: object) -> CrmProjectRecord:
    """A CRM project record associated with one deal."""
    return CrmProjectRecord.model_validate(
        {
            "project_record_id": CrmRecordId(record_id),
            "name": f"Record {record_id}",
            "deal_ids": (deal_id,),
            **extra,
        }
    )


def erp_project(
    record_id: str,
    code: str | None,
    name: str,
    customer: str | None,
    *,
    currency: str = "EUR",
    start: date | None = date(2026, 3, 10),
    planned: str | None = None,
    **extra: object,
) -> ErpProject:
    """An Odoo project with the given code (the shared ID) and customer."""
    return ErpProject.model_validate(
        {
            "erp": "odoo",
            "erp_record_id": ErpRecordId(record_id),
            "erp_project_id": ErpProjectId(code) if code is not None else None,
            "name": name,
            "customer_name": customer,
            "status": "open",
            "start_date": start,
            "currency": currency,
            "planned_revenue": Decimal(planned) if planned is not None else None,
            **extra,
        }
    )


def actuals(record_id: str, *, currency: str = "EUR", **amounts: str) -> ErpActuals:
    """Actuals of one ERP project; amounts as decimal strings (labor_cost="1000.00", ...)."""
    return ErpActuals.model_validate(
        {"erp_record_id": record_id, "currency": currency, **{k: Decimal(v) for k, v in amounts.items()}}
    )


def receivable(
    record_id: str, document: str, due: date | None, residual: str, *, currency: str = "EUR"
) -> ErpReceivable:
    """One customer invoice with `residual` still owed."""
    return ErpReceivable(
        erp_record_id=ErpRecordId(record_id),
        document=document,
        invoice_date=None,
        due_date=due,
        amount_untaxed=Decimal(residual),
        amount_total=Decimal(residual),
        amount_residual=Decimal(residual),
        currency=currency,
    )


def erp(
    *projects: ErpProject, actuals: tuple[ErpActuals, ...] = (), receivables: tuple[ErpReceivable, ...] = ()
) -> ErpSnapshot:
    """An Odoo snapshot."""
    return ErpSnapshot(
        erp="odoo", projects=projects, actuals=actuals, receivables=receivables, read_at=READ_AT
    )


def joined(
    crm_snapshot: CrmSnapshot, erp_snapshot: ErpSnapshot, convention: IdConvention = CONVENTION
) -> pd.DataFrame:
    """The join of both snapshots, as the dashboard builds it."""
    return join_projects(
        deals_frame(crm_snapshot),
        crm_projects_frame(crm_snapshot),
        erp_projects_frame(erp_snapshot),
        convention,
    )


def receivables(erp_snapshot: ErpSnapshot) -> pd.DataFrame:
    """The receivables frame of a snapshot."""
    return receivables_frame(erp_snapshot)
