"""Planned invoices and bills turned into QuickBooks transactions, with what QuickBooks books around them:
the payments that settle an invoice (and lower its `Balance`), the credit memo applied to an over-billed
one (a zero payment linking both, as Receive Payment records it), the bill's open balance. Field names as in
books.py.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sandbox.quickbooks import books as B

Row = dict[str, Any]
RATES = {"EUR": 1.08, "GBP": 1.27}  # home-currency (USD) units per unit, drifting a little month by month
SALES_TAX_PERMILLE = 62  # a 6.25 % state rate on the taxable customers' invoices (rounded half up)


@dataclass
class PlannedInvoice:
    lines: list[tuple[Row, int, str]]  # (project, untaxed cents, description)
    parent: Row
    currency: str
    ago: int
    taxable: bool
    credit_cents: int = 0
    """An over-billed share credited back by a credit memo applied to this invoice."""


@dataclass
class PlannedBill:
    lines: list[tuple[Row, int, str]]
    vendor: Row
    currency: str
    ago: int
    paid: bool


@dataclass
class QuickBooksBooks:
    """Every entity of the demo company, by entity name, in Id order."""

    entities: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, entity: str, row: Row) -> Row:
        """Append one entity (in Id order) and return it."""
        self.entities[entity].append(row)
        return row

    def next_id(self, entity: str) -> int:
        """The Id the next entity of this type gets."""
        return len(self.entities[entity]) + 1


def rate(currency: str, day: date) -> float:
    """The month's rate: RATES drifting by up to 3 %, the same for every transaction of that month."""
    if currency == "USD":
        return 1.0
    drift = random.Random(f"{currency}:{day.year}:{day.month}").uniform(-0.03, 0.03)
    return round(RATES[currency] * (1 + drift), 4)


def payment_state(rng: random.Random, total_cents: int, days_overdue: int) -> tuple[str, int]:
    """Payment state and cents still due of an invoice that fell due `days_overdue` days before as_of."""
    r = rng.random()
    paid, partial = (0.88, 0.05) if days_overdue > 30 else (0.55, 0.10) if days_overdue > 0 else (0.2, 0.0)
    if r < paid:
        return "paid", 0
    if r < paid + partial:
        return "partial", round(total_cents * rng.uniform(0.3, 0.7))
    return "not_paid", total_cents


def journal_line(number: int, cents: int, what: str, posting: str, account: str, project: Row | None) -> Row:
    """A JournalEntryLineDetail line; naming a project puts it in `Entity` (Type Customer) and, for a
    QuickBooks project, in the line's `ProjectRef` (Intuit's JournalEntry sample)."""
    detail: Row = {"PostingType": posting, "AccountRef": B.ref(B.ACCOUNT[account], account)}
    line = {
        "Id": str(number),
        "Description": what,
        "Amount": B.money(cents),
        "DetailType": "JournalEntryLineDetail",
        "JournalEntryLineDetail": detail,
    }
    if project is not None:
        detail["Entity"] = {
            "Type": "Customer",
            "EntityRef": B.ref(project["Id"], project["FullyQualifiedName"]),
        }
        if project.get("IsProject"):
            line["ProjectRef"] = B.ref(project["Id"])
    return line


class DocumentWriter:
    """Writes planned invoices and bills into the books, on the portfolio's clock."""

    def __init__(
        self,
        books: QuickBooksBooks,
        rng: random.Random,
        day: Callable[[int], date],
        moment: Callable[[int], datetime],
    ) -> None:
        self.books, self.rng, self.day, self.moment = books, rng, day, moment

    def transaction(self, entity: str, ago: int, currency: str) -> Row:
        """A new transaction's common fields, dated `ago` days before as_of, at that month's rate."""
        day = self.day(ago)
        return B.transaction(self.books.next_id(entity), day, currency, rate(currency, day), self.moment(ago))

    def bill(self, bill: PlannedBill) -> None:
        """The bill (a line per project it is for), open unless paid."""
        row = self.transaction("Bill", bill.ago, bill.currency)
        lines = [
            B.expense_line(n, cents, what, "Subcontractors", project, "NotBillable")
            for n, (project, cents, what) in enumerate(bill.lines, 1)
        ]
        total = sum(cents for _, cents, _ in bill.lines)
        row |= {
            "DocNumber": f"V-{self.rng.randint(10_000, 99_999)}",
            "VendorRef": B.ref(bill.vendor["Id"], bill.vendor["DisplayName"]),
            "APAccountRef": B.ref(B.ACCOUNT["Accounts Payable (A/P)"]),
            "DueDate": (self.day(bill.ago) + timedelta(days=30)).isoformat(),
            "Line": lines,
            "TotalAmt": B.money(total),
            "Balance": 0 if bill.paid else B.money(total),
        }
        self.books.add("Bill", row)

    def invoice(self, invoice: PlannedInvoice) -> None:
        """The invoice (one line per project it bills: a line-level ProjectRef when there are two), its
        payments and any credit memo applied to it; `Balance` is what is still open."""
        untaxed = sum(cents for _, cents, _ in invoice.lines)
        tax = (untaxed * SALES_TAX_PERMILLE + 500) // 1000 if invoice.taxable else 0
        single = len(invoice.lines) == 1
        project = invoice.lines[0][0]
        customer = project if single else invoice.parent
        row = self.transaction("Invoice", invoice.ago, invoice.currency)
        lines = [
            B.sales_line(n, cents, what, None if single else p)
            for n, (p, cents, what) in enumerate(invoice.lines, 1)
        ]
        row |= {
            "DocNumber": str(1000 + int(row["Id"])),
            "DueDate": (self.day(invoice.ago) + timedelta(days=30)).isoformat(),
            "CustomerRef": B.ref(customer["Id"], customer["FullyQualifiedName"]),
            "Line": [*lines, B.subtotal(lines)],
            "TxnTaxDetail": B.tax_detail(tax),
            "TotalAmt": B.money(untaxed + tax),
            "PrintStatus": "NotSet",
            "EmailStatus": "EmailSent",
        }
        if single and project.get("IsProject"):
            row["ProjectRef"] = B.ref(project["Id"])
        if tax:
            row["TxnTaxDetail"]["TxnTaxCodeRef"] = B.ref("3", "State sales tax")
        due = untaxed + tax - invoice.credit_cents
        _, residual = payment_state(self.rng, due, invoice.ago - 30)
        links = []
        if invoice.credit_cents:
            links.append(self._credit_memo(invoice, row, customer))
        if residual < due:
            links.append(self._payment(row, customer, due - residual, invoice.ago))
        row["Balance"] = B.money(residual)
        if links:
            row["LinkedTxn"] = [{"TxnId": p["Id"], "TxnType": "Payment"} for p in links]
            row["MetaData"]["LastUpdatedTime"] = max(
                row["MetaData"]["LastUpdatedTime"], *(p["MetaData"]["LastUpdatedTime"] for p in links)
            )
        self.books.add("Invoice", row)

    def _payment(self, invoice: Row, customer: Row, cents: int, ago: int) -> Row:
        paid_ago = max(1, ago - self.rng.randint(5, 40))
        row = self.transaction("Payment", paid_ago, invoice["CurrencyRef"]["value"])
        row |= {
            "CustomerRef": B.ref(customer["Id"], customer["FullyQualifiedName"]),
            "TotalAmt": B.money(cents),
            "UnappliedAmt": 0,
            "ProcessPayment": False,
            "DepositToAccountRef": B.ref(B.ACCOUNT["Checking"]),
            "Line": [
                {"Amount": B.money(cents), "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        }
        return self.books.add("Payment", row)

    def _credit_memo(self, invoice: PlannedInvoice, row: Row, customer: Row) -> Row:
        """The over-billed share credited back and applied to the invoice (a zero payment linking both)."""
        ago, cents = max(1, invoice.ago - self.rng.randint(7, 30)), invoice.credit_cents
        memo = self.transaction("CreditMemo", ago, invoice.currency)
        line = B.sales_line(1, cents, "Over-billed milestone credited")
        memo |= {
            "DocNumber": f"CM-{memo['Id']}",
            "CustomerRef": B.ref(customer["Id"], customer["FullyQualifiedName"]),
            "Line": [line, B.subtotal([line])],
            "TxnTaxDetail": B.tax_detail(0),
            "TotalAmt": B.money(cents),
            "Balance": 0,
            "RemainingCredit": 0,
            "PrintStatus": "NotSet",
            "EmailStatus": "NotSet",
        }
        if invoice.lines[0][0].get("IsProject"):
            memo["ProjectRef"] = B.ref(invoice.lines[0][0]["Id"])
        self.books.add("CreditMemo", memo)
        apply = self.transaction("Payment", ago, invoice.currency)
        apply |= {
            "CustomerRef": B.ref(customer["Id"], customer["FullyQualifiedName"]),
            "TotalAmt": 0,
            "UnappliedAmt": 0,
            "ProcessPayment": False,
            "Line": [
                {"Amount": B.money(cents), "LinkedTxn": [{"TxnId": row["Id"], "TxnType": "Invoice"}]},
                {"Amount": B.money(cents), "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
            ],
        }
        return self.books.add("Payment", apply)
