"""The ERP rows as Odoo stores them: companies, partners, employees, projects and their actuals.

Three companies, one per currency; a partner for each customer, and for each conflict deal the company
billed instead; then, per project, an analytic account, the project and a ledger of timesheets, vendor
bills, other costs, milestone invoices and credit notes, with the analytic lines Odoo derives from them.
Each project's actuals draw from their own stream, `random.Random("<seed>:actuals:<code>")`, so the ERP
volume (`erp_lines_per_project`) leaves the skeleton and the CRM side as they are.

A few projects carry the shapes real databases have and a naive reader gets wrong (`CASES`, drawn from their
own stream so the rest stays as it was): an invoice with a line for no project, a line split between the
project and a department, a multi-plan distribution key ("12,45"), a project whose account sits in the
Departments plan, a forced credit note, revenue posted directly on the account, a miscellaneous journal
entry, a draft invoice, and one line shared by three projects with percentages that do not divide to the
cent. How Odoo turns a distribution into analytic lines is `_prepare_analytic_distribution_line` (account
/models/account_move_line.py, 16.0-19.0): `amount = -balance * percentage / 100`, `category` invoice for
sale documents, vendor_bill for purchases, other otherwise; from 17.0 each id of a comma-joined key goes to
its plan's column (`account.plan_id._column_name()`), in 16.0 every key is one account and one line
(`plan_columns=False` writes that layout).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
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
    "entry": "Payroll accrual",
}
PROJECTS_PLAN, DEPARTMENTS_PLAN = 1, 2
DEPARTMENTS = ("Engineering", "Operations")  # the Departments plan's accounts, after the projects' ones
JOURNAL = {"out_invoice": 1, "out_refund": 1, "in_invoice": 2, "entry": 3}  # sales, purchases, misc
COLUMN = {PROJECTS_PLAN: "account_id", DEPARTMENTS_PLAN: "x_plan2_id"}  # Odoo 17+: one column per root plan
CASES = (
    "mixed_invoice", "partial_line", "multi_plan", "other_plan", "credit_note", "other_revenue",
    "misc_entry", "draft_invoice", "shared_line", "shared_line", "shared_line",
)  # fmt: skip
SHARED_LINE_CENTS = 100_001  # 1,000.01 split 33.33 / 33.33 / 33.34 %: the shares do not add up to the cent
SHARED_SPLIT = (33.33, 33.33, 33.34)
SHARED_RESIDUAL_CENTS = 50_000


@dataclass
class _ErpParties:
    customer_partner: list[int]  # by customer index
    conflict_partner: dict[int, int]  # deal crm id -> partner billed instead
    vendors: list[int]
    employees: dict[int, list[tuple[int, float]]]  # company id -> [(employee id, hourly cost)]


def plan_erp(
    skeleton: Skeleton,
    deliveries: list[Delivery],
    seed: int,
    clock: Clock,
    lines_per_project: int | None,
    *,
    plan_columns: bool = True,
) -> dict[str, TableRows]:
    """Every ERP row; `plan_columns` False lays analytic lines out as Odoo 16 does (one account each)."""
    rng = random.Random(f"{seed}:erp")
    rows: dict[str, list[tuple[Any, ...]]] = {
        name: [] for name in COLUMNS if name.startswith(("res_", "hr_"))
    }
    rows["res_currency"] = [(i, code, symbol) for i, (code, symbol) in enumerate(_CURRENCIES, start=1)]
    rows["res_company"] = [(i, name, i) for i, name in enumerate(_COMPANIES, start=1)]
    parties = _plan_parties(rng, skeleton, rows, clock)
    cases = _assign_cases(deliveries)
    departments = {name: len(deliveries) + i for i, name in enumerate(DEPARTMENTS, start=1)}
    ledger = _Ledger(clock, lines_per_project, parties, departments)
    accounts, projects, shared = [], [], []
    for erp_id, delivery in enumerate(deliveries, start=1):
        deal = delivery.deal
        company = _COMPANY_OF_CURRENCY[delivery.currency]
        if deal is None:
            partner: int | None = 1 if "pilot" not in delivery.name else None
        else:
            partner = parties.conflict_partner.get(deal.crm_id, parties.customer_partner[deal.customer])
        create_ago = max(1, (deal.close_ago if deal else delivery.start_ago) - rng.randint(0, 3))
        write = clock.moment(rng, rng.randint(1, min(create_ago, 45)))
        case = cases.get(erp_id)
        plan = DEPARTMENTS_PLAN if case == "other_plan" else PROJECTS_PLAN
        ledger.column_of[erp_id] = COLUMN[plan]
        accounts.append((erp_id, delivery.name, delivery.code, partner, company, plan, True, write))
        projects.append((
            erp_id, delivery.name, partner, erp_id, company, None, clock.day(delivery.start_ago),
            clock.day(delivery.planned_end_ago), True, delivery.erp_status, True, False,
            min(clock.moment(rng, create_ago), write), write,
        ))  # fmt: skip
        window = (max(1, delivery.start_ago - delivery.actual_days), max(1, delivery.start_ago))
        job = _Job(delivery, erp_id, company, partner, window, case)
        ledger.post(random.Random(f"{seed}:actuals:{delivery.code}"), job)
        if case == "shared_line":
            shared.append(job)
    if len(shared) == len(SHARED_SPLIT):
        ledger.shared_invoice(random.Random(f"{seed}:cases"), shared)
    for name, account_id in departments.items():
        accounts.append((account_id, name, None, None, 1, DEPARTMENTS_PLAN, True, clock.moment(rng, 400)))
    tables = {name: TableRows(COLUMNS[name], table_rows) for name, table_rows in rows.items()}
    tables["account_analytic_account"] = TableRows(COLUMNS["account_analytic_account"], accounts)
    tables["project_project"] = TableRows(COLUMNS["project_project"], projects)
    lines = ledger.lines if plan_columns else _one_account_per_line(ledger.lines)
    tables["account_analytic_line"] = TableRows(COLUMNS["account_analytic_line"], lines)
    tables["account_move"] = TableRows(COLUMNS["account_move"], ledger.moves)
    move_lines = ledger.move_lines if plan_columns else _single_account_keys(ledger.move_lines)
    tables["account_move_line"] = TableRows(COLUMNS["account_move_line"], move_lines)
    return tables


def _assign_cases(deliveries: list[Delivery]) -> dict[int, str]:
    """erp id -> case: each case goes to the next cleanly linked USD project with two invoices or more."""
    pending = list(CASES)
    cases: dict[int, str] = {}
    for erp_id, delivery in enumerate(deliveries, start=1):
        if not pending:
            break
        deal = delivery.deal
        if deal is None or deal.problem is not None or delivery.milestones_done < 2:
            continue
        if delivery.currency != "USD" or delivery.cost_cents <= 0:
            continue  # the shared line needs one company; USD keeps the hand checks simple
        cases[erp_id] = pending.pop(0)
    return cases


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
    case: str | None = None


@dataclass(frozen=True, slots=True)
class _Line:
    """One product line of a move: its label, untaxed cents and analytic distribution ({key: percent})."""

    label: str
    cents: int
    distribution: dict[str, float] | None


@dataclass
class _Ledger:
    """Books a project's actuals: timesheets, vendor bills, other costs, invoices and credit notes."""

    clock: Clock
    lines_per_project: int | None
    parties: _ErpParties
    departments: dict[str, int]
    column_of: dict[int, str] = field(default_factory=dict)  # analytic account -> its plan's column
    lines: list[tuple[Any, ...]] = field(default_factory=list)
    moves: list[tuple[Any, ...]] = field(default_factory=list)
    move_lines: list[tuple[Any, ...]] = field(default_factory=list)
    _sequence: dict[str, int] = field(default_factory=dict)

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
        self._case_extras(job)
        if self.lines_per_project is not None:
            count = max(1, self.lines_per_project - (len(self.lines) - before))
        else:  # roughly one entry per person-week
            count = max(3, min(80, round(labor / 100 / 70 / 30)))
        self._timesheets(rng, job, labor, count)

    def _columns(self, account: int) -> tuple[int | None, int | None]:
        """(account_id, x_plan2_id) of a line on `account` alone."""
        return (
            (account, None) if self.column_of.get(account, "account_id") == "account_id" else (None, account)
        )

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
        (first, second), project, company = self._columns(job.account), job.account, job.company
        next_id = len(lines) + 1
        for weight, ago in zip(weights, days, strict=True):
            employee, hourly = team[int(draw() * n_team)]
            hours = max(0.25, round(weight * scale / hourly * 4) / 4)
            lag = draw()
            written = moment(rng, max(1, ago - (0 if lag < 0.6 else 1 if lag < 0.8 else 2)))
            lines.append((
                next_id, activities[int(draw() * n_activities)], day(ago), -round(hours * hourly, 2), hours,
                first, second, project, employee, None, "other", None, None, company, written,
            ))  # fmt: skip
            next_id += 1

    def _other_costs(self, rng: random.Random, job: _Job, cents: int) -> None:
        for part in _split(rng, cents, rng.randint(1, 3)):
            ago = rng.randint(*job.window)
            self._manual_line(job, rng.choice(names.OTHER_COSTS), ago, -part, self._written(rng, ago))

    def _manual_line(self, job: _Job, name: str, ago: int, cents: int, written: datetime) -> None:
        """An analytic line entered by hand (no journal item): Odoo's Other Costs or Other Revenues."""
        first, second = self._columns(job.account)
        self.lines.append((
            len(self.lines) + 1, name, self.clock.day(ago), cents / 100, 1.0, first, second, None, None, None,
            "other", None, None, job.company, written,
        ))  # fmt: skip

    def _case_extras(self, job: _Job) -> None:
        """The bookings a case adds beside the usual ones (fixed amounts: they are checked by hand)."""
        ago = job.window[0] + 1
        written = self.clock.moment(random.Random(f"cases:{job.account}"), ago)
        if job.case == "other_revenue":  # revenue posted straight on the account: Odoo's Other Revenues
            self._manual_line(job, "Recharged travel", ago, 45_000, written)
        elif job.case == "misc_entry":  # a journal entry with a distribution: not a sale, not a purchase
            self._book(job, "entry", [_Line("Payroll accrual", 120_000, {str(job.account): 100.0})], ago,
                       None, state="posted", payment=("not_paid", 0), written=written)  # fmt: skip
        elif job.case == "draft_invoice":  # drafts have no analytic lines and count nowhere yet
            line = _Line("Next milestone (draft)", 250_000, {str(job.account): 100.0})
            self._book(job, "out_invoice", [line], ago, job.partner, state="draft",
                       payment=("not_paid", 250_000), written=written)  # fmt: skip

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
        if rng.random() < 0.04 or job.case == "credit_note":  # an over-billed first invoice, then a credit
            refund = round(parts[0] * rng.uniform(0.05, 0.15))
            parts[0] += refund
        for i, (cents, ago) in enumerate(zip(parts, dates, strict=True)):
            lines = self._invoice_lines(job, cents) if i == 0 else None
            self._move(rng, job, "out_invoice", cents, ago, job.partner, paid=None, lines=lines)
        if refund:
            ago = max(1, dates[0] - rng.randint(7, 30))
            self._move(rng, job, "out_refund", refund, ago, job.partner, paid=True)

    def _invoice_lines(self, job: _Job, cents: int) -> list[_Line] | None:
        """The first invoice's lines for a case project (None: the usual single line, all on the project)."""
        account, label = str(job.account), _MOVE_LABELS["out_invoice"]
        engineering, operations = (str(self.departments[name]) for name in DEPARTMENTS)
        if job.case == "mixed_invoice":  # a second line billed for no project at all
            return [_Line(label, cents, {account: 100.0}), _Line("Hardware resale", cents // 2, None)]
        if job.case == "partial_line":  # one line, half the project's, half a department's
            return [_Line(label, cents * 2, {account: 50.0, engineering: 50.0})]
        if job.case == "multi_plan":  # 17+: one key, one account per plan ("12,45")
            return [_Line(label, cents, {f"{account},{operations}": 100.0})]
        return None

    def shared_invoice(self, rng: random.Random, jobs: list[_Job]) -> None:
        """One line shared by three projects: 1,000.01 at 33.33 / 33.33 / 33.34 %, 500.00 of it still due."""
        split = {str(job.account): pct for job, pct in zip(jobs, SHARED_SPLIT, strict=True)}
        ago = min(job.window[0] for job in jobs) + 2
        line = _Line("Shared steering committee", SHARED_LINE_CENTS, split)
        written = self.clock.moment(rng, ago)
        self._book(jobs[0], "out_invoice", [line], ago, jobs[0].partner, state="posted",
                   payment=("partial", SHARED_RESIDUAL_CENTS), written=written)  # fmt: skip

    def _written(self, rng: random.Random, ago: int) -> datetime:
        return self.clock.moment(rng, max(1, ago - rng.choice((0, 0, 0, 1, 2))))

    def _name(self, move_type: str, day: date) -> str:
        """Odoo 17's sequence names: INV/2025/00042, RINV/2025/00003, BILL/2025/03/0007, MISC/2025/03/0001."""
        prefix = {"out_invoice": "INV", "out_refund": "RINV", "in_invoice": "BILL", "entry": "MISC"}[
            move_type
        ]
        key = f"{prefix}/{day.year}"
        number = self._sequence[key] = self._sequence.get(key, 0) + 1
        return f"{key}/{day.month:02d}/{number:04d}" if prefix in ("BILL", "MISC") else f"{key}/{number:05d}"

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
        lines: list[_Line] | None = None,
    ) -> None:
        """One posted invoice, bill or credit note: its lines and the analytic lines Odoo derives."""
        lines = lines or [_Line(_MOVE_LABELS[move_type], cents, {str(job.account): 100.0})]
        untaxed = sum(line.cents for line in lines)
        total = untaxed + sum(_tax(line.cents, job.company) for line in lines)
        if paid is None:
            payment = _payment(rng, total, ago - 30)
        else:
            payment = ("paid", 0) if paid else ("not_paid", total)
        written = self._written(rng, ago if payment[0] == "not_paid" else max(1, ago - rng.randint(0, 40)))
        ref = f"V-{rng.randint(10_000, 99_999)}" if move_type == "in_invoice" else None
        self._book(job, move_type, lines, ago, partner, state="posted", payment=payment, written=written,
                   ref=ref)  # fmt: skip

    def _book(
        self,
        job: _Job,
        move_type: str,
        lines: list[_Line],
        ago: int,
        partner: int | None,
        *,
        state: str,
        payment: tuple[str, int],
        written: datetime,
        ref: str | None = None,
    ) -> None:
        """The move, its product lines (tax per line, rounded half up) and, posted, its analytic lines."""
        taxes = [_tax(line.cents, job.company) if move_type != "entry" else 0 for line in lines]
        untaxed, tax = sum(line.cents for line in lines), sum(taxes)
        total, (payment_state, residual) = untaxed + tax, payment
        invoice_date = self.clock.day(ago)
        name = self._name(move_type, invoice_date) if state == "posted" else "/"
        sign = -1 if move_type in ("out_refund", "in_invoice") else 1  # Odoo's *_signed: refunds, bills < 0
        move_id = len(self.moves) + 1
        self.moves.append((
            move_id, name, move_type, state, partner, job.company, job.company, invoice_date,
            self.clock.day(ago - 30), None, ref, untaxed / 100, tax / 100, total / 100, residual / 100,
            sign * untaxed / 100, sign * total / 100, sign * residual / 100, payment_state, written,
        ))  # fmt: skip
        # income is a credit, a cost or a refund a debit: balance = debit - credit, in company currency
        debit = 1 if move_type in ("out_refund", "in_invoice", "entry") else -1
        for line, line_tax in zip(lines, taxes, strict=True):
            line_id = len(self.move_lines) + 1
            distribution = json.dumps(line.distribution) if line.distribution else None
            self.move_lines.append((
                line_id, move_id, line.label, "product", 1.0, line.cents / 100, line.cents / 100,
                (line.cents + line_tax) / 100, debit * line.cents / 100, distribution, partner, state,
                move_type, written,
            ))  # fmt: skip
            if state == "posted" and line.distribution:
                booked = (name, invoice_date, line_id, written)
                self._analytic_lines(job, move_type, booked, line, -debit * line.cents)

    def _analytic_lines(
        self, job: _Job, move_type: str, booked: tuple[str, date, int, datetime], line: _Line, cents: int
    ) -> None:
        """One analytic line per distribution key, each id in its plan's column: -balance x percent."""
        name, day, line_id, written = booked
        category = {"out_invoice": "invoice", "out_refund": "invoice", "in_invoice": "vendor_bill"}.get(
            move_type, "other"
        )
        for key, percent in (line.distribution or {}).items():
            columns: dict[str, int] = {}
            for part in key.split(","):
                columns[self.column_of.get(int(part), "x_plan2_id")] = int(part)
            amount = _cents_of(Decimal(cents) * Decimal(str(percent)) / 100) / 100
            self.lines.append((
                len(self.lines) + 1, f"{name} {line.label}", day, amount, 1.0, columns.get("account_id"),
                columns.get("x_plan2_id"), None, None, job.partner, category, line_id, JOURNAL[move_type],
                job.company, written,
            ))  # fmt: skip


def _tax(cents: int, company: int) -> int:
    return (cents * _TAX_PERMILLE[company] + 500) // 1000  # rounded half up, in whole cents


def _cents_of(value: Decimal) -> int:
    """Whole cents, half away from zero, as Odoo rounds a monetary value."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _one_account_per_line(lines: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Odoo 16's layout: a line holding accounts of two plans becomes one line per account."""
    out: list[tuple[Any, ...]] = []
    for row in lines:
        accounts = [a for a in (row[5], row[6]) if a is not None]
        for account in accounts or [None]:
            out.append((len(out) + 1, *row[1:5], account, None, *row[7:]))
    return out


def _single_account_keys(move_lines: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Odoo 16's distributions: one account per key ("12,45": 100 is "12": 100 and "45": 100)."""
    out = []
    for row in move_lines:
        if row[9] and "," in row[9]:
            split: dict[str, float] = {}
            for key, percent in json.loads(row[9]).items():
                for part in key.split(","):
                    split[part] = split.get(part, 0.0) + percent
            row = (*row[:9], json.dumps(split), *row[10:])
        out.append(row)
    return out


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
