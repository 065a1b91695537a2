"""The demo portfolio's ERP side in QuickBooks Online terms: the same projects, customers and ID problems.

The skeleton and the deliveries are the ones the Odoo side books (plan.py), so the deals, the project codes
and the deliberate ID problems (the manifest) are the same; only the bookkeeping is QuickBooks': one company
with multicurrency on and US dollars at home, where

- each customer is a Customer (one per currency it buys in: QuickBooks books all of a customer's sales in
  its currency, and a sub-customer shares its parent's), the conflict deals' projects sit under the holding
  company billed instead, and internal work under the firm's own customer;
- each project is a sub-customer: a QuickBooks project (`IsProject`) when it started in the last 18 months,
  a classic sub-customer job before that; its project ID sits where `project_id_field` says (the display
  name "PRJ-00042 · …", or a "Project ID:" line in its notes); a few customers also have a sub-customer
  that is no project (a site), which carries no ID;
- labor is TimeActivity rows (hours at the employee's cost rate, in home currency: time carries no
  currency; a few with start and end times instead of hours, a few without a cost rate of their own);
  vendor cost is Bills (now and then one bill for two projects, and a vendor credit); other cost is
  expenses (Purchase, by card or check, in home currency) and accrual journal entries; invoices follow the
  milestones (now and then one invoice for two projects of the same customer, a line each), with payments
  and, for an over-billed first invoice, a credit memo applied to it.

Each project draws from its own stream, `random.Random("<seed>:quickbooks:<code>")`.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any, Literal

from sandbox import names
from sandbox.portfolio.clock import Clock
from sandbox.portfolio.crm import plan_crm
from sandbox.portfolio.delivery import Delivery, plan_deliveries
from sandbox.portfolio.plan import Portfolio
from sandbox.portfolio.skeleton import Skeleton, plan_skeleton, sorted_manifest
from sandbox.portfolio.tables import COLUMNS, TableRows
from sandbox.quickbooks import books as B
from sandbox.quickbooks.documents import (
    RATES,
    DocumentWriter,
    PlannedBill,
    PlannedInvoice,
    QuickBooksBooks,
    journal_line,
    rate,
)

IdField = Literal["display_name", "notes"]
Row = dict[str, Any]
OWN_COMPANY = "Throughline Demo Inc."
VENDOR_CURRENCY = {"Gridline Hardware GmbH": "EUR", "Brightpath Subcontracting Ltd": "GBP"}
PROJECT_DAYS = 540  # projects started in the last 18 months are QuickBooks projects, older ones jobs


def project_display(code: str, name: str, id_field: IdField) -> tuple[str, str | None]:
    """A project's DisplayName and Notes for where its ID sits."""
    if id_field == "display_name":
        return f"{code} · {name}", None
    return name, f"Project ID: {code}\nOpened from the won deal in HubSpot."


def plan_quickbooks(
    skeleton: Skeleton,
    deliveries: list[Delivery],
    seed: int,
    clock: Clock,
    *,
    id_field: IdField = "display_name",
) -> QuickBooksBooks:
    """Every QuickBooks entity of the demo company, deterministically from the plan."""
    plan = _Plan(clock, random.Random(f"{seed}:quickbooks"))
    plan.reference_data()
    plan.parties(skeleton, deliveries, id_field)
    for delivery in deliveries:
        plan.post(random.Random(f"{seed}:quickbooks:{delivery.code}"), delivery)
    plan.merge()
    for invoice in sorted(plan.invoices, key=lambda i: -i.ago):
        plan.writer.invoice(invoice)
    for bill in sorted(plan.bills, key=lambda b: -b.ago):
        plan.writer.bill(bill)
    return plan.books


class _Plan:
    def __init__(self, clock: Clock, rng: random.Random) -> None:
        self.clock, self.rng, self.books = clock, rng, QuickBooksBooks()
        self.writer = DocumentWriter(self.books, rng, clock.day, self.moment)
        self.start = clock.moment(rng, 900)
        self.projects: dict[str, Row] = {}
        self.parent_of: dict[str, Row] = {}
        self.taxable: set[str] = set()
        self.invoices: list[PlannedInvoice] = []
        self.bills: list[PlannedBill] = []
        self.employees: list[tuple[Row, float]] = []
        self.vendors: dict[str, list[Row]] = defaultdict(list)

    def moment(self, ago: int) -> datetime:
        """An office-hours instant `ago` days before as_of."""
        return self.clock.moment(self.rng, max(1, ago))

    def reference_data(self) -> None:
        """Accounts, items, preferences, exchange rates, employees and vendors."""
        add, start = self.books.add, self.start
        for i, (name, kind, classification) in enumerate(B.ACCOUNTS, start=1):
            add("Account", B.account(i, name, kind, classification, start))
        for i, (name, kind) in enumerate(B.ITEMS, start=1):
            add("Item", B.item(i, name, kind, start))
        add("Preferences", B.preferences(start))
        for currency in RATES:
            for months in range(26, -1, -1):
                day = (self.clock.as_of - timedelta(days=30 * months)).replace(day=1)
                add("ExchangeRate", B.exchange_rate(currency, day, rate(currency, day), start))
        people = self.rng.sample([(f, la) for f in names.FIRST_NAMES for la in names.LAST_NAMES], 26)
        for i, (given, family) in enumerate(people, start=1):
            cost = round(self.rng.uniform(35, 110) * 2) / 2
            self.employees.append((add("Employee", B.employee(i, given, family, cost, start)), cost))
        for i, name in enumerate(names.VENDORS, start=1):
            currency = VENDOR_CURRENCY.get(name, "USD")
            self.vendors[currency].append(add("Vendor", B.vendor(i, name, currency, start)))

    def _parent(self, customers: dict[tuple[str, str], Row], name: str, currency: str, email: str | None,
                first: bool) -> Row:  # fmt: skip
        """The customer `name` buying in `currency` (a second currency gets its own, named with it)."""
        key = (name, currency)
        if key not in customers:
            display = name if first else f"{name} ({currency})"
            taxable = currency == "USD" and self.rng.random() < 0.2
            row = B.customer(
                self.books.next_id("Customer"), display, currency, self.moment(800), company_name=name,
                email=email, taxable=taxable,
            )  # fmt: skip
            customers[key] = self.books.add("Customer", row)
            if taxable:
                self.taxable.add(row["Id"])
            if self.rng.random() < 0.05:  # a site, not a project: no ID, not IsProject
                site = f"{display} – head office"
                created = self.moment(700)
                self.books.add(
                    "Customer",
                    B.customer(self.books.next_id("Customer"), site, currency, created, parent=row),
                )
        return customers[key]

    def parties(self, skeleton: Skeleton, deliveries: list[Delivery], id_field: IdField) -> None:
        """Customers per currency they buy in, holdings for the conflict deals, then the projects."""
        customers: dict[tuple[str, str], Row] = {}
        main: dict[int, str] = {}
        for delivery in deliveries:
            if delivery.deal is not None:
                main.setdefault(delivery.deal.customer, delivery.currency)
        own = self._parent(customers, OWN_COMPANY, "USD", None, True)
        holdings = [f"{w} {f}" for w in names.HOLDING_WORDS for f in names.HOLDING_FORMS]
        conflicts = [d.crm_id for d in skeleton.deals if d.problem == "conflict"]
        holding_of = dict(zip(conflicts, self.rng.sample(holdings, len(conflicts)), strict=True))
        for delivery in deliveries:
            deal = delivery.deal
            if deal is None:
                owner = own
            elif deal.crm_id in holding_of:
                owner = self._parent(customers, holding_of[deal.crm_id], delivery.currency, None, True)
            else:
                who = skeleton.customers[deal.customer]
                first = main[deal.customer] == delivery.currency
                owner = self._parent(customers, who.name, delivery.currency, f"accounts@{who.domain}", first)
            display, notes = project_display(delivery.code, delivery.name, id_field)
            created = self.moment(max(1, delivery.start_ago + self.rng.randint(0, 5)))
            row = B.customer(
                self.books.next_id("Customer"), display, delivery.currency, created, parent=owner,
                is_project=delivery.start_ago < PROJECT_DAYS, notes=notes,
            )  # fmt: skip
            self.projects[delivery.code] = self.books.add("Customer", row)
            self.parent_of[delivery.code] = owner

    def post(self, rng: random.Random, delivery: Delivery) -> None:
        """Book what the project cost and billed up to as_of (the Odoo ledger's split, QuickBooks' terms)."""
        project, cost = self.projects[delivery.code], delivery.cost_cents
        if cost <= 0 and delivery.milestones_done == 0:
            return
        vendor = round(cost * (0.0 if rng.random() < 0.3 else rng.uniform(0.05, 0.3)))
        other = round(cost * rng.uniform(0.01, 0.06))
        window = (max(1, delivery.start_ago - delivery.actual_days), max(1, delivery.start_ago))
        self._invoices(rng, delivery, project, window)
        vendors = self.vendors[delivery.currency] or self.vendors["USD"]
        for part in _split(rng, vendor, rng.randint(1, 4)):
            ago, who = rng.randint(*window), rng.choice(vendors)
            paid = ago > 30 and rng.random() < 0.85
            lines = [(project, part, "Subcontracted work")]
            self.bills.append(PlannedBill(lines, who, who["CurrencyRef"]["value"], ago, paid))
        if vendor and rng.random() < 0.04:
            self._vendor_credit(rng, project, vendors, round(vendor * rng.uniform(0.05, 0.1)), window)
        self._other_costs(rng, project, other, window)
        labor = cost - vendor - other
        self._time(rng, project, labor, max(3, min(80, round(labor / 100 / 70 / 30))), window)

    def _invoices(
        self, rng: random.Random, delivery: Delivery, project: Row, window: tuple[int, int]
    ) -> None:
        total, done = delivery.milestones_total, delivery.milestones_done
        if done == 0:
            return
        parts = _split(rng, delivery.contract_cents, total, even=True)[:done]
        latest, earliest = window
        dates = [max(latest, earliest - round(delivery.actual_days * (i + 1) / total)) for i in range(done)]
        credit = round(parts[0] * rng.uniform(0.05, 0.15)) if rng.random() < 0.04 else 0
        parent = self.parent_of[delivery.code]
        for i, (cents, ago) in enumerate(zip(parts, dates, strict=True)):
            extra = credit if i == 0 else 0  # the over-billed first invoice
            lines = [(project, cents + extra, f"Milestone {i + 1} of {total}")]
            taxable = parent["Id"] in self.taxable
            self.invoices.append(PlannedInvoice(lines, parent, delivery.currency, ago, taxable, extra))

    def _vendor_credit(
        self, rng: random.Random, project: Row, vendors: list[Row], cents: int, window: tuple[int, int]
    ) -> None:
        ago, who = rng.randint(*window), rng.choice(vendors)
        row = self.writer.transaction("VendorCredit", ago, who["CurrencyRef"]["value"])
        row |= {
            "VendorRef": B.ref(who["Id"], who["DisplayName"]),
            "APAccountRef": B.ref(B.ACCOUNT["Accounts Payable (A/P)"]),
            "Line": [B.expense_line(1, cents, "Credit for rework", "Subcontractors", project, "NotBillable")],
            "TotalAmt": B.money(cents),
            "Balance": 0,
        }
        self.books.add("VendorCredit", row)

    def _other_costs(self, rng: random.Random, project: Row, cents: int, window: tuple[int, int]) -> None:
        for part in _split(rng, cents, rng.randint(1, 3)):
            ago, what = rng.randint(*window), rng.choice(names.OTHER_COSTS)
            account = "Travel" if ("Travel" in what or "Hotel" in what) else "Job Expenses"
            if (
                rng.random() < 0.2
            ):  # an accrual: debit the expense for the project, credit accrued liabilities
                row = self.writer.transaction("JournalEntry", ago, "USD")
                row |= {"DocNumber": f"JE-{row['Id']}", "Adjustment": False, "TotalAmt": 0}
                row["Line"] = [
                    journal_line(0, part, what, "Debit", account, project),
                    journal_line(1, part, what, "Credit", "Accrued Liabilities", None),
                ]
                self.books.add("JournalEntry", row)
                continue
            card = rng.random() < 0.7
            row = self.writer.transaction("Purchase", ago, "USD")
            row |= {
                "PaymentType": "CreditCard" if card else "Check",
                "Credit": False,
                "TotalAmt": B.money(part),
                "AccountRef": B.ref(B.ACCOUNT["Visa" if card else "Checking"]),
                "Line": [B.expense_line(1, part, what, account, project, "NotBillable")],
            }
            if not card:
                row["DocNumber"] = str(3000 + int(row["Id"]))
            self.books.add("Purchase", row)
        if cents and rng.random() < 0.03:  # a receivable reclass naming the project: no cost
            row = self.writer.transaction("JournalEntry", window[0], "USD")
            row |= {"DocNumber": f"JE-{row['Id']}", "Adjustment": True, "TotalAmt": 0}
            row["Line"] = [
                journal_line(0, 100, "Reclass", "Debit", "Accounts Receivable (A/R)", project),
                journal_line(1, 100, "Reclass", "Credit", "Accounts Receivable (A/R)", project),
            ]
            self.books.add("JournalEntry", row)

    def _time(
        self, rng: random.Random, project: Row, cents: int, count: int, window: tuple[int, int]
    ) -> None:
        if cents <= 0:
            return
        team = rng.sample(self.employees, rng.randint(2, 5))
        weights = [rng.random() + 0.5 for _ in range(count)]
        scale = cents / 100 / sum(weights)
        latest, earliest = window
        for weight in weights:
            person, cost = team[int(rng.random() * len(team))]
            ago = earliest - int(rng.random() * (earliest - latest + 1))
            quarters = max(1, round(weight * scale / cost * 4))
            day = self.clock.day(ago)
            row = B.base(self.books.next_id("TimeActivity"), self.moment(ago)) | {
                "TxnDate": day.isoformat(),
                "NameOf": "Employee",
                "EmployeeRef": B.ref(person["Id"], person["DisplayName"]),
                "CustomerRef": B.ref(project["Id"], project["FullyQualifiedName"]),
                "ItemRef": B.ref(B.ITEM["Hours"], "Hours"),
                "BillableStatus": "HasBeenBilled",
                "Taxable": False,
                "HourlyRate": person["BillRate"],
                "Description": rng.choice(names.TIMESHEET_ACTIVITIES),
            }
            if project.get("IsProject"):
                row["ProjectRef"] = B.ref(project["Id"])
            if rng.random() < 0.97:
                row["CostRate"] = cost
            if rng.random() < 0.05:  # clocked in and out instead of hours entered
                begin = datetime.combine(day, time(9), tzinfo=B.COMPANY_OFFSET)
                end = begin + timedelta(minutes=15 * quarters)
                row |= {"StartTime": B.qbo_time(begin), "EndTime": B.qbo_time(end)}
            else:
                row |= {"Hours": quarters // 4, "Minutes": 15 * (quarters % 4)}
            self.books.add("TimeActivity", row)

    def merge(self) -> None:
        """Now and then one invoice for two projects of a customer, and one bill for two projects."""
        by_parent: dict[str, list[PlannedInvoice]] = defaultdict(list)
        for invoice in self.invoices:
            if invoice.lines[0][0].get("IsProject") and not invoice.credit_cents:
                by_parent[invoice.parent["Id"]].append(invoice)
        for group in by_parent.values():
            if len({i.lines[0][0]["Id"] for i in group}) > 1 and self.rng.random() < 0.6:
                first = max(group, key=lambda i: i.ago)
                others = [i for i in group if i.lines[0][0]["Id"] != first.lines[0][0]["Id"]]
                other = max(others, key=lambda i: i.ago)
                first.lines += other.lines
                self.invoices.remove(other)
        by_vendor: dict[str, list[PlannedBill]] = defaultdict(list)
        for bill in self.bills:
            by_vendor[bill.vendor["Id"]].append(bill)
        for group in by_vendor.values():
            group.sort(key=lambda b: b.ago)
            for one, two in zip(group[0::2], group[1::2], strict=False):
                close = abs(one.ago - two.ago) <= 20 and one.lines[0][0]["Id"] != two.lines[0][0]["Id"]
                if close and self.rng.random() < 0.15:
                    one.lines += two.lines
                    self.bills.remove(two)


def _split(rng: random.Random, cents: int, parts: int, *, even: bool = False) -> list[int]:
    """`cents` cut into `parts` positive pieces that sum exactly (even: equal ones, the last absorbs)."""
    if cents <= 0:
        return []
    parts = max(1, min(parts, cents // 100))
    weights = [1.0] * parts if even else [rng.uniform(0.5, 1.5) for _ in range(parts)]
    pieces = [int(cents * w / sum(weights)) for w in weights[:-1]]
    return [*pieces, cents - sum(pieces)]


def plan_quickbooks_portfolio(
    *, deals: int, seed: int, as_of: date, id_field: IdField = "display_name"
) -> tuple[Portfolio, QuickBooksBooks]:
    """The demo portfolio's CRM side (as plan.py plans it) and its ERP side in QuickBooks terms."""
    skeleton = plan_skeleton(deals, seed)
    clock = Clock(as_of)
    deliveries = plan_deliveries(skeleton, seed)
    tables = plan_crm(skeleton, deliveries, seed, clock)
    problems = tuple(skeleton.problems)
    meta = {
        "deals": deals,
        "seed": seed,
        "erp": "quickbooks",
        "qbo_project_id": id_field,
        "as_of": as_of.isoformat(),
    }
    tables["sandbox_meta"] = TableRows(
        COLUMNS["sandbox_meta"],
        [("manifest", json.dumps(sorted_manifest(problems))), ("portfolio", json.dumps(meta))],
    )
    portfolio = Portfolio(deals, seed, as_of, None, tables, problems)
    return portfolio, plan_quickbooks(skeleton, deliveries, seed, clock, id_field=id_field)
