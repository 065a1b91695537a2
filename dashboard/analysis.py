"""From a snapshot to everything the pages show: one call, no Streamlit, no network.

`analyze` chains the functional core (dashboard/transforms) in the one order that makes sense: frames ->
convention -> join -> findings, figures, handover, delivery. A source missing from the snapshot (both its
fresh and its last good data failed) yields empty frames with the right columns, so pages degrade instead
of failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pandas as pd

from dashboard import columns as c
from dashboard.collector import without_cycle_collection
from dashboard.settings import Settings
from dashboard.snapshot import Snapshot
from dashboard.transforms.audit import Finding, audit_findings
from dashboard.transforms.delivery import delivery_status
from dashboard.transforms.frames import crm_projects_frame, deals_frame, erp_frames
from dashboard.transforms.handover import handover_status
from dashboard.transforms.ids import (
    ConventionReport,
    IdConvention,
    convention_from_pattern,
    convention_report,
    infer_convention,
)
from dashboard.transforms.join import join_projects
from dashboard.transforms.margin import project_figures
from dashboard.transforms.portfolio import PortfolioFigures, portfolio_figures
from dashboard.transforms.thresholds import Thresholds
from services.models import CrmSnapshot, ErpSnapshot

DEFAULT_CONVENTION = IdConvention()


@dataclass(frozen=True)
class AnalysisParams:
    thresholds: Thresholds
    id_pattern: str | None
    reporting_currency: str
    fx_rates: dict[str, float]
    fx_rates_date: str
    as_of: date | None = None
    """None = today (UTC); tests pin it."""


@dataclass(frozen=True)
class Analysis:
    as_of: date
    convention: IdConvention
    convention_source: str
    """'setting' or 'inferred from the ERP's project codes'."""
    report: ConventionReport
    deals: pd.DataFrame
    erp_projects: pd.DataFrame
    joined: pd.DataFrame
    findings: list[Finding]
    figures: pd.DataFrame
    portfolio: PortfolioFigures
    handover: pd.DataFrame
    delivery: pd.DataFrame
    receivables: pd.DataFrame
    fx_rates_date: str
    problems: tuple[str, ...] = field(default=())
    """Values the sources sent that could not be read (named record and field), for the pages to list."""


def params_from_settings(settings: Settings, as_of: date | None = None) -> AnalysisParams:
    """The analysis parameters the settings define."""
    return AnalysisParams(
        thresholds=settings.thresholds,
        id_pattern=settings.id_pattern,
        reporting_currency=settings.reporting_currency,
        fx_rates=dict(settings.fx_rates),
        fx_rates_date=settings.fx_rates_date,
        as_of=as_of,
    )


def _empty_crm() -> CrmSnapshot:
    return CrmSnapshot(deals=(), read_at=datetime(1970, 1, 1, tzinfo=UTC))


def _empty_erp() -> ErpSnapshot:
    return ErpSnapshot(erp="odoo", projects=(), read_at=datetime(1970, 1, 1, tzinfo=UTC))


def id_convention(id_pattern: str | None, erp_codes: Sequence[object]) -> tuple[IdConvention, str]:
    """The ID convention the analysis uses and where it comes from: the setting's pattern, or the most
    common shape among the ERP's project codes."""
    if id_pattern:
        return convention_from_pattern(id_pattern), "setting"
    return infer_convention(erp_codes, fallback=DEFAULT_CONVENTION), "inferred from the ERP's project codes"


def analyze(
    snapshot: Snapshot, params: AnalysisParams, *, accepted_keys: frozenset[str] = frozenset()
) -> Analysis:
    """Everything the pages show, from one snapshot. The analysis allocates some two million short-lived
    objects; with the cycle collector on, each burst of them made it walk the cached snapshot's objects
    (over 300,000 at 10,000 deals) again: 15-20 % of the time, measured (dashboard/collector.py)."""
    with without_cycle_collection():
        return _analyze(snapshot, params, accepted_keys)


def _analyze(snapshot: Snapshot, params: AnalysisParams, accepted_keys: frozenset[str]) -> Analysis:
    as_of = params.as_of or datetime.now(UTC).date()
    crm = snapshot.crm or _empty_crm()
    erp = snapshot.erp or _empty_erp()
    deals = deals_frame(crm)
    erp_projects, receivables = erp_frames(erp)
    convention, source = id_convention(params.id_pattern, erp_projects[c.ERP_RAW_PROJECT_ID].tolist())
    report = convention_report(
        {"HubSpot": deals.loc[deals[c.DEAL_IS_WON], c.DEAL_RAW_PROJECT_ID].tolist(),
         "ERP": erp_projects[c.ERP_RAW_PROJECT_ID].tolist()},
        convention,
    )  # fmt: skip
    joined = join_projects(
        deals, crm_projects_frame(crm), erp_projects, convention, params.thresholds.match_margin
    )
    figures = project_figures(joined, receivables, as_of, params.thresholds)
    portfolio = portfolio_figures(figures, params.reporting_currency, params.fx_rates)
    problems = tuple(p for d in crm.deals for p in d.problems) + tuple(
        p for r in crm.projects for p in r.problems
    )
    return Analysis(
        as_of=as_of,
        convention=convention,
        convention_source=source,
        report=report,
        deals=deals,
        erp_projects=erp_projects,
        joined=joined,
        findings=audit_findings(joined, params.thresholds, accepted_keys) if snapshot.complete else [],
        figures=figures,
        portfolio=portfolio,
        handover=handover_status(joined, as_of, params.thresholds),
        delivery=delivery_status(joined, figures),
        receivables=receivables,
        fx_rates_date=params.fx_rates_date,
        problems=problems,
    )
