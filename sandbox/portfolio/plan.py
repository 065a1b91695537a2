"""`plan_portfolio` and `manifest`: arguments checked, the layers drawn in order, and the Portfolio they make.

The skeleton comes first and alone decides the problems, so `manifest` needs nothing else. `plan_portfolio`
then plans the deliveries, the CRM and the ERP tables on one clock, and adds the `sandbox_meta` rows: the
manifest, and the arguments the portfolio was planned with.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sandbox.portfolio.clock import Clock
from sandbox.portfolio.crm import plan_crm
from sandbox.portfolio.delivery import plan_deliveries
from sandbox.portfolio.erp import plan_erp
from sandbox.portfolio.skeleton import Problem, plan_skeleton, sorted_manifest
from sandbox.portfolio.tables import COLUMNS, TableRows


@dataclass(frozen=True)
class Portfolio:
    """Every row of a demo portfolio, keyed by table name, and its deliberate ID problems."""

    deals: int
    seed: int
    as_of: date
    erp_lines_per_project: int | None
    tables: dict[str, TableRows]
    problems: tuple[Problem, ...]

    def records(self, table: str) -> list[dict[str, Any]]:
        """The planned rows of `table` as dicts."""
        return self.tables[table].records()

    def manifest(self) -> list[dict[str, str | None]]:
        """The problems as dicts, sorted by (kind, crm_deal_id, erp_project_id)."""
        return sorted_manifest(self.problems)


def manifest(*, deals: int, seed: int, as_of: date | None = None) -> list[dict[str, str | None]]:
    """The deliberate ID problems of (deals, seed) as dicts, sorted by kind, deal id and project code."""
    del as_of  # accepted for symmetry with plan_portfolio: problems never depend on the date
    _check_arguments(deals, seed, None)
    return sorted_manifest(plan_skeleton(deals, seed).problems)


def plan_portfolio(
    *,
    deals: int = 300,
    seed: int = 7,
    as_of: date,
    erp_lines_per_project: int | None = None,
    odoo_plan_columns: bool = True,
) -> Portfolio:
    """Plan every CRM and ERP row of the demo portfolio in memory, deterministically from the arguments;
    `odoo_plan_columns` False lays the analytic lines out as Odoo 16 does (one account per line)."""
    _check_arguments(deals, seed, erp_lines_per_project)
    if not isinstance(as_of, date):
        raise ValueError(f"as_of must be a date such as date(2026, 1, 31), got {as_of!r}")
    skeleton = plan_skeleton(deals, seed)
    clock = Clock(as_of)
    deliveries = plan_deliveries(skeleton, seed)
    tables = plan_crm(skeleton, deliveries, seed, clock) | plan_erp(
        skeleton, deliveries, seed, clock, erp_lines_per_project, plan_columns=odoo_plan_columns
    )
    problems = tuple(skeleton.problems)
    meta = {
        "deals": deals,
        "seed": seed,
        "erp_lines_per_project": erp_lines_per_project,
        "odoo_plan_columns": odoo_plan_columns,
        "as_of": as_of.isoformat(),
    }
    tables["sandbox_meta"] = TableRows(
        COLUMNS["sandbox_meta"],
        [("manifest", json.dumps(sorted_manifest(problems))), ("portfolio", json.dumps(meta))],
    )
    return Portfolio(deals, seed, as_of, erp_lines_per_project, tables, problems)


def _check_arguments(deals: object, seed: object, lines: object) -> None:
    if not isinstance(deals, int) or isinstance(deals, bool) or deals < 1:
        raise ValueError(f"deals must be a whole number of at least 1, got {deals!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    if lines is not None and (not isinstance(lines, int) or isinstance(lines, bool) or lines < 1):
        raise ValueError(f"erp_lines_per_project must be a whole number of at least 1 or None, got {lines!r}")
