"""QuickBooks entities read into what counts for a project: one function per transaction type, no network.

Field names and types are Intuit's (the v3 schema, `Finance.xsd` / `IntuitNamesTypes.xsd` of intuit/
QuickBooks-V3-Java-SDK, and the API reference samples): ids are strings, amounts JSON numbers (read here as
`Decimal` through their text), references `{"value": id, "name": ...}`, only non-empty fields are sent.

Which project a line counts for (a project is a Customer row: a QuickBooks project or a sub-customer job):
- sales lines (Invoice, CreditMemo): the line's `ProjectRef`, else the header `ProjectRef`, else the header
  `CustomerRef`. `ProjectRef` sits on the header in Intuit's Invoice and CreditMemo samples and on `Line`
  in the schema, so an invoice to a parent customer can carry lines for two projects;
- expense lines (Bill, VendorCredit, Purchase): the line's `ProjectRef`, else the detail's `CustomerRef`
  (`AccountBasedExpenseLineDetail` / `ItemBasedExpenseLineDetail`; Intuit's Bill sample puts ProjectRef on
  the line), else the header `ProjectRef`;
- journal-entry lines: the line's `ProjectRef`, else the detail's `Entity.EntityRef` (Type Customer or Job);
  only lines on accounts classified Expense count (Debit adds cost, Credit removes it): a journal line on
  the receivable or a bank account names a customer too, and is no cost;
- time activities: `ProjectRef`, else `CustomerRef`; hours from `Hours` + `Minutes` (+ `Seconds`), or
  `EndTime` − `StartTime` − the break; cost = hours × `CostRate` (the employee's `CostRate` when the
  activity has none), each activity rounded to the cent.

Which figure: bills minus vendor credits are vendor cost; expenses (Purchase: cash, check, card; a card
credit counts negative) and expense journal lines are other cost; time is labor. Invoices add to invoiced
and credit memos take from it, line by line; a document's tax, total and open balance are shared out over
its projects in proportion to their line amounts, each share rounded to the cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from services.models import DocumentSection

Row = dict[str, Any]
CENT = Decimal("0.01")
ONE = Decimal(1)
SALES = ("Invoice", "CreditMemo")
COSTS = ("Bill", "VendorCredit", "Purchase", "JournalEntry")
TRANSACTIONS = (*SALES, *COSTS)
"""The transaction types a full read queries and change data capture reports (TimeActivity aside: Intuit's
CDC does not cover it, learn/explore-the-quickbooks-online-api/change-data-capture)."""
SALES_DETAILS = ("SalesItemLineDetail", "GroupLineDetail")
EXPENSE_DETAILS = ("AccountBasedExpenseLineDetail", "ItemBasedExpenseLineDetail")
Kind = Literal["Invoice", "CreditMemo", "Bill", "VendorCredit", "Purchase", "JournalEntry", "TimeActivity"]


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a QuickBooks transaction as it counts for one customer (a project, when it is one)."""

    customer_id: str
    section: DocumentSection
    amount: Decimal
    """Costs positive (a credit negative); invoice lines positive, credit-memo lines negative."""
    currency: str
    rate: Decimal
    """Home-currency units per unit of `currency`: the transaction's `ExchangeRate` (1 in home currency)."""
    hours: Decimal | None
    date: date | None
    document: str
    partner: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class Sale:
    """One project's share of an invoice or credit memo (credit memos negative)."""

    customer_id: str
    document: str
    invoice_date: date | None
    due_date: date | None
    untaxed: Decimal
    total: Decimal
    residual: Decimal
    currency: str
    rate: Decimal
    payment_state: str


Cost = tuple[str, DocumentSection, Decimal, str, Decimal, Decimal]
"""(customer id, section, amount, currency, rate, hours): what a cost document leaves in the marks."""


@dataclass(frozen=True, slots=True)
class Document:
    """What one transaction contributes: its costs and its sales shares, per customer."""

    costs: tuple[Cost, ...] = ()
    sales: tuple[Sale, ...] = ()

    @property
    def customers(self) -> set[str]:
        """Every customer the document counts for."""
        return {c[0] for c in self.costs} | {s.customer_id for s in self.sales}


@dataclass(frozen=True)
class Context:
    """What reading a transaction needs besides the transaction."""

    home: str
    expense_accounts: frozenset[str] = frozenset()
    """Ids of accounts classified Expense (journal lines on them are costs)."""
    employee_rates: dict[str, Decimal] | None = None
    """Employee id -> CostRate, for time activities that carry none (None: not read)."""


def money(value: Any) -> Decimal:
    """A JSON amount as Decimal (through its text, so 0.1 stays 0.1); 0 when absent or unreadable."""
    if value is None or value == "":
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def ref(value: Any) -> str | None:
    """The id of a reference `{"value": ..., "name": ...}`."""
    if isinstance(value, dict) and value.get("value") not in (None, ""):
        return str(value["value"])
    return None


def ref_name(value: Any) -> str | None:
    """The name of a reference, when QuickBooks sent one."""
    return str(value["name"]) if isinstance(value, dict) and value.get("name") else None


def day(value: Any) -> date | None:
    """A QuickBooks date (YYYY-MM-DD) or None."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def instant(value: Any) -> datetime | None:
    """A QuickBooks dateTime with its offset ("2025-03-09T10:00:00-08:00") or None."""
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def cents(value: Decimal) -> Decimal:
    """An amount rounded to the cent."""
    return value.quantize(CENT)


def _currency(row: Row, home: str) -> tuple[str, Decimal]:
    currency = ref(row.get("CurrencyRef")) or home
    rate = money(row.get("ExchangeRate")) if currency != home else ONE
    return currency, rate or ONE


def _label(kind: str, row: Row) -> str:
    number = row.get("DocNumber")
    names = {"CreditMemo": "Credit memo", "VendorCredit": "Vendor credit", "Purchase": "Expense",
             "JournalEntry": "Journal entry", "TimeActivity": "Time"}  # fmt: skip
    word = names.get(kind, kind)
    return f"{word} {number}" if number else f"{word} #{row.get('Id')}"


def lines_of(kind: str, row: Row, context: Context) -> list[Line]:
    """Every line of one transaction that points at a customer, as it counts (see the module docstring)."""
    if kind == "TimeActivity":
        return _time(row, context)
    currency, rate = _currency(row, context.home)
    document, when = _label(kind, row), day(row.get("TxnDate"))
    header_project = ref(row.get("ProjectRef"))
    found: list[Line] = []

    def add(customer: str | None, section: DocumentSection, amount: Decimal, line: Row, partner: Any) -> None:
        if customer is not None and amount:
            found.append(
                Line(customer, section, amount, currency, rate, None, when, document, ref_name(partner),
                     line.get("Description") or None)
            )  # fmt: skip

    for line in row.get("Line") or []:
        detail_type = line.get("DetailType")
        found_detail = line.get(detail_type)
        detail: Row = found_detail if isinstance(found_detail, dict) else {}
        amount = money(line.get("Amount"))
        if kind in SALES and detail_type in SALES_DETAILS:
            customer = ref(line.get("ProjectRef")) or header_project or ref(row.get("CustomerRef"))
            add(customer, "invoice", amount if kind == "Invoice" else -amount, line, row.get("CustomerRef"))
        elif kind in ("Bill", "VendorCredit", "Purchase") and detail_type in EXPENSE_DETAILS:
            customer = ref(line.get("ProjectRef")) or ref(detail.get("CustomerRef")) or header_project
            negative = kind == "VendorCredit" or (kind == "Purchase" and row.get("Credit") is True)
            section: DocumentSection = "other_cost" if kind == "Purchase" else "vendor"
            partner = row.get("EntityRef") if kind == "Purchase" else row.get("VendorRef")
            add(customer, section, -amount if negative else amount, line, partner)
        elif kind == "JournalEntry" and detail_type == "JournalEntryLineDetail":
            if ref(detail.get("AccountRef")) not in context.expense_accounts:
                continue
            found_entity = detail.get("Entity")
            entity: Row = found_entity if isinstance(found_entity, dict) else {}
            named = ref(entity.get("EntityRef")) if entity.get("Type") in ("Customer", "Job") else None
            customer = ref(line.get("ProjectRef")) or named or header_project
            signed = -amount if detail.get("PostingType") == "Credit" else amount
            add(customer, "other_cost", signed, line, entity.get("EntityRef"))
    return found


def _number(value: Any) -> Decimal:
    """An int field (Hours, Minutes) as Decimal, fast; anything else through `money`."""
    return Decimal(value) if type(value) is int else money(value)


def hours_of(row: Row) -> Decimal:
    """A time activity's hours: Hours + Minutes (+ Seconds), or EndTime − StartTime − the break."""
    hours, minutes, seconds = row.get("Hours"), row.get("Minutes"), row.get("Seconds")
    if hours not in (None, "") or minutes not in (None, "") or seconds not in (None, ""):
        found = _number(hours) + _number(minutes) / 60
        return found + _number(seconds) / 3600 if seconds else found
    start, end = instant(row.get("StartTime")), instant(row.get("EndTime"))
    if start is None or end is None:
        return Decimal(0)
    worked = Decimal((end - start).total_seconds()) / 3600
    pause = money(row.get("BreakHours")) + money(row.get("BreakMinutes")) / 60
    return max(Decimal(0), worked - pause)


def _time_cost(row: Row, context: Context) -> tuple[str, Decimal, Decimal, Any] | None:
    """(project, hours, cost, the person) of a time activity; None when it names no customer."""
    customer = ref(row.get("ProjectRef")) or ref(row.get("CustomerRef"))
    if customer is None:
        return None
    hours = hours_of(row)
    person = row.get("EmployeeRef") if row.get("NameOf", "Employee") == "Employee" else row.get("VendorRef")
    found = row.get("CostRate")
    rate = _number(found) if found not in (None, "") else None
    if rate is None and context.employee_rates is not None:
        rate = context.employee_rates.get(ref(person) or "")
    return customer, hours, cents(hours * (rate or 0)), person


def _time(row: Row, context: Context) -> list[Line]:
    found = _time_cost(row, context)
    if found is None:
        return []
    customer, hours, cost, person = found
    when, label = day(row.get("TxnDate")), _label("TimeActivity", row)
    return [
        Line(customer, "labor", cost, context.home, ONE, hours, when, label, ref_name(person),
             row.get("Description") or None)
    ]  # fmt: skip


def needs_employee_rate(row: Row) -> bool:
    """A time activity with no CostRate of its own (the employee's is used)."""
    return row.get("CostRate") in (None, "")


def document_of(kind: str, row: Row, context: Context) -> Document:
    """What one transaction contributes, per customer: its cost lines summed, or its sales shares."""
    if kind == "TimeActivity":  # the bulk of a company's rows: straight to its one cost
        found = _time_cost(row, context)
        if found is None:
            return Document()
        return Document(costs=((found[0], "labor", found[2], context.home, ONE, found[1]),))
    lines = lines_of(kind, row, context)
    if kind not in SALES:
        sums: dict[tuple[str, DocumentSection, str, Decimal], list[Decimal]] = defaultdict(
            lambda: [Decimal(0), Decimal(0)]
        )
        for line in lines:
            target = sums[(line.customer_id, line.section, line.currency, line.rate)]
            target[0] += line.amount
            target[1] += line.hours or 0
        return Document(costs=tuple((c, s, a, cur, r, h) for (c, s, cur, r), (a, h) in sums.items()))
    return Document(sales=tuple(_sales(kind, row, lines)))


def _sales(kind: str, row: Row, lines: list[Line]) -> list[Sale]:
    weights: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        weights[line.customer_id] += line.amount if kind == "Invoice" else -line.amount
    whole = sum(weights.values(), Decimal(0))
    if not whole:
        return []
    sign = 1 if kind == "Invoice" else -1
    total, balance = money(row.get("TotalAmt")), money(row.get("Balance"))
    tax = money((row.get("TxnTaxDetail") or {}).get("TotalTax"))
    untaxed = total - tax
    if balance == 0:
        state = "paid"
    elif kind == "Invoice" and balance < total:
        state = "partial"
    else:
        state = "not_paid"
    currency, rate = lines[0].currency, lines[0].rate
    return [
        Sale(
            customer_id=customer,
            document=_label(kind, row),
            invoice_date=day(row.get("TxnDate")),
            due_date=day(row.get("DueDate")) if kind == "Invoice" else None,
            untaxed=sign * cents(untaxed * weight / whole),
            total=sign * cents(total * weight / whole),
            residual=sign * cents(balance * weight / whole),
            currency=currency,
            rate=rate,
            payment_state=state,
        )
        for customer, weight in weights.items()
    ]
