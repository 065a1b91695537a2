"""QuickBooks customers read as projects, and per-project figures added up from what each transaction
contributes (entities.py). Pure: no network, no clock.

Projects are Customer rows (`Job` true: a sub-customer under a customer): QuickBooks projects (`IsProject`
true) and classic sub-customer jobs. The shared project ID is read from the place the settings name
(`ProjectIds`); a sub-customer that is not a QuickBooks project and carries no ID (a site, a department) is
not a project and is left out, with a note. The customer a project is for is the top of its `ParentRef`
chain (its `CompanyName`, else its `DisplayName`); its currency the project's `CurrencyRef` (QuickBooks
books every sale to a customer in that customer's currency). The v3 API has no project dates or status
(those are in Intuit's GraphQL Projects API): a project's start is the day its customer record was created
(`MetaData.CreateTime`), and an active project is open (an inactive customer is what QuickBooks calls
deleted, and is not read).

Amounts in another currency than the project's (with multicurrency on: a home-currency bill or time, which
has no currency of its own, on a foreign-currency project) are taken to home currency at the transaction's
own `ExchangeRate` and then to the project's currency at QuickBooks' rate of the read day; each such share
is rounded to the cent, and a note says which rates were used.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from services.models import ErpActuals, ErpProject, ErpProjectId, ErpReceivable, ErpRecordId
from services.quickbooks.entities import Document, Row, cents, instant, money, ref

IdField = Literal["display_name", "notes"]
DEFAULT_PATTERNS: dict[IdField, str] = {
    # "PRJ-00042 · Website revamp": the ID, a middle dot, the name (DisplayName may not hold a colon)
    "display_name": r"^\s*(?P<id>[^·]+?)\s*·\s*(?P<name>.+?)\s*$",
    # a line "Project ID: PRJ-00042" anywhere in the customer's Notes
    "notes": r"(?im)^\s*project\s*id\s*[:=]\s*(?P<id>\S+)",
}
FIGURES = ("labor_hours", "labor_cost", "vendor_cost", "other_cost")
SECTION_FIGURE = {"labor": "labor_cost", "vendor": "vendor_cost", "other_cost": "other_cost"}


@dataclass(frozen=True)
class ProjectIds:
    """Where the shared project ID sits on a QuickBooks customer: a field and a pattern with an `id` group
    (and, for the display name, a `name` group: the project's name without its ID)."""

    field: IdField = "display_name"
    pattern: str | None = None

    def __post_init__(self) -> None:
        compiled = re.compile(self.regex)
        if "id" not in compiled.groupindex:
            raise ValueError("the project ID pattern needs a group named id, as in (?P<id>PRJ-\\d+)")

    @property
    def regex(self) -> str:
        """The pattern in use (the field's default unless one is set)."""
        return self.pattern or DEFAULT_PATTERNS[self.field]

    def read(self, customer: Customer) -> tuple[str | None, str]:
        """The raw project ID (None when the customer carries none) and the project's name."""
        text = customer.display_name if self.field == "display_name" else customer.notes or ""
        found = re.search(self.regex, text)
        if found is None:
            return None, customer.display_name
        name = found.groupdict().get("name") if self.field == "display_name" else None
        return found.group("id").strip() or None, (name or customer.display_name).strip()


@dataclass(frozen=True, slots=True)
class Customer:
    """The fields of a QuickBooks Customer a read keeps."""

    id: str
    display_name: str
    company_name: str | None
    parent_id: str | None
    job: bool
    is_project: bool
    active: bool
    currency: str | None
    notes: str | None
    updated_at: datetime | None
    created_at: datetime | None = None


def customer_of(row: Row) -> Customer:
    """A Customer row as the read keeps it."""
    return Customer(
        id=str(row.get("Id")),
        display_name=str(
            row.get("DisplayName") or row.get("FullyQualifiedName") or f"customer {row.get('Id')}"
        ),
        company_name=row.get("CompanyName") or None,
        parent_id=ref(row.get("ParentRef")),
        job=row.get("Job") is True,
        is_project=row.get("IsProject") is True,
        active=row.get("Active", True) is not False,
        currency=ref(row.get("CurrencyRef")),
        notes=row.get("Notes") or None,
        updated_at=instant((row.get("MetaData") or {}).get("LastUpdatedTime")),
        created_at=instant((row.get("MetaData") or {}).get("CreateTime")),
    )


@dataclass(frozen=True)
class QuickBooksMarks:
    """What a read saw, for change data capture to bring up to date and for one project's documents."""

    customers: Mapping[str, Customer]
    documents: Mapping[tuple[str, str], Document]
    """(entity, Id) -> what the transaction contributes; time activities included."""
    home: str
    expense_accounts: frozenset[str] = frozenset()
    employee_rates: Mapping[str, Decimal] | None = None
    rates: Mapping[str, Decimal] = field(default_factory=dict)
    """Currency -> home-currency units per unit, QuickBooks' rate of `rates_day`."""
    rates_day: date | None = None
    totals: Totals | None = None
    """The figures as added up, for a refresh to adjust."""


def projects_of(
    customers: Mapping[str, Customer], ids: ProjectIds, home: str
) -> tuple[list[ErpProject], list[str]]:
    """The projects among the customers (active jobs that are QuickBooks projects or carry an ID), and
    notes on what was left out."""
    projects, skipped = [], 0
    for customer in sorted(customers.values(), key=lambda c: (len(c.id), c.id)):
        if not (customer.job and customer.active):
            continue
        raw_id, name = ids.read(customer)
        if raw_id is None and not customer.is_project:
            skipped += 1
            continue
        projects.append(
            ErpProject(
                erp="quickbooks",
                erp_record_id=ErpRecordId(customer.id),
                erp_project_id=ErpProjectId(raw_id) if raw_id else None,
                name=name,
                customer_name=_root_name(customer, customers),
                status="open",
                raw_status="project" if customer.is_project else "sub-customer",
                currency=customer.currency or home,
                start_date=customer.created_at.date() if customer.created_at else None,
                updated_at=customer.updated_at,
            )
        )
    notes = []
    if skipped:
        where = "display name" if ids.field == "display_name" else "notes"
        notes.append(
            f"QuickBooks: {skipped} sub-customer(s) carry no project ID in their {where} and are not "
            "QuickBooks projects, so they were not read as projects"
        )
    return projects, notes


def _root_name(customer: Customer, customers: Mapping[str, Customer]) -> str | None:
    seen, current = {customer.id}, customer
    while current.parent_id and current.parent_id in customers and current.parent_id not in seen:
        current = customers[current.parent_id]
        seen.add(current.id)
    if current is customer:
        return None
    return current.company_name or current.display_name


def conversions_needed(projects: Iterable[ErpProject], documents: Iterable[Document], home: str) -> set[str]:
    """Foreign project currencies some amount must be converted into (their rates must be read)."""
    currency_of = {p.erp_record_id: p.currency for p in projects}
    needed = set()
    for doc in documents:
        for customer, _, _, currency, _, _ in doc.costs:
            target = currency_of.get(ErpRecordId(customer))
            if target is not None and target != currency and target != home:
                needed.add(target)
        for sale in doc.sales:
            target = currency_of.get(ErpRecordId(sale.customer_id))
            if target is not None and target != sale.currency and target != home:
                needed.add(target)
    return needed


def convert(
    amount: Decimal, currency: str, rate: Decimal, target: str, home: str, rates: Mapping[str, Decimal]
) -> Decimal:
    """`amount` in `target` currency: as it is when already in it, else through home currency."""
    if currency == target:
        return amount
    in_home = amount * rate
    return cents(in_home if target == home else in_home / rates[target])


DocumentKey = tuple[str, str]
"""(entity, Id) of a transaction."""


@dataclass(frozen=True)
class Totals:
    """Per project, the cost sums in its currency and each transaction's receivables: what a full read adds
    up once and a refresh then adjusts by the changed transactions only (each share is rounded to the cent
    on its own, so taking one away and adding its new version is exact)."""

    currency_of: Mapping[ErpRecordId, str]
    sums: Mapping[ErpRecordId, Mapping[str, Decimal]]
    receivables: Mapping[DocumentKey, tuple[ErpReceivable, ...]]


def _costs(
    doc: Document, currency_of: Mapping[ErpRecordId, str], home: str, rates: Mapping[str, Decimal]
) -> Iterator[tuple[ErpRecordId, str, Decimal]]:
    """(project, figure, amount in its currency) of every cost share that counts for a project."""
    for customer, section, amount, currency, rate, hours in doc.costs:
        pid = ErpRecordId(customer)
        target = currency_of.get(pid)
        if target is None:
            continue
        yield pid, SECTION_FIGURE[section], convert(amount, currency, rate, target, home, rates)
        if section == "labor":
            yield pid, "labor_hours", hours


def _receivables(
    doc: Document, currency_of: Mapping[ErpRecordId, str], home: str, rates: Mapping[str, Decimal]
) -> tuple[ErpReceivable, ...]:
    found = []
    for sale in doc.sales:
        pid = ErpRecordId(sale.customer_id)
        target = currency_of.get(pid)
        if target is None:
            continue
        amounts = [
            convert(v, sale.currency, sale.rate, target, home, rates)
            for v in (sale.untaxed, sale.total, sale.residual)
        ]
        found.append(
            ErpReceivable(
                erp_record_id=pid,
                document=sale.document,
                invoice_date=sale.invoice_date,
                due_date=sale.due_date,
                amount_untaxed=amounts[0],
                amount_total=amounts[1],
                amount_residual=amounts[2],
                currency=target,
                payment_state=sale.payment_state,
            )
        )
    return tuple(found)


def totals_of(
    projects: Sequence[ErpProject],
    documents: Mapping[DocumentKey, Document],
    home: str,
    rates: Mapping[str, Decimal],
) -> Totals:
    """Every transaction added up for the projects (costs positive, in each project's currency)."""
    currency_of = {p.erp_record_id: p.currency for p in projects}
    sums: dict[ErpRecordId, dict[str, Decimal]] = {pid: defaultdict(Decimal) for pid in currency_of}
    receivables: dict[DocumentKey, tuple[ErpReceivable, ...]] = {}
    for key, doc in documents.items():
        for pid, figure, amount in _costs(doc, currency_of, home, rates):
            sums[pid][figure] += amount
        if doc.sales:
            receivables[key] = _receivables(doc, currency_of, home, rates)
    return Totals(currency_of, sums, receivables)


def totals_after(
    totals: Totals,
    changes: Iterable[tuple[DocumentKey, Document | None, Document | None]],
    home: str,
    rates: Mapping[str, Decimal],
) -> Totals:
    """`totals` with each changed transaction's old contribution taken away and its new one added."""
    sums = {pid: defaultdict(Decimal, figures) for pid, figures in totals.sums.items()}
    receivables = dict(totals.receivables)
    for key, old, new in changes:
        if old is not None:
            for pid, figure, amount in _costs(old, totals.currency_of, home, rates):
                sums[pid][figure] -= amount
            receivables.pop(key, None)
        if new is not None:
            for pid, figure, amount in _costs(new, totals.currency_of, home, rates):
                sums[pid][figure] += amount
            if new.sales:
                receivables[key] = _receivables(new, totals.currency_of, home, rates)
    return Totals(totals.currency_of, sums, receivables)


def figures_from(totals: Totals) -> tuple[list[ErpActuals], list[ErpReceivable]]:
    """Per project, its actuals (costs, and invoiced, paid and outstanding from its receivables)."""
    sums = {pid: defaultdict(Decimal, figures) for pid, figures in totals.sums.items()}
    receivables = [item for items in totals.receivables.values() for item in items]
    for item in receivables:
        target = sums[item.erp_record_id]
        target["invoiced"] += item.amount_untaxed
        target["invoiced_gross"] += item.amount_total
        target["paid"] += item.amount_total - item.amount_residual
        target["outstanding"] += item.amount_residual
    actuals = [
        ErpActuals(
            erp_record_id=pid,
            currency=currency,
            source="client_aggregate",
            **{name: cents(value) for name, value in sums[pid].items()},
        )
        for pid, currency in totals.currency_of.items()
    ]
    return actuals, receivables


def figures_of(
    projects: Sequence[ErpProject], documents: Iterable[Document], home: str, rates: Mapping[str, Decimal]
) -> tuple[list[ErpActuals], list[ErpReceivable]]:
    """Per project, the sums of what every transaction contributes (costs positive), and its receivables."""
    keyed = {("", str(i)): doc for i, doc in enumerate(documents)}
    return figures_from(totals_of(projects, keyed, home, rates))


def rate_of(row: Row) -> Decimal:
    """An ExchangeRate's `Rate` (home-currency units per unit of the source currency)."""
    return money(row.get("Rate"))
