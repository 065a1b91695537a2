"""The ERP rows as Odoo 17 stores them: companies, partners, employees, projects and their actuals.

Three companies, one per currency; a partner for each customer, and for each conflict deal the company
billed instead; then, per project, an analytic account, the project and a ledger of timesheets, vendor
bills, other costs, milestone invoices and credit notes, with the analytic lines Odoo derives from them.
Each project's actuals draw from their own stream, `random.Random("<seed>:actuals:<code>")`, so the ERP
volume (`erp_lines_per_project`) leaves the skeleton and the CRM side as they are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sandbox import names
from sandbox.portfolio.clock import Clock
from sandbox.portfolio.delivery import Delivery
from sandbox.portfolio.skeleton import Skeleton
from sandbox.portfolio.tables import COLUMNS, TableRows

_CURRENCIES = (("USD", "$"), ("EUR", "€"), ("GBP", "£"))
_COMPANIES = ("Throughline Demo Inc.", "Throughline Demo GmbH", "Throughline Demo Ltd")
_COMPANY_OF_CURRENCY = {"USD": 1, "EUR": 2, "GBP": 3}
_TAX_PERMILLE = {1: 0, 2: 190, 3: 200}  # US services untaxed, German VAT, UK VAT
_MOVE_LABELS = {
    "out_invoice": "Milestone invoice",
    "out_refund": "Credit note",
    "in_invoice": "Subcontracted work",
}


@dataclass
class _ErpParties:
    customer_partner: list[int]  # by customer index
    conflict_partner: dict[int, int]  # deal crm id -> partner billed instead
    vendors: list[int]
    employees: dict[int, list[tuple[int, float]]]  # company id -> [(employee id, hourly cost)]


def plan_erp(
    skeleton: Skeleton, deliveries: list[Delivery], seed: int, clock: Clock, lines_per_project: int | None
) -> dict[str, TableRows]:
    rng = random.Random(f"{seed}:erp")
    rows: dict[str, list[tuple[Any, ...]]] = {
        name: [] for name in COLUMNS if name.startswith(("res_", "hr_"))
    }
    rows["res_currency"] = [(i, code, symbol) for i, (code, symbol) in enumerate(_CURRENCIES, start=1)]
    rows["res_company"] = [(i, name, i) for i, name in enumerate(_COMPANIES, start=1)]
    parties = _plan_parties(rng, skeleton, rows, clock)
    ledger = _Ledger(clock, lines_per_project, parties)
    accounts, projects = [], []
    for erp_id, delivery in enumerate(deliveries, start=1):
        deal = delivery.deal
        company = _COMPANY_OF_CURRENCY[delivery.currency]
        if deal is None:
            partner: int | None = 1 if "pilot" not in delivery.name else None
        else:
            partner = parties.conflict_partner.get(deal.crm_id, parties.customer_partner[deal.customer])
        create_ago = max(1, (deal.close_ago if deal else delivery.start_ago) - rng.randint(0, 3))
        write = clock.moment(rng, rng.randint(1, min(create_ago, 45)))
        accounts.append((erp_id, delivery.name, delivery.code, partner, company, 1, True, write))
        projects.append((
            erp_id, delivery.name, partner, erp_id, company, None, clock.day(delivery.start_ago),
            clock.day(delivery.planned_end_ago), True, delivery.erp_status, True,
            min(clock.moment(rng, create_ago), write), write,
        ))  # fmt: skip
        window = (max(1, delivery.start_ago - delivery.actual_days), max(1, delivery.start_ago))
        job = _Job(delivery, erp_id, company, partner, window)
        ledger.post(random.Random(f"{seed}:actuals:{delivery.code}"), job)
    tables = {name: TableRows(COLUMNS[name], table_rows) for name, table_rows in rows.items()}
    tables["account_analytic_account"] = TableRows(COLUMNS["account_analytic_account"], accounts)
    tables["project_project"] = TableRows(COLUMNS["project_project"], projects)
    tables["account_analytic_line"] = TableRows(COLUMNS["account_analytic_line"], ledger.lines)
    tables["account_move"] = TableRows(COLUMNS["account_move"], ledger.moves)
    tables["account_move_line"] = TableRows(COLUMNS["account_move_line"], ledger.move_lines)
    return tables


def _plan_parties(
    rng: random.Random, skeleton: Skeleton, rows: dict[str, list[tuple[Any, ...]]], clock: Clock
) -> _ErpParties:
    partners = rows["res_partner"]

    def partner(name: str, email: str | None, company_id: int | None = None) -> int:
        partner_id = len(partners) + 1
        partners.append((partner_id, name, True, email, company_id, clock.moment(rng, rng.randint(1, 400))))
        return partner_id

    for i, name in enumerate(_COMPANIES, start=1):  # Odoo gives every company its own partner: ids 1-3
        partner(name, f"finance@{name.split()[-1].lower().strip('.')}.throughline-demo.example", i)
    customers = [partner(c.name, f"accounts@{c.domain}") for c in skeleton.customers]
    conflicts = [d for d in skeleton.deals if d.problem == "conflict"]
    holdings = [f"{w} {f}" for w in names.HOLDING_WORDS for f in names.HOLDING_FORMS]
    picks = rng.sample(holdings, min(len(conflicts), len(holdings)))
    picks += [
        f"{holdings[i % len(holdings)]} {i // len(holdings) + 1}" for i in range(len(picks), len(conflicts))
    ]
    conflict = {d.crm_id: partner(name, None) for d, name in zip(conflicts, picks, strict=True)}
    vendors = [partner(name, None) for name in names.VENDORS]
    employees: dict[int, list[tuple[int, float]]] = {1: [], 2: [], 3: []}
    sizes = {1: rng.randint(18, 28), 2: rng.randint(4, 7), 3: rng.randint(3, 5)}
    people = rng.sample([(f, la) for f in names.FIRST_NAMES for la in names.LAST_NAMES], sum(sizes.values()))
    for company, size in sizes.items():
        for _ in range(size):
            first, last = people.pop()
            employee_id, cost = len(rows["hr_employee"]) + 1, round(rng.uniform(35, 110) * 2) / 2
            rows["hr_employee"].append((employee_id, f"{first} {last}", cost, company))
            employees[company].append((employee_id, cost))
    return _ErpParties(customers, conflict, vendors, employees)


@dataclass(frozen=True, slots=True)
class _Job:
    """One ERP project as the ledger books it: its ids, the customer billed and the days work was done."""

    delivery: Delivery
    account: int  # analytic account id = project id
    company: int
    partner: int | None
    window: tuple[int, int]  # (latest, earliest) day of work, in days before as_of


class _Ledger:
    """Books a project's actuals: timesheets, vendor bills, other costs, invoices and credit notes."""

    def __init__(self, clock: Clock, lines_per_project: int | None, parties: _ErpParties) -> None:
        self.clock = clock
        self.lines_per_project = lines_per_project
        self.parties = parties
        self.lines: list[tuple[Any, ...]] = []
        self.moves: list[tuple[Any, ...]] = []
        self.move_lines: list[tuple[Any, ...]] = []
        self._sequence: dict[str, int] = {}

    def post(self, rng: random.Random, job: _Job) -> None:
        """Book everything the project has cost and billed up to as_of."""
        cost = job.delivery.cost_cents
        if cost <= 0 and job.delivery.milestones_done == 0:
            return
        vendor = round(cost * (0.0 if rng.random() < 0.3 else rng.uniform(0.05, 0.3)))
        other = round(cost * rng.uniform(0.01, 0.06))
        labor = cost - vendor - other
        before = len(self.lines)
        self._invoices(rng, job)
        for part in _split(rng, vendor, rng.randint(1, 4)):
            ago = rng.randint(*job.window)
            paid = ago > 30 and rng.random() < 0.85
            self._move(rng, job, "in_invoice", part, ago, rng.choice(self.parties.vendors), paid=paid)
        self._other_costs(rng, job, other)
        if self.lines_per_project is not None:
            count = max(1, self.lines_per_project - (len(self.lines) - before))
        else:  # roughly one entry per person-week
            count = max(3, min(80, round(labor / 100 / 70 / 30)))
        self._timesheets(rng, job, labor, count)

    def _timesheets(self, rng: random.Random, job: _Job, cents: int, count: int) -> None:
        if cents <= 0:
            return
        staff = self.parties.employees[job.company]
        team = rng.sample(staff, min(len(staff), rng.randint(2, 5)))
        # The hot loop of a million-line portfolio: plain random() arithmetic instead of randint/choice.
        draw = rng.random
        weights = [draw() + 0.5 for _ in range(count)]
        scale = cents / 100 / sum(weights)
        latest, earliest = job.window
        span = earliest - latest + 1
        days = sorted((earliest - int(draw() * span) for _ in range(count)), reverse=True)
        lines, day, moment = self.lines, self.clock.day, self.clock.moment
        activities, n_activities, n_team = (
            names.TIMESHEET_ACTIVITIES,
            len(names.TIMESHEET_ACTIVITIES),
            len(team),
        )
        account, company = job.account, job.company
        next_id = len(lines) + 1
        for weight, ago in zip(weights, days, strict=True):
            employee, hourly = team[int(draw() * n_team)]
            hours = max(0.25, round(weight * scale / hourly * 4) / 4)
            lag = draw()
            written = moment(rng, max(1, ago - (0 if lag < 0.6 else 1 if lag < 0.8 else 2)))
            lines.append((
                next_id, activities[int(draw() * n_activities)], day(ago), -round(hours * hourly, 2), hours,
                account, account, employee, None, "other", None, company, written,
            ))  # fmt: skip
            next_id += 1

    def _other_costs(self, rng: random.Random, job: _Job, cents: int) -> None:
        for part in _split(rng, cents, rng.randint(1, 3)):
            ago = rng.randint(*job.window)
            self.lines.append((
                len(self.lines) + 1, rng.choice(names.OTHER_COSTS), self.clock.day(ago), -part / 100, 1.0,
                job.account, None, None, None, "other", None, job.company, self._written(rng, ago),
            ))  # fmt: skip

    def _invoices(self, rng: random.Random, job: _Job) -> None:
        total, done = job.delivery.milestones_total, job.delivery.milestones_done
        if done == 0:
            return
        parts = _split(rng, job.delivery.contract_cents, total, even=True)[:done]
        latest, earliest = job.window
        dates = [
            max(latest, earliest - round(job.delivery.actual_days * (i + 1) / total)) for i in range(done)
        ]
        refund = 0
        if rng.random() < 0.04:  # an over-billed first invoice, corrected by a credit note
            refund = round(parts[0] * rng.uniform(0.05, 0.15))
            parts[0] += refund
        for cents, ago in zip(parts, dates, strict=True):
            self._move(rng, job, "out_invoice", cents, ago, job.partner, paid=None)
        if refund:
            ago = max(1, dates[0] - rng.randint(7, 30))
            self._move(rng, job, "out_refund", refund, ago, job.partner, paid=True)

    def _written(self, rng: random.Random, ago: int) -> datetime:
        return self.clock.moment(rng, max(1, ago - rng.choice((0, 0, 0, 1, 2))))

    def _name(self, move_type: str, day: date) -> str:
        """Odoo 17's sequence names: INV/2025/00042, RINV/2025/00003, BILL/2025/03/0007."""
        prefix = {"out_invoice": "INV", "out_refund": "RINV", "in_invoice": "BILL"}[move_type]
        key = f"{prefix}/{day.year}"
        number = self._sequence[key] = self._sequence.get(key, 0) + 1
        return f"{key}/{day.month:02d}/{number:04d}" if prefix == "BILL" else f"{key}/{number:05d}"

    def _move(
        self,
        rng: random.Random,
        job: _Job,
        move_type: str,
        cents: int,
        ago: int,
        partner: int | None,
        *,
        paid: bool | None,
    ) -> None:
        """One posted invoice, bill or credit note, its product line and the analytic line Odoo derives."""
        tax_cents = (cents * _TAX_PERMILLE[job.company] + 500) // 1000  # rounded half up, in whole cents
        if paid is None:
            state, residual_cents = _payment(rng, cents + tax_cents, ago - 30)
        else:
            state, residual_cents = ("paid", 0) if paid else ("not_paid", cents + tax_cents)
        untaxed, tax, total, residual = (
            cents / 100,
            tax_cents / 100,
            (cents + tax_cents) / 100,
            residual_cents / 100,
        )
        invoice_date = self.clock.day(ago)
        name = self._name(move_type, invoice_date)
        sign = 1 if move_type == "out_invoice" else -1  # Odoo's *_signed: refunds and bills negative
        move_id, line_id = len(self.moves) + 1, len(self.move_lines) + 1
        written = self._written(rng, ago if state == "not_paid" else max(1, ago - rng.randint(0, 40)))
        ref = f"V-{rng.randint(10_000, 99_999)}" if move_type == "in_invoice" else None
        self.moves.append((
            move_id, name, move_type, "posted", partner, job.company, job.company, invoice_date,
            self.clock.day(ago - 30), None, ref, untaxed, tax, total, residual, sign * untaxed, sign * total,
            sign * residual, state, written,
        ))  # fmt: skip
        balance = -untaxed if move_type == "out_invoice" else untaxed  # income is a credit, costs a debit
        label = _MOVE_LABELS[move_type]
        self.move_lines.append((
            line_id, move_id, label, "product", 1.0, untaxed, untaxed, total, balance,
            f'{{"{job.account}": 100.0}}', partner, "posted", move_type, written,
        ))  # fmt: skip
        category = "vendor_bill" if move_type == "in_invoice" else "invoice"
        self.lines.append((
            len(self.lines) + 1, f"{name} {label}", invoice_date, -balance, 1.0, job.account, None, None,
            partner, category, line_id, job.company, written,
        ))  # fmt: skip


def _payment(rng: random.Random, total_cents: int, days_overdue: int) -> tuple[str, int]:
    """Payment state and cents still due of an invoice that fell due `days_overdue` days before as_of."""
    r = rng.random()
    paid, partial = (0.88, 0.05) if days_overdue > 30 else (0.55, 0.10) if days_overdue > 0 else (0.2, 0.0)
    if r < paid:
        return "paid", 0
    if r < paid + partial:
        return "partial", round(total_cents * rng.uniform(0.3, 0.7))
    return "not_paid", total_cents


def _split(rng: random.Random, cents: int, parts: int, *, even: bool = False) -> list[int]:
    """`cents` cut into `parts` positive pieces that sum exactly (even: equal ones, the last absorbs)."""
    if cents <= 0:
        return []
    parts = max(1, min(parts, cents // 100))
    weights = [1.0] * parts if even else [rng.uniform(0.5, 1.5) for _ in range(parts)]
    pieces = [int(cents * w / sum(weights)) for w in weights[:-1]]
    return [*pieces, cents - sum(pieces)]
