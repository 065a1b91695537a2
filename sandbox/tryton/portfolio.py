"""The Tryton demo portfolio: 20 projects, the figures Tryton must show for them, and the matching CRM side.

Everything here is deterministic: amounts, hours and IDs are fixed, and dates are offsets in days before the
build day. `seed_spec()` is what `seed.py` writes into Tryton; `expected_figures()` is what a person gets by
hand from the table (hours x rates, supplier invoices, hours x list price, + 19 % VAT, paid share);
`write_crm_records()` writes one won deal per Tryton project into a sandbox CRM database, with the
deliberate ID problems listed by `manifest()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from sandbox import crm_schema

CENT = Decimal("0.01")
VAT_RATE = Decimal("0.19")
PAYMENT_TERM_DAYS = 30

# name -> hourly cost, and how long that person's timesheet day is (a 7.5 h day gives fractional hours)
EMPLOYEES: dict[str, tuple[Decimal, Decimal]] = {
    "Alice Engineer": (Decimal("55.00"), Decimal(8)),
    "Bob Designer": (Decimal("40.00"), Decimal(8)),
    "Chen Architect": (Decimal("72.50"), Decimal("7.5")),
    "Dana Analyst": (Decimal("48.25"), Decimal(8)),
}
CUSTOMERS: dict[str, str] = {  # name -> web domain (the CRM company's domain)
    "ACME Corp": "acme.example",
    "Globex Inc": "globex.example",
    "Initech AG": "initech.example",
    "Umbrella Health": "umbrella.example",
    "Stark Logistics": "stark.example",
    "Wayne Retail": "wayne.example",
}
SUPPLIERS = ("CloudHost Ltd", "Freelance Collective BV")
PRODUCTS: dict[Decimal, str] = {Decimal(120): "Consulting hour", Decimal(150): "Senior consulting hour"}


@dataclass(frozen=True)
class Purchase:
    supplier: str
    amount: Decimal
    posted: bool = True
    """A draft supplier invoice does not count in Tryton's project cost."""


@dataclass(frozen=True)
class Project:
    suffix: int
    name: str
    customer: str
    list_price: Decimal
    effort_hours: int
    hours: tuple[int, int, int, int]
    """Hours per employee, in the order of EMPLOYEES."""
    start_days_ago: int
    purchases: tuple[Purchase, ...] = ()
    invoice_days_ago: int | None = None
    """Day of the customer invoice; it covers the timesheet lines up to that day. None: not invoiced."""
    paid: Decimal = Decimal(0)
    """Share of the invoice total paid through the pay wizard."""
    done: bool = False

    @property
    def number(self) -> str:
        """The shared project ID, as Tryton's project.work.number holds it."""
        return f"PRJ-{self.suffix:05d}"

    @property
    def tasks(self) -> tuple[str, ...]:
        """Task names; bigger projects get two tasks so sums must roll up the task tree."""
        return ("Design", "Build") if self.effort_hours >= 200 else ("Delivery",)


def _project(row: tuple[Any, ...]) -> Project:
    suffix, name, customer, price, effort, hours, start, purchases, invoice, paid, done = row
    return Project(
        suffix, name, customer, Decimal(price), effort, hours, start, purchases, invoice, Decimal(paid), done
    )


def _buy(supplier: str, amount: str, posted: bool = True) -> Purchase:
    return Purchase(supplier, Decimal(amount), posted)


CF, FC = SUPPLIERS
# Columns: number suffix, name, customer, list price per hour, effort hours, hours logged by (Alice, Bob,
# Chen, Dana), first timesheet day (days ago), purchases, invoice day (days ago; None: not invoiced),
# paid share of the invoice, done.
# fmt: off
PROJECTS: tuple[Project, ...] = tuple(_project(row) for row in (
    (101, "ACME website relaunch", "ACME Corp", 120, 200, (40, 25, 0, 0), 70, (_buy(CF, "1500.00"),), 60,
     "0.5", False),
    (102, "Globex ERP rollout", "Globex Inc", 150, 400, (60, 10, 24, 0), 50, (_buy(FC, "4200.00"),), 45,
     "1", False),
    (103, "Initech data migration", "Initech AG", 120, 80, (12, 0, 0, 8), 20, (), None, "0", False),
    (104, "Umbrella patient portal", "Umbrella Health", 150, 320, (48, 16, 30, 12), 110,
     (_buy(CF, "2350.00"), _buy(FC, "3100.00")), 75, "0.3", False),
    (105, "Stark fleet tracking", "Stark Logistics", 120, 160, (32, 0, 16, 0), 36, (), 30, "0", False),
    (106, "Wayne loyalty app", "Wayne Retail", 120, 240, (24, 40, 0, 16), 120, (_buy(FC, "1875.50"),), 90,
     "1", True),
    (107, "ACME analytics dashboard", "ACME Corp", 150, 120, (0, 0, 36, 20), 28, (), 20, "0.25", False),
    (108, "Globex SSO integration", "Globex Inc", 120, 60, (16, 0, 8, 0), 12,
     (_buy(CF, "640.00", posted=False),), None, "0", False),
    (109, "Initech cloud migration", "Initech AG", 150, 300, (56, 0, 40, 24), 60, (_buy(CF, "5200.00"),), 50,
     "0.6", False),
    (110, "Umbrella compliance audit", "Umbrella Health", 120, 90, (0, 0, 12, 36), 115, (), 100, "1", True),
    (111, "Stark warehouse sensors", "Stark Logistics", 150, 180, (24, 8, 20, 0), 48, (_buy(FC, "2750.00"),),
     40, "0", False),
    (112, "Wayne e-commerce replatform", "Wayne Retail", 150, 500, (64, 48, 40, 32), 44,
     (_buy(CF, "3300.00"), _buy(FC, "6400.00")), 35, "0.5", False),
    (113, "ACME intranet refresh", "ACME Corp", 120, 100, (20, 28, 0, 0), 80, (), 65, "1", False),
    (114, "Globex data warehouse", "Globex Inc", 150, 260, (40, 0, 32, 16), 32, (_buy(CF, "1980.00"),), 25,
     "0.4", False),
    (115, "Initech mobile app", "Initech AG", 120, 220, (16, 44, 0, 8), 14, (), None, "0", False),
    (116, "Umbrella telehealth pilot", "Umbrella Health", 150, 140, (24, 0, 18, 10), 66,
     (_buy(FC, "1200.00"),), 55, "0.5", False),
    (117, "Stark route optimisation", "Stark Logistics", 120, 110, (30, 0, 0, 14), 19, (), 15, "0", False),
    (118, "Wayne store analytics", "Wayne Retail", 120, 150, (0, 20, 26, 18), 95, (_buy(CF, "890.25"),), 80,
     "1", True),
    (119, "ACME support retainer", "ACME Corp", 120, 80, (10, 6, 0, 12), 13, (), 10, "0.75", False),
    (120, "Globex security review", "Globex Inc", 150, 70, (0, 0, 24, 0), 85, (_buy(FC, "1450.00"),), 70,
     "0.5", False),
))
# fmt: on
del CF, FC


@dataclass(frozen=True)
class TimesheetLine:
    employee: str
    days_ago: int
    hours: Decimal
    task: str


def timesheet_lines(project: Project) -> list[TimesheetLine]:
    """Each employee logs a full day on consecutive days from `start_days_ago`, alternating the tasks."""
    lines = []
    for employee, total in zip(EMPLOYEES, project.hours, strict=True):
        day_length = EMPLOYEES[employee][1]
        remaining, day = Decimal(total), 0
        while remaining > 0:
            hours = min(day_length, remaining)
            task = project.tasks[day % len(project.tasks)]
            lines.append(TimesheetLine(employee, project.start_days_ago - day, hours, task))
            remaining -= hours
            day += 1
    return lines


def _cents(value: Decimal) -> Decimal:
    # Tryton rounds currency amounts half-even, and so does the seed's payment share.
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)


def expected_figures(project: Project) -> dict[str, Decimal]:
    """The figures Tryton should show for `project`, computed by hand from the table above."""
    lines = timesheet_lines(project)
    labor = _cents(sum((EMPLOYEES[line.employee][0] * line.hours for line in lines), Decimal(0)))
    vendor = sum((p.amount for p in project.purchases if p.posted), Decimal(0))
    invoiced_hours = Decimal(0)
    if project.invoice_days_ago is not None:  # the invoice covers the lines up to its own day
        cutoff = project.invoice_days_ago
        invoiced_hours = sum((line.hours for line in lines if line.days_ago >= cutoff), Decimal(0))
    invoiced = _cents(invoiced_hours * project.list_price)
    gross = invoiced + _cents(invoiced * VAT_RATE)
    paid = _cents(gross * project.paid)
    return {
        "labor_hours": sum((line.hours for line in lines), Decimal(0)),
        "labor_cost": labor,
        "vendor_cost": vendor,
        "cost": labor + vendor,
        "planned_revenue": _cents(project.effort_hours * project.list_price),
        "invoiced": invoiced,
        "invoiced_gross": gross,
        "paid": paid,
        "outstanding": gross - paid,
        "margin": invoiced - labor - vendor,
    }


def seed_spec() -> dict[str, Any]:
    """The portfolio as plain JSON for seed.py, which runs in Tryton's own venv and cannot import this."""
    return {
        "company": "Northwind Projects GmbH",
        "currency": "EUR",
        "vat_rate": str(VAT_RATE),
        "payment_term_days": PAYMENT_TERM_DAYS,
        "employees": [{"name": n, "cost_price": str(c)} for n, (c, _) in EMPLOYEES.items()],
        "customers": list(CUSTOMERS),
        "suppliers": list(SUPPLIERS),
        "products": [{"name": n, "list_price": str(p)} for p, n in PRODUCTS.items()],
        "projects": [_project_spec(p) for p in PROJECTS],
    }


def _project_spec(project: Project) -> dict[str, Any]:
    return {
        "number": project.number,
        "name": project.name,
        "customer": project.customer,
        "product": PRODUCTS[project.list_price],
        "effort_hours": project.effort_hours,
        "tasks": list(project.tasks),
        "done": project.done,
        "timesheets": [
            {"employee": t.employee, "days_ago": t.days_ago, "hours": str(t.hours), "task": t.task}
            for t in timesheet_lines(project)
        ],
        "purchases": [
            {"supplier": p.supplier, "amount": str(p.amount), "posted": p.posted} for p in project.purchases
        ],
        "invoice_days_ago": project.invoice_days_ago,
        "paid": str(project.paid),
    }


# ---------------------------------------------------------------------------------------------------
# The CRM side: one won deal (and one `projects` record) per Tryton project, with deliberate ID problems.
# ---------------------------------------------------------------------------------------------------

DEAL_ID_BASE = 41_000_000_000  # deal of PRJ-00101 = 41000000101: easy to follow by hand
COMPANY_ID_BASE = 42_000_000_000
PROJECT_RECORD_ID_BASE = 43_000_000_000
# The sandbox's reuse key: `python -m sandbox serve --deals 20 --seed 8200 --db <this db>` serves these
# records as they are instead of building its own demo portfolio over them.
CRM_SEED = 8200
OWNERS = (
    (7101, "mara.lind@northwind.example", "Mara", "Lind", "Enterprise"),
    (7102, "tom.okafor@northwind.example", "Tom", "Okafor", "Mid-market"),
    (7103, "ines.duarte@northwind.example", "Ines", "Duarte", "Mid-market"),
)

# Deliberate ID problems: number suffix -> what the deal holds instead of the right ID.
MISSING: dict[int, str | None] = {113: None}  # the deal's project-ID property is empty
MALFORMED: dict[int, str | None] = {104: "prj-00104", 108: "PRJ–00108"}  # lower case; an en dash
DANGLING: dict[int, str | None] = {116: "PRJ-00161"}  # a typo naming no Tryton project
ORPHAN = 120  # the Tryton project no deal points at


def manifest() -> list[dict[str, str | None]]:
    """The deliberate ID problems, in the main sandbox manifest's shape and order."""
    wrong = {"missing": MISSING, "malformed": MALFORMED, "dangling": DANGLING}
    rows = [
        _row(kind, s, _number(s), raw, _number(s)) for kind, ids in wrong.items() for s, raw in ids.items()
    ]
    rows.append(_row("orphan", None, _number(ORPHAN), None, None))
    return sorted(rows, key=lambda r: (r["kind"] or "", r["crm_deal_id"] or "", r["erp_project_id"] or ""))


def crm_deals() -> list[tuple[Project, str | None]]:
    """(project, the project ID its deal holds) for every deal: one per Tryton project but the orphan."""
    wrong = MISSING | MALFORMED | DANGLING
    return [(p, wrong[p.suffix] if p.suffix in wrong else p.number) for p in PROJECTS if p.suffix != ORPHAN]


def _number(suffix: int) -> str:
    return f"PRJ-{suffix:05d}"


def _row(
    kind: str, suffix: int | None, erp: str | None, raw: str | None, expected: str | None
) -> dict[str, str | None]:
    deal = None if suffix is None else str(DEAL_ID_BASE + suffix)
    return {"kind": kind, "crm_deal_id": deal, "erp_project_id": erp, "raw_id": raw, "expected_id": expected}


def _instant(day: date, hour: int = 9) -> str:
    """HubSpot's datetime format (UTC, Z, no milliseconds when they are zero)."""
    return datetime.combine(day, time(hour), tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _deal_properties(project: Project, raw_id: str | None, owner: int, closed: date) -> dict[str, str | None]:
    margin = 22 + project.suffix % 4 * 4  # what sales promised at close: 22, 26, 30 or 34 %
    return {
        "dealname": project.name,
        "amount": str(expected_figures(project)["planned_revenue"]),
        "dealstage": "closedwon",
        "pipeline": "default",
        "closedate": _instant(closed),
        "hubspot_owner_id": str(owner),
        "deal_currency_code": "EUR",
        "hs_deal_stage_probability": "1.0",
        crm_schema.DEAL_PROJECT_ID: raw_id,
        crm_schema.DEAL_EST_MARGIN: str(margin),
        crm_schema.DEAL_SCOPE: f"{project.effort_hours} h of {PRODUCTS[project.list_price].lower()}s",
        crm_schema.DEAL_PROPOSAL_VERSION: "v1",
    }


def _record_properties(project: Project, raw_id: str | None, today: date) -> dict[str, str | None]:
    percent = 100 if project.done else min(95, int(sum(project.hours) * 100 / project.effort_hours))
    figures = expected_figures(project)
    return {
        "project_name": project.name,
        "erp_project_id": raw_id,
        "project_status": "completed" if project.done else "in_progress",
        "percent_complete": str(percent),
        "milestones_total": "4",
        "milestones_done": str(percent * 4 // 100),
        "next_milestone": None if project.done else "Acceptance",
        "next_milestone_date": None if project.done else (today + timedelta(days=21)).isoformat(),
        crm_schema.DEAL_SCOPE: f"{project.effort_hours} h of {PRODUCTS[project.list_price].lower()}s",
        crm_schema.DEAL_PROPOSAL_VERSION: "v1",
        "contract_value": str(figures["planned_revenue"]),
        "deal_currency_code": "EUR",
        "pricing_summary": f"{project.effort_hours} h × {project.list_price} EUR",
    }


class _CrmWriter:
    """Adds CRM rows as the main sandbox portfolio does: every defined property present, links both ways."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, object_type: str, object_id: int, props: dict[str, str | None], created: date) -> None:
        from sandbox.db import CrmObject

        moment = datetime.combine(created, time(9), tzinfo=UTC)
        created_key = "hs_createdate" if object_type == crm_schema.CUSTOM_OBJECT else "createdate"
        full = dict.fromkeys(crm_schema.PROPERTIES[object_type]) | props
        full |= {created_key: _instant(created), "hs_lastmodifieddate": _instant(created)}
        full["hs_object_id"] = str(object_id)
        body = json.dumps(full, separators=(",", ":"), sort_keys=True)
        self.session.add(
            CrmObject(
                object_type=object_type, id=object_id, properties=body, created_at=moment, updated_at=moment
            )
        )

    def link(self, a_type: str, a_id: int, b_type: str, b_id: int) -> None:
        from sandbox.db import CrmAssociation

        for f, fid, t, tid in ((a_type, a_id, b_type, b_id), (b_type, b_id, a_type, a_id)):
            type_id = crm_schema.ASSOCIATION_TYPES[(f, t)]
            category = crm_schema.association_category(f, t, type_id)
            self.session.add(
                CrmAssociation(
                    from_type=f, from_id=fid, to_type=t, to_id=tid, type_id=type_id, category=category
                )
            )


def write_crm_records(db_path: str | Path, *, today: date | None = None) -> list[dict[str, str | None]]:
    """Write the CRM side of the Tryton portfolio into an empty sandbox db; return the manifest."""
    # Imported here, not at the top: build.py imports this module for the spec alone.
    from sandbox.db import CrmObject, CrmOwner, SandboxMeta, create_schema, make_engine
    from sandbox.odoo.versions import DEFAULT_VERSION, sandbox_version

    today = today or date.today()
    engine = make_engine(db_path)
    create_schema(engine)
    try:
        with Session(engine) as session:
            if session.exec(select(CrmObject).limit(1)).first() is not None:
                raise ValueError(
                    f"{db_path} already holds CRM records; write the Tryton portfolio to a new file"
                )
            now = datetime.combine(today, time(8), tzinfo=UTC)
            for owner_id, email, first, last, team in OWNERS:
                names = {"email": email, "first_name": first, "last_name": last, "team": team}
                session.add(
                    CrmOwner(id=owner_id, user_id=owner_id + 1000, created_at=now, updated_at=now, **names)
                )
            writer = _CrmWriter(session)
            companies = {name: COMPANY_ID_BASE + i for i, name in enumerate(CUSTOMERS, start=1)}
            for name, company_id in companies.items():
                writer.add(
                    "companies",
                    company_id,
                    {"name": name, "domain": CUSTOMERS[name]},
                    today - timedelta(days=400),
                )
            for i, (project, raw_id) in enumerate(crm_deals()):
                deal_id, record_id = DEAL_ID_BASE + project.suffix, PROJECT_RECORD_ID_BASE + project.suffix
                closed = today - timedelta(days=project.start_days_ago + 14)
                owner = OWNERS[i % len(OWNERS)][0]
                writer.add(
                    "deals",
                    deal_id,
                    _deal_properties(project, raw_id, owner, closed),
                    closed - timedelta(days=45),
                )
                writer.add("projects", record_id, _record_properties(project, raw_id, today), closed)
                writer.link("deals", deal_id, "companies", companies[project.customer])
                writer.link("deals", deal_id, "projects", record_id)
            rows = manifest()
            # The same key sandbox.server.ensure_portfolio compares (with the default Odoo version's layout),
            # so the server reuses these records instead of building the demo portfolio over them.
            reuse_key = {
                "deals": len(crm_deals()),
                "seed": CRM_SEED,
                "erp_lines_per_project": None,
                "odoo_plan_columns": sandbox_version(DEFAULT_VERSION).plan_columns,
            }
            session.add(
                SandboxMeta(key="portfolio", value=json.dumps(reuse_key | {"as_of": today.isoformat()}))
            )
            session.add(SandboxMeta(key="manifest", value=json.dumps(rows)))
            session.commit()
    finally:
        engine.dispose()
    return rows
