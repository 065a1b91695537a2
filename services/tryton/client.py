"""Tryton 8.2 client (JSON-RPC at <url>/<database>/rpc/): projects and their actuals in the common ERP model.

The transport (sign-in, typed values, errors) is in transport.py. Tryton keeps no change log a client can
read, so `fetch_changes` says so (None) and the caller reads everything again.

Where each figure comes from, per project (`project.work` of type project; its `number` is the shared
project ID). Tryton sums its computed fields over the task tree, and so do the client-side sums here:

- cost: `project.work.cost` (server): timesheet cost + posted supplier invoices of purchases linked to it.
- labor cost: CLIENT-SIDE, Σ `timesheet.line.cost_price` x hours; Tryton keeps no labor-only total.
- vendor cost: `cost` - labor cost, i.e. the posted invoice lines of purchase lines linked to the project.
- labor hours: `project.work.timesheet_duration` (server).
- invoiced: `project.work.invoiced_amount` (server), untaxed; it counts invoiced timesheet hours whatever
  the state of the invoice, where the receivables below count posted invoices only.
- invoiced gross, paid, outstanding: CLIENT-SIDE, from the project's customer invoices (`total_amount`,
  `amount_to_pay`), found through the invoice lines its timesheet lines, works or invoiced progress point at.
  Tryton's `account.invoice` has no project field; an invoice shared by projects is pro-rated by its lines.
- due date: CLIENT-SIDE, the earliest open maturity date of the invoice's `lines_to_pay`.
- planned revenue: `project.work.revenue` (server), list price x effort.

The JSON-RPC context sent is empty, so a user's employees never filter the timesheet sums (they would with a
context built from the user's preferences): still, use a service user without employees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from services import money
from services.erp import CreatedProject, ErpClient, ErpRead
from services.errors import NotFoundError
from services.models import (
    DocumentSection,
    ErpActuals,
    ErpDocumentLine,
    ErpProject,
    ErpProjectId,
    ErpReceivable,
    ErpRecordId,
    ErpSnapshot,
    ProjectStatus,
    utcnow,
)
from services.tryton import writes
from services.tryton.transport import (
    COUNTED_SUPPLIER_STATES,
    CUSTOMER_INVOICE_STATES,
    HOURS,
    INVOICE_FIELDS,
    PROJECT_FIELDS,
    SYSTEM,
    Row,
    TrytonTransport,
)


class TrytonClient(TrytonTransport, ErpClient):
    """One Tryton database as the ERP: projects and their actuals, one project's lines."""

    label = SYSTEM

    def fetch_read(self, *, now: Callable[[], datetime] = utcnow) -> ErpRead:
        """A full read (Tryton keeps no marks: every refresh reads everything)."""
        return ErpRead(self._snapshot(now))

    def fetch_changes(
        self, previous: ErpRead, since: datetime, *, now: Callable[[], datetime] = utcnow
    ) -> ErpRead | None:
        """None: Tryton cannot say what changed since a moment (its write_date does not cover deletions)."""
        return None

    # -- snapshot ------------------------------------------------------------------------------------

    def _snapshot(self, now: Callable[[], datetime]) -> ErpSnapshot:
        """Projects, per-project actuals (server-side where Tryton computes them) and receivables."""
        start = self.requests
        works = self.search_read("project.work", [], ["parent", "type", "invoice_line"])
        rows = self.search_read("project.work", [["type", "=", "project"]], PROJECT_FIELDS)
        tree = ProjectTree(works)
        lines = self.search_read(
            "timesheet.line",
            [["work.origin", "like", "project.work,%"]],
            ["duration", "cost_price", "work.origin", "invoice_line"],
        )
        labor = tree.labor_cost(lines)
        receivables = self._receivables(tree, lines, {r["id"]: _code(r, "currency.") for r in rows})
        billed: dict[int, list[ErpReceivable]] = defaultdict(list)
        for item in receivables:
            billed[int(item.erp_record_id)].append(item)
        projects, actuals = [], []
        for row in sorted(rows, key=lambda r: (r.get("number") or "", r["id"])):
            projects.append(_project(row))
            actuals.append(_actuals(row, labor.get(row["id"], Decimal(0)), billed.get(row["id"], [])))
        notes = (
            "Tryton labor cost is Σ timesheet cost price × hours, added up by Throughline; vendor cost is "
            "Tryton's project cost minus that labor cost.",
            "Tryton paid and outstanding amounts are added up by Throughline from each project's posted "
            "customer invoices; invoiced is Tryton's own invoiced amount, untaxed.",
        )
        return ErpSnapshot(
            erp="tryton",
            projects=tuple(projects),
            actuals=tuple(actuals),
            receivables=tuple(receivables),
            read_at=now(),
            requests=self.requests - start,
            notes=notes,
        )

    def _invoice_line_owners(
        self, works: Iterable[Row], lines: Iterable[Row], progress_domain: list[Any]
    ) -> dict[int, int]:
        """Customer invoice line id -> the work it invoices, for the three project invoice methods."""
        owners: dict[int, int] = {}
        for line in lines:  # on timesheet: each timesheet line points at the invoice line that billed it
            work_id = _reference_id(_nested(line, "work.").get("origin"))
            if line.get("invoice_line") and work_id is not None:
                owners[int(line["invoice_line"])] = work_id
        for work in works:  # on effort: the work points at its invoice line
            if work.get("invoice_line"):
                owners[int(work["invoice_line"])] = int(work["id"])
        progress = self.search_read(
            "project.work.invoiced_progress", progress_domain, ["work", "invoice_line"]
        )
        for row in progress:  # on progress: one record per invoiced share of progress
            if row.get("invoice_line") and row.get("work"):
                owners[int(row["invoice_line"])] = int(row["work"])
        return owners

    def _receivables(
        self, tree: ProjectTree, lines: list[Row], currency: Mapping[int, str]
    ) -> list[ErpReceivable]:
        # CLIENT-SIDE: Tryton links invoices to projects only through invoice lines, so the project's share
        # of each invoice is assembled here from the lines its works (or their timesheet lines) point at.
        owners = self._invoice_line_owners(tree.rows, lines, [])
        invoice_lines = self.read("account.invoice.line", owners, ["invoice", "amount"])
        shares: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for line in invoice_lines:
            for project in tree.projects_of(owners[line["id"]]):
                shares[int(line["invoice"])][project] += line.get("amount") or Decimal(0)
        invoices = [
            row
            for row in self.read("account.invoice", shares, INVOICE_FIELDS)
            if row.get("state") in CUSTOMER_INVOICE_STATES
        ]
        due = self._due_dates(invoices)
        receivables = []
        for invoice in invoices:
            untaxed = invoice.get("untaxed_amount") or Decimal(0)
            for project, amount in shares[invoice["id"]].items():
                share = Decimal(1) if amount == untaxed or not untaxed else amount / untaxed
                receivables.append(
                    _receivable(project, invoice, share, due.get(invoice["id"]), currency[project])
                )
        return receivables

    def _due_dates(self, invoices: Iterable[Row]) -> dict[int, date]:
        # CLIENT-SIDE: an invoice's due date is the earliest maturity among its still-open lines to pay.
        line_to_invoice = {line: inv["id"] for inv in invoices for line in inv.get("lines_to_pay") or []}
        due: dict[int, date] = {}
        open_due: dict[int, date] = {}
        for line in self.read("account.move.line", line_to_invoice, ["maturity_date", "reconciliation"]):
            maturity, invoice = line.get("maturity_date"), line_to_invoice[line["id"]]
            if maturity is None:
                continue
            due[invoice] = min(due.get(invoice, maturity), maturity)
            if not line.get("reconciliation"):
                open_due[invoice] = min(open_due.get(invoice, maturity), maturity)
        return due | open_due

    # -- writes (writes.py) ----------------------------------------------------------------------------

    def create_project(self, project_id: str, name: str, customer: str | None) -> CreatedProject:
        """The project work numbered `project_id`, made now unless one is."""
        return writes.create_project(self, project_id, name, customer)

    def archive_project(self, erp_record_id: str) -> None:
        """Close the project (Tryton's works have no archive): its status becomes done."""
        writes.archive_project(self, erp_record_id)

    # -- one project ---------------------------------------------------------------------------------

    def fetch_project_documents(self, erp_record_id: str) -> list[ErpDocumentLine]:
        """The timesheet, supplier and customer invoice lines behind one project's figures, newest first."""
        if not erp_record_id.isdigit():
            raise NotFoundError(
                SYSTEM, "read project", f"'{erp_record_id}' is not a Tryton project record id"
            )
        project_id = int(erp_record_id)
        head = self.search_read("project.work", [["id", "=", project_id]], ["currency.code"])
        if not head:
            raise NotFoundError(SYSTEM, "read project", f"Tryton has no project with id {erp_record_id}")
        currency = _code(head[0], "currency.")
        works = self.search_read(
            "project.work", [["parent", "child_of", [project_id]]], ["parent", "type", "invoice_line"]
        )
        tree = ProjectTree(works)
        origins = [f"project.work,{work_id}" for work_id in sorted(tree.works)]
        timesheets = self.search_read(
            "timesheet.line",
            [["work.origin", "in", origins]],
            [
                "date",
                "duration",
                "cost_price",
                "description",
                "employee.rec_name",
                "work.origin",
                "invoice_line",
                "work.rec_name",
            ],
        )
        record = ErpRecordId(erp_record_id)
        documents = [_labor_line(record, line, currency) for line in timesheets]
        documents += self._vendor_lines(record, sorted(tree.works), currency)
        owners = self._invoice_line_owners(works, timesheets, [["work", "in", sorted(tree.works)]])
        fields = [
            "invoice.number",
            "invoice.state",
            "invoice.invoice_date",
            "invoice.party.rec_name",
            "description",
            "amount",
        ]
        for line in self.read("account.invoice.line", owners, fields):
            invoice = _nested(line, "invoice.")
            if invoice.get("state") in CUSTOMER_INVOICE_STATES:
                party = _nested(invoice, "party.").get("rec_name")
                documents.append(
                    _document(
                        record, "invoice", invoice, line, line.get("amount") or Decimal(0), currency, party
                    )
                )
        documents.sort(key=lambda d: d.date or date.min, reverse=True)
        return documents

    def _vendor_lines(self, record: ErpRecordId, work_ids: list[int], currency: str) -> list[ErpDocumentLine]:
        purchases = self.search_read(
            "purchase.line", [["work", "in", work_ids]], ["invoice_lines", "purchase.party.rec_name"]
        )
        supplier = {
            i: _nested(_nested(p, "purchase."), "party.").get("rec_name")
            for p in purchases
            for i in p.get("invoice_lines") or []
        }
        fields = ["invoice.number", "invoice.state", "invoice.invoice_date", "description", "amount"]
        documents = []
        for line in self.read("account.invoice.line", supplier, fields):
            invoice = _nested(line, "invoice.")
            if invoice.get("state") in COUNTED_SUPPLIER_STATES:
                amount = line.get("amount") or Decimal(0)
                documents.append(
                    _document(record, "vendor", invoice, line, amount, currency, supplier[line["id"]])
                )
        return documents


class ProjectTree:
    """The work tree: which projects each work's figures roll up to (itself and every project above it)."""

    def __init__(self, works: Iterable[Row]) -> None:
        self.rows = list(works)
        self.works = {int(row["id"]): row for row in self.rows}
        self._projects: dict[int, list[int]] = {}

    def projects_of(self, work_id: int) -> list[int]:
        """The project-type works at or above `work_id`, as Tryton's sums over children count them."""
        if work_id not in self._projects:
            found, seen, current = [], set(), self.works.get(work_id)
            while current is not None and current["id"] not in seen:
                seen.add(current["id"])
                if current.get("type") == "project":
                    found.append(int(current["id"]))
                parent = current.get("parent")
                current = self.works.get(int(parent)) if parent else None
            self._projects[work_id] = found
        return self._projects[work_id]

    def labor_cost(self, lines: Iterable[Row]) -> dict[int, Decimal]:
        """CLIENT-SIDE labor cost per project: Σ cost price x hours, rounded only in total, as Tryton does."""
        totals: dict[int, Decimal] = defaultdict(Decimal)
        for line in lines:
            work = _reference_id(_nested(line, "work.").get("origin"))
            if work is None:
                continue
            cost = (line.get("cost_price") or Decimal(0)) * _hours(line.get("duration"))
            for project in self.projects_of(work):
                totals[project] += cost
        return {project: _cents(total) for project, total in totals.items()}


def _project(row: Row) -> ErpProject:
    status = _nested(row, "status.")
    number = row.get("number")
    return ErpProject(
        erp="tryton",
        erp_record_id=ErpRecordId(str(row["id"])),
        erp_project_id=ErpProjectId(str(number)) if number else None,
        name=str(row.get("name") or f"project {row['id']}"),
        customer_name=_nested(row, "party.").get("rec_name"),
        status=_status(status),
        raw_status=status.get("rec_name"),
        currency=_code(row, "currency."),
        company=_nested(row, "company.").get("rec_name"),
        planned_revenue=row.get("revenue"),
        updated_at=row.get("write_date") or row.get("create_date"),
    )


def _status(status: Mapping[str, Any]) -> ProjectStatus:
    # Tryton's work statuses are records; one whose progress is 100 % (the shipped "Done") closes a project.
    if not status:
        return "unknown"
    progress = status.get("progress")
    return "closed" if progress is not None and progress >= 1 else "open"


def _actuals(row: Row, labor: Decimal, receivables: Sequence[ErpReceivable]) -> ErpActuals:
    cost = row.get("cost") or Decimal(0)
    gross = sum((r.amount_total for r in receivables), Decimal(0))
    outstanding = sum((r.amount_residual for r in receivables), Decimal(0))
    return ErpActuals(
        erp_record_id=ErpRecordId(str(row["id"])),
        currency=_code(row, "currency."),
        labor_hours=money.quantized(_hours(row.get("timesheet_duration")), HOURS),
        labor_cost=labor,
        vendor_cost=cost - labor,
        invoiced=row.get("invoiced_amount") or Decimal(0),
        invoiced_gross=gross,
        paid=gross - outstanding,
        outstanding=outstanding,
        source="client_aggregate",
    )


def _receivable(project: int, invoice: Row, share: Decimal, due: date | None, currency: str) -> ErpReceivable:
    total = _cents((invoice.get("total_amount") or Decimal(0)) * share)
    residual = _cents((invoice.get("amount_to_pay") or Decimal(0)) * share)
    # Odoo's payment-state words, so every ERP's receivables read the same on the page.
    state = "paid" if residual == 0 else "partial" if abs(residual) < abs(total) else "not_paid"
    return ErpReceivable(
        erp_record_id=ErpRecordId(str(project)),
        document=str(invoice.get("number") or f"invoice {invoice['id']}"),
        invoice_date=invoice.get("invoice_date"),
        due_date=due,
        amount_untaxed=_cents((invoice.get("untaxed_amount") or Decimal(0)) * share),
        amount_total=total,
        amount_residual=residual,
        currency=_code(invoice, "currency.") or currency,
        payment_state=state,
    )


def _labor_line(record: ErpRecordId, line: Row, currency: str) -> ErpDocumentLine:
    hours = _hours(line.get("duration"))
    return ErpDocumentLine(
        erp_record_id=record,
        section="labor",
        date=line.get("date"),
        document=_nested(line, "work.").get("rec_name") or "Timesheet",
        partner=_nested(line, "employee.").get("rec_name"),
        description=line.get("description") or None,
        hours=money.quantized(hours, HOURS),
        amount=_cents((line.get("cost_price") or Decimal(0)) * hours),
        currency=currency,
    )


def _document(
    record: ErpRecordId,
    section: DocumentSection,
    invoice: Row,
    line: Row,
    amount: Decimal,
    currency: str,
    partner: Any,
) -> ErpDocumentLine:
    return ErpDocumentLine(
        erp_record_id=record,
        section=section,
        date=invoice.get("invoice_date"),
        document=invoice.get("number"),
        partner=partner,
        description=line.get("description") or None,
        amount=_cents(amount),
        currency=currency,
    )


def _nested(row: Mapping[str, Any], key: str) -> dict[str, Any]:
    """A dotted field's record ("party." -> {"rec_name": ...}); {} when the link is empty."""
    value = row.get(key)
    return value if isinstance(value, dict) else {}


def _code(row: Mapping[str, Any], key: str) -> str:
    return str(_nested(row, key).get("code") or "EUR")


def _reference_id(value: Any) -> int | None:
    """The id in a Reference value 'project.work,12'; None for other models or an empty reference."""
    if isinstance(value, str) and value.startswith("project.work,"):
        tail = value.split(",", 1)[1]
        return int(tail) if tail.isdigit() else None
    return None


def _hours(value: Any) -> Decimal:
    if isinstance(value, timedelta):
        return Decimal(str(value.total_seconds())) / 3600
    return Decimal(0)


def _cents(value: Decimal) -> Decimal:
    return money.cents(value)
