"""A 50,000-deal snapshot without a server: the sandbox's portfolio plan, parsed by the clients' own code.

Reading 50,000 deals through the rate-limited API would take minutes, and the transforms only see the
parsed records. So the plan's rows are shaped as the APIs send them (HubSpot properties and v4 association
labels, Odoo's many2one pairs) and parsed with the same functions the clients use. One analytic line per
project is enough: the transforms get per-project sums, whatever the number of lines behind them. The
result is kept in build/bench/ and reused.
"""

from __future__ import annotations

import json
import pickle
from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from sandbox.crm_schema import DEAL_STAGES, PRIMARY_CONTACT_TYPE_ID, TICKET_STAGES
from sandbox.portfolio import Portfolio, plan_portfolio
from services.hubspot import PortalNames
from services.hubspot import parse as hs
from services.models import (
    CrmSnapshot,
    ErpProject,
    ErpProjectId,
    ErpRecordId,
    ErpSnapshot,
    Owner,
)
from services.odoo import client as odoo
from services.odoo import figures as odoo_figures
from services.odoo import invoices as odoo_invoices
from tests.bench.sandboxes import FOLDER, SEED

Links = dict[str, dict[str, list[tuple[str, tuple[int, ...]]]]]


def snapshots(deals: int) -> tuple[CrmSnapshot, ErpSnapshot]:
    """The parsed CRM and ERP snapshots of a `deals`-deal portfolio, from build/bench/ when made before."""
    cache = FOLDER / f"synthetic-{deals}-{SEED}.pickle"
    if cache.exists():
        with cache.open("rb") as file:
            kept: tuple[CrmSnapshot, ErpSnapshot] = pickle.load(file)  # our own file, written below
            return kept
    plan = plan_portfolio(deals=deals, seed=SEED, as_of=datetime.now(UTC).date(), erp_lines_per_project=1)
    made = crm_snapshot(plan), erp_snapshot(plan)
    FOLDER.mkdir(parents=True, exist_ok=True)
    with cache.open("wb") as file:
        pickle.dump(made, file, protocol=pickle.HIGHEST_PROTOCOL)
    return made


def crm_snapshot(plan: Portfolio) -> CrmSnapshot:
    """The CRM side as `HubSpotClient.fetch_snapshot` would parse it."""
    names = PortalNames()
    raw: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for object_type, record_id, properties, _, _, archived in plan.tables["crm_object"].rows:
        if not archived:
            raw[object_type].append({"id": str(record_id), "properties": json.loads(properties)})
    links = _deal_links(plan, names)
    stages = {stage: (label, closed, closed and p >= 1) for stage, label, p, closed in DEAL_STAGES}
    # what `HubSpotClient.portal_semantics` reads from the default portal's labels and ticket pipeline
    semantics = hs.Semantics(
        primary_contact_types=frozenset({PRIMARY_CONTACT_TYPE_ID}),
        ticket_open={stage: state == "OPEN" for stage, _, state in TICKET_STAGES},
    )
    deals = tuple(
        hs.deal(r, names, stages, {to: by_deal.get(r["id"], []) for to, by_deal in links.items()}, semantics)
        for r in raw["deals"]
    )
    deals_of: dict[str, list[Any]] = defaultdict(list)
    for deal in deals:
        for record_id in deal.project_record_ids:
            deals_of[record_id].append(deal.crm_deal_id)
    owners = tuple(
        Owner(owner_id=str(row[0]), email=row[2], name=f"{row[3]} {row[4]}", team=row[5])
        for row in plan.tables["crm_owner"].rows
    )
    return CrmSnapshot(
        deals=deals,
        projects=tuple(hs.project(r, names, deals_of.get(r["id"], [])) for r in raw["projects"]),
        companies=tuple(hs.company(r) for r in raw["companies"]),
        contacts=tuple(hs.contact(r) for r in raw["contacts"]),
        tickets=tuple(hs.ticket(r, names, semantics) for r in raw["tickets"]),
        owners=owners,
        read_at=datetime.now(UTC),
    )


def _deal_links(plan: Portfolio, names: PortalNames) -> Links:
    """deal id -> [(target id, association type ids)] per associated type, as the v4 batch read groups
    them."""
    types: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for from_type, from_id, to_type, to_id, type_id, _, _ in plan.tables["crm_association"].rows:
        if from_type == "deals":
            to = names.project_object_type if to_type == "projects" else to_type
            types[(to, str(from_id), str(to_id))].append(int(type_id))
    links: Links = defaultdict(lambda: defaultdict(list))
    for (to, deal_id, target), found in types.items():
        links[to][deal_id].append((target, tuple(found)))
    return links


def erp_snapshot(plan: Portfolio) -> ErpSnapshot:
    """The ERP side as `OdooClient.fetch_snapshot` would parse it (Odoo 17's layout: two plan columns)."""
    tables = {name: pd.DataFrame(t.rows, columns=list(t.columns)) for name, t in plan.tables.items()}
    currencies = dict(zip(tables["res_currency"]["id"], tables["res_currency"]["name"], strict=True))
    companies = tables["res_company"]
    currency_of_company = dict(zip(companies["id"], companies["currency_id"], strict=True))
    company_name = dict(zip(companies["id"], companies["name"], strict=True))
    partners = dict(zip(tables["res_partner"]["id"], tables["res_partner"]["name"], strict=True))
    codes = dict(
        zip(tables["account_analytic_account"]["id"], tables["account_analytic_account"]["code"], strict=True)
    )
    projects, project_of_account, currency_of = [], {}, {}
    for row in tables["project_project"].itertuples(index=False):
        record_id = ErpRecordId(str(row.id))
        currency = currencies[currency_of_company[row.company_id]]
        currency_of[record_id] = currency
        project_of_account.setdefault(int(row.analytic_account_id), record_id)
        code = codes.get(row.analytic_account_id)
        projects.append(
            ErpProject(
                erp="odoo",
                erp_record_id=record_id,
                erp_project_id=ErpProjectId(code) if code else None,
                name=row.name,
                customer_name=partners.get(row.partner_id),
                status="closed" if not row.active else odoo.STATUS.get(row.last_update_status, "open"),
                raw_status=row.last_update_status or None,
                start_date=_day(row.date_start),
                end_date=_day(row.date),
                currency=currency,
                company=company_name[row.company_id],
                updated_at=row.write_date.to_pydatetime().replace(microsecond=0),  # Odoo sends seconds
            )
        )
    lines = odoo_figures.Lines(("account_id", "x_plan2_id"), timesheets=True, journals=True)
    figures = odoo_figures.line_figures(
        _line_groups(tables["account_analytic_line"]), lines, project_of_account
    )
    receivables = odoo_invoices.receivable_rows(*_invoices(tables), project_of_account, currency_of)
    return ErpSnapshot(
        erp="odoo",
        projects=tuple(projects),
        actuals=odoo_figures.actuals(currency_of, figures, receivables),
        receivables=tuple(receivables),
        read_at=datetime.now(UTC),
    )


def _line_groups(lines: pd.DataFrame) -> list[dict[str, Any]]:
    """What Odoo's grouped sum by plan columns, category, journal and project answers, from the plan."""
    keys = ["account_id", "x_plan2_id", "category", "journal_id", "project_id"]
    frame = lines.assign(**{k: lines[k].fillna(0).astype(int) for k in keys if k != "category"})
    grouped = frame.groupby(keys)[["amount", "unit_amount"]].agg(["sum", "count"])
    return [
        {
            "account_id": [account, ""] if account else False,
            "x_plan2_id": [dept, ""] if dept else False,
            "category": category,
            "journal_id": [journal, ""] if journal else False,
            "project_id": [project, ""] if project else False,
            "amount": float(row[("amount", "sum")]),
            "unit_amount": float(row[("unit_amount", "sum")]),
            "__count": int(row[("amount", "count")]),
        }
        for (account, dept, category, journal, project), row in grouped.iterrows()
    ]


def _invoices(tables: dict[str, pd.DataFrame]) -> tuple[dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """Posted customer invoices and their product lines, as `search_read` sends them."""
    moves = tables["account_move"]
    posted = moves[moves["move_type"].isin(odoo_invoices.INVOICE_TYPES) & (moves["state"] == "posted")]
    by_id = {
        int(m.id): {
            "name": m.name,
            "move_type": m.move_type,
            "invoice_date": str(m.invoice_date),
            "invoice_date_due": str(m.invoice_date_due),
            **{f: getattr(m, f) for f in odoo_invoices.MOVE_FIELDS if f.startswith("amount_")},
            "payment_state": m.payment_state,
        }
        for m in posted.itertuples(index=False)
    }
    lines = tables["account_move_line"]
    wanted = lines[
        lines["move_type"].isin(odoo_invoices.INVOICE_TYPES)
        & (lines["parent_state"] == "posted")
        & (lines["display_type"] == "product")
        & lines["analytic_distribution"].notna()
    ]
    rows = [
        {
            "move_id": [int(line.move_id), ""],
            "analytic_distribution": line.analytic_distribution,
            "price_subtotal": line.price_subtotal,
            "price_total": line.price_total,
        }
        for line in wanted.itertuples(index=False)
    ]
    return by_id, rows


def _day(value: Any) -> date | None:
    return value if isinstance(value, date) else None
