"""Tryton 8.2 client (JSON-RPC at <url>/<database>/rpc/): projects and their actuals in the common ERP model.

Why JSON-RPC and not REST: JSON-RPC signs in with the user and password every Tryton user has, and is in
every Tryton series; REST needs an application key that an administrator creates per user, and only exists
since 7.x. The session token Tryton returns is reused for every call (logging in costs an argon2 hash,
150-300 ms) and renewed once when Tryton answers 401 because the session ended (`[session] max_age`).

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

import base64
import itertools
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
from pydantic import SecretStr

from services.errors import (
    AuthError,
    BadResponseError,
    NotFoundError,
    RateLimitError,
    RejectedError,
    ServiceError,
    UnavailableError,
)
from services.http import build_client, retrying
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
)

SYSTEM = "Tryton"
PAGE = 5000
CENT = Decimal("0.01")
HOURS = Decimal("0.0001")
CUSTOMER_INVOICE_STATES = ("posted", "paid")
# Tryton counts a supplier invoice in a project's cost unless it is a draft or cancelled.
COUNTED_SUPPLIER_STATES = ("validated", "posted", "paid")

# The module a model or field comes from, to say which module to activate when Tryton lacks it.
MODEL_MODULES = {
    "project.work": "project",
    "project.work.invoiced_progress": "project_invoice",
    "timesheet.line": "timesheet",
    "account.invoice": "account_invoice",
    "account.invoice.line": "account_invoice",
    "account.move.line": "account",
    "purchase.line": "purchase",
}
NEEDED_MODULES = "the Tryton modules project_invoice, project_revenue, timesheet_cost and purchase"
FIELD_MODULES = {
    "cost": "project_revenue",
    "revenue": "project_revenue",
    "invoiced_amount": "project_invoice",
    "amount_to_invoice": "project_invoice",
    "invoice_line": "project_invoice",
    "cost_price": "timesheet_cost",
    "work": "project_revenue",
}

PROJECT_FIELDS = [
    "number",
    "name",
    "party.rec_name",
    "status.rec_name",
    "status.progress",
    "company.rec_name",
    "currency.code",
    "write_date",
    "create_date",
    "cost",
    "revenue",
    "invoiced_amount",
    "timesheet_duration",
]
INVOICE_FIELDS = [
    "number",
    "state",
    "invoice_date",
    "untaxed_amount",
    "total_amount",
    "amount_to_pay",
    "currency.code",
    "lines_to_pay",
]

Row = dict[str, Any]


def decode_value(obj: dict[str, Any]) -> Any:
    """JSON object hook for Tryton's typed values ({"__class__": "Decimal", "decimal": "4700.00"}, ...)."""
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "date":
        return date(obj["year"], obj["month"], obj["day"])
    if kind == "datetime":
        return datetime(
            obj["year"], obj["month"], obj["day"], obj["hour"], obj["minute"], obj["second"],
            obj.get("microsecond", 0), tzinfo=UTC,
        )  # fmt: skip
    if kind == "timedelta":
        return timedelta(seconds=obj["seconds"])
    if kind == "bytes":
        return base64.b64decode(obj["base64"])
    return obj


def module_for(model: str) -> str:
    """The Tryton module providing `model`, for a message that says what to activate."""
    return MODEL_MODULES.get(model, model.split(".")[0])


class TrytonClient:
    """One Tryton database, reached with a user and password over JSON-RPC."""

    def __init__(
        self,
        url: str,
        database: str,
        user: str,
        password: SecretStr | str,
        *,
        timeout: float = 30.0,
        max_retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = url.rstrip("/")
        self._database = database
        self._user = user
        self._password = password if isinstance(password, SecretStr) else SecretStr(password)
        self._http = build_client(self._url, timeout=timeout, transport=transport)
        self._path = f"/{database}/rpc/"
        self._max_retries = max_retries
        self._session: str | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.requests = 0

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> TrytonClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------------

    def error_for(
        self,
        operation: str,
        status: int,
        error: Any = None,
        *,
        model: str | None = None,
        fields: Sequence[str] = (),
    ) -> ServiceError:
        """The one place that maps an HTTP status or a JSON-RPC error to the project's errors."""
        login = f"user '{self._user}' on database '{self._database}'"
        if status == 401:
            message = f"Tryton rejected the login for {login}: check the Tryton user and password settings"
            return AuthError(SYSTEM, operation, message, status=status)
        if status == 429:
            message = (
                f"Tryton blocks logins for {login} after repeated failures: wait, then check the password"
            )
            limited = RateLimitError(SYSTEM, operation, message, status=status)
            limited.retryable = False  # type: ignore[attr-defined]  # retrying would only extend the block
            return limited
        if status == 404:
            message = (
                f"Tryton at {self._url} has no database '{self._database}': check the Tryton database setting"
            )
            return NotFoundError(SYSTEM, operation, message, status=status)
        if status == 403:
            message = f"Tryton does not allow {operation} over RPC: check the Tryton version (8.2 expected)"
            return RejectedError(SYSTEM, operation, message, status=status)
        if status >= 500:
            message = f"Tryton at {self._url} failed ({status}): check the trytond log"
            return UnavailableError(SYSTEM, operation, message, status=status)
        if status != 200 or error is None:
            return RejectedError(SYSTEM, operation, f"Tryton refused the request ({status})", status=status)
        return self._rpc_error(operation, error, model, fields)

    def _rpc_error(
        self, operation: str, error: Any, model: str | None, fields: Sequence[str]
    ) -> ServiceError:
        # Tryton answers {"error": [name_or_message, detail]}: a KeyError's text is the missing key, quoted.
        head = str(error[0]) if isinstance(error, list) and error else str(error)
        detail = error[1] if isinstance(error, list) and len(error) > 1 else None
        if model is not None and head == repr(model):
            module = module_for(model)
            message = (
                f"Tryton database '{self._database}' has no model '{model}': activate the Tryton module "
                f"'{module}' (trytond-admin -u {module}) or check the database setting"
            )
            return RejectedError(SYSTEM, operation, message)
        missing = [f for f in fields if head == repr(f.split(".")[0])]
        if model is not None and missing:
            field = missing[0].split(".")[0]
            provider = FIELD_MODULES.get(field)
            what = (
                f"the Tryton module '{provider}' (trytond-admin -u {provider})"
                if provider
                else NEEDED_MODULES
            )
            message = (
                f"Tryton's '{model}' has no field '{field}' on database '{self._database}': activate {what}"
            )
            return RejectedError(SYSTEM, operation, message)
        text = str(detail[0]) if head == "UserError" and isinstance(detail, list) and detail else head
        if "not allowed to" in text:
            message = (
                f"Tryton user '{self._user}' may not read this ({text}): check the user's groups in Tryton"
            )
            return AuthError(SYSTEM, operation, message)
        return RejectedError(SYSTEM, operation, f"Tryton answered: {text[:300]}")

    def _post(
        self,
        method: str,
        params: list[Any],
        operation: str,
        *,
        model: str | None = None,
        fields: Sequence[str] = (),
    ) -> Any:
        body = {"id": next(self._ids), "method": method, "params": params}
        headers = {"Authorization": self._session} if self._session else {}

        def once() -> Any:
            self.requests += 1
            try:
                response = self._http.post(self._path, json=body, headers=headers)
            except httpx.TimeoutException:
                message = (
                    f"no answer from Tryton at {self._url} in time: check its load or the Tryton timeout"
                )
                raise UnavailableError(SYSTEM, operation, message) from None
            except httpx.TransportError:
                message = (
                    f"cannot reach Tryton at {self._url}: check that trytond is running and the URL setting"
                )
                raise UnavailableError(SYSTEM, operation, message) from None
            if response.status_code != 200:
                raise self.error_for(operation, response.status_code, model=model, fields=fields)
            try:
                answer = json.loads(response.content, object_hook=decode_value)
            except ValueError:
                raise BadResponseError(SYSTEM, operation, "the answer was not JSON", status=200) from None
            if not isinstance(answer, dict) or ("result" not in answer and "error" not in answer):
                raise BadResponseError(SYSTEM, operation, "the answer was not a JSON-RPC object", status=200)
            if answer.get("error"):
                raise self.error_for(operation, 200, answer["error"], model=model, fields=fields)
            return answer.get("result")

        return retrying(self._max_retries, lambda _error: None)(once)

    def login(self) -> None:
        """Sign in and keep the session token for later calls."""
        params = [self._user, {"password": self._password.get_secret_value()}, "en"]
        self._session = None
        result = self._post("common.db.login", params, "login")
        if not isinstance(result, list) or len(result) < 2:
            raise BadResponseError(SYSTEM, "login", "the login answer was not [user id, session]")
        token = base64.b64encode(f"{self._user}:{result[0]}:{result[1]}".encode()).decode()
        self._session = f"Session {token}"

    def call(self, model: str, method: str, *args: Any, fields: Sequence[str] = ()) -> Any:
        """`model.<model>.<method>(*args, context={})` as the signed-in user; signs in again once on 401."""
        with self._lock:  # one login even when threads share the client
            if self._session is None:
                self.login()
        params = [*args, {}]
        operation = f"{method} {model}"
        try:
            return self._post(f"model.{model}.{method}", params, operation, model=model, fields=fields)
        except AuthError as error:
            if error.status != 401:
                raise
        with self._lock:
            self.login()  # the session ended (past [session] max_age, or deleted on the server)
        return self._post(f"model.{model}.{method}", params, operation, model=model, fields=fields)

    def search_read(
        self, model: str, domain: list[Any], fields: Sequence[str], *, order: list[list[str]] | None = None
    ) -> list[Row]:
        """Every record matching `domain`, `PAGE` records per request, ordered by id unless told."""
        rows: list[Row] = []
        for offset in itertools.count(0, PAGE):
            order_by = order or [["id", "ASC"]]
            page = self.call(
                model, "search_read", domain, offset, PAGE, order_by, list(fields), fields=fields
            )
            if not isinstance(page, list):
                raise BadResponseError(SYSTEM, f"search_read {model}", "the answer is not a list")
            rows.extend(page)
            if len(page) < PAGE:
                break
        return rows

    def read(self, model: str, ids: Iterable[int], fields: Sequence[str]) -> list[Row]:
        """The records with these ids, `PAGE` per request."""
        unique = sorted(set(ids))
        rows: list[Row] = []
        for start in range(0, len(unique), PAGE):
            page = self.call(model, "read", unique[start : start + PAGE], list(fields), fields=fields)
            if not isinstance(page, list):
                raise BadResponseError(SYSTEM, f"read {model}", "the answer is not a list")
            rows.extend(page)
        return rows

    # -- snapshot ------------------------------------------------------------------------------------

    def fetch_snapshot(self, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ErpSnapshot:
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
        labor_hours=_hours(row.get("timesheet_duration")).quantize(HOURS),
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
        hours=hours.quantize(HOURS),
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
    return value.quantize(CENT, rounding=ROUND_HALF_EVEN)
