"""QuickBooks Online ERP adapter: projects and their actuals from one company's Accounting API.

A full read asks for the fewest requests that give the figures. QuickBooks' query language cannot sum or
group (learn/explore-the-quickbooks-online-api/data-queries), so every figure is added up here from the
transactions' line amounts (entities.py says which line counts for which project and figure):

    Customer, Invoice, CreditMemo, Bill, VendorCredit, Purchase, JournalEntry, TimeActivity
        every row, 1000 a page (plus one count for a type with more than a page), side by side
    Preferences     once per process: the home currency
    Account         only when journal entries name a customer: which accounts are expenses
    Employee        only when a time activity carries no cost rate of its own
    exchangerate    only when an amount must be converted: one per foreign project currency

Payments are not read: an invoice's `Balance` (and a credit memo's) already says what is open, and paid
is its total minus that balance.

Incremental refresh (`fetch_changes`) uses Intuit's change data capture: one request returns every
Customer, transaction and Account created, changed or deleted since (deletions as `status: Deleted`), up
to 1000 objects and 30 days back (learn/explore-the-quickbooks-online-api/change-data-capture). Beyond
either limit it answers None and the caller reads everything. CDC does not cover TimeActivity, so time is
refreshed with two queries: the activities written since (`MetaData.LastUpdatedTime`) and the count of all
of them; a count that does not match what the read holds means some were deleted, and then every time
activity is read again. (A deletion and a creation in the same window leave the count as it was; the full
read every 30 minutes in dashboard/snapshot.py bounds how long that can stay unseen.)

One project's documents (`fetch_project_documents`) are the transactions the latest read attributed to it,
read again by Id (`WHERE Id IN (...)`), because QuickBooks cannot filter on line fields such as a bill
line's `CustomerRef`.

Project IDs: where the shared ID sits is a setting (figures.ProjectIds), since QuickBooks has no project
code field and its v3 API exposes no custom fields on customers:

- `display_name` (default): "PRJ-00042 · Website revamp". Everyone sees it, on every invoice, report and
  pick list, and QuickBooks keeps display names unique across customers, vendors and employees, so two
  projects cannot share an ID by accident. But a rename changes the ID, a typo goes unnoticed until the
  audit, and the ID takes room in a 100-character name that may not contain a colon.
- `notes`: a line "Project ID: PRJ-00042" in the customer's Notes. Names stay free and renames leave the
  ID alone; but nobody sees the notes on documents, QuickBooks does not check them for duplicates, and
  they cannot be searched in QuickBooks' query language (every customer is read anyway).
Both take a regular expression with an `id` group when the firm writes its IDs another way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from services.erp import CreatedProject, ErpClient, ErpRead
from services.errors import NotFoundError
from services.models import ErpDocumentLine, ErpRecordId, ErpSnapshot, utcnow
from services.quickbooks import writes
from services.quickbooks.auth import QuickBooksAuth
from services.quickbooks.entities import (
    TRANSACTIONS,
    Context,
    Document,
    Row,
    cents,
    document_of,
    lines_of,
    money,
    needs_employee_rate,
    ref,
)
from services.quickbooks.faults import SYSTEM, CdcWindowExceeded
from services.quickbooks.figures import (
    DocumentKey,
    ProjectIds,
    QuickBooksMarks,
    conversions_needed,
    convert,
    customer_of,
    figures_from,
    projects_of,
    rate_of,
    totals_after,
    totals_of,
)
from services.quickbooks.transport import QuickBooksTransport

CDC_LIMIT = 1000
CDC_WINDOW = timedelta(days=30) - timedelta(hours=1)
CHANGE_LAG = timedelta(seconds=60)
"""How far before the last read a refresh looks again (a transaction saved as the read ran)."""
ALGORITHM_NOTE = (
    "QuickBooks figures are added up by Throughline from the line amounts of invoices, credit memos, bills, "
    "vendor credits, expenses, journal entries and time activities (QuickBooks' query language cannot sum)."
)


class QuickBooksClient(QuickBooksTransport, ErpClient):
    """One QuickBooks Online company as the ERP: projects, their actuals and receivables, what changed."""

    label = SYSTEM

    def __init__(
        self,
        base_url: str,
        realm_id: str,
        auth: QuickBooksAuth,
        *,
        project_ids: ProjectIds | None = None,
        change_lag: timedelta = CHANGE_LAG,
        **transport: Any,
    ) -> None:
        super().__init__(base_url, realm_id, auth, **transport)
        self.project_ids = project_ids or ProjectIds()
        self._change_lag = change_lag
        self._home: str | None = None
        self._last: QuickBooksMarks | None = None

    # -- full read -----------------------------------------------------------------------------------

    def fetch_read(self, *, now: Callable[[], datetime] = utcnow) -> ErpRead:
        """Every project with its actuals and receivables, added up from the company's transactions, and
        the marks change data capture starts from."""
        start = self.requests
        home = self.home_currency()
        documents: dict[DocumentKey, Document] = {}
        lock = threading.Lock()

        def builder(kind: str) -> Callable[[list[Row]], list[Row]]:
            """Each page read into documents as it arrives, but for the rows that need what is read after
            (journal entries: the expense accounts; time without a cost rate: the employees'): kept."""

            def build(rows: list[Row]) -> list[Row]:
                later, built = [], {}
                for row in rows:
                    if kind == "JournalEntry" or (kind == "TimeActivity" and needs_employee_rate(row)):
                        later.append(row)
                    else:
                        built[(kind, str(row.get("Id")))] = document_of(kind, row, Context(home))
                with lock:
                    documents.update(built)
                return later

            return build

        with ThreadPoolExecutor(max_workers=len(TRANSACTIONS) + 2) as pool:
            customers_f = pool.submit(self.query_all, "Customer")
            kinds = (*TRANSACTIONS, "TimeActivity")
            rows_f = {kind: pool.submit(self.query_all, kind, "", builder(kind)) for kind in kinds}
            later = {kind: future.result() for kind, future in rows_f.items()}
            customers = {c.id: c for c in map(customer_of, customers_f.result())}
        context = self._context(home, later, None)
        documents.update(
            {
                (kind, str(row.get("Id"))): document_of(kind, row, context)
                for kind, found in later.items()
                for row in found
            }
        )
        marks = QuickBooksMarks(customers, documents, home, context.expense_accounts, context.employee_rates)
        snapshot, marks = self._snapshot(marks, now, start)
        return ErpRead(snapshot, marks)

    def home_currency(self) -> str:
        """The company's home currency (`Preferences.CurrencyPrefs.HomeCurrency`), read once per client."""
        if self._home is None:
            found = self.query("SELECT * FROM Preferences").get("Preferences") or [{}]
            prefs = (found[0] or {}).get("CurrencyPrefs") or {}
            self._home = ref(prefs.get("HomeCurrency")) or "USD"
        return self._home

    def _context(self, home: str, rows: Mapping[str, list[Row]], before: QuickBooksMarks | None) -> Context:
        """What reading these transactions needs: expense accounts when journal entries name a customer,
        employees' cost rates when a time activity has none (each read only then, and only once)."""
        accounts = before.expense_accounts if before else frozenset()
        rates = dict(before.employee_rates) if before and before.employee_rates is not None else None
        journals = rows.get("JournalEntry") or []
        if journals and not accounts:
            accounts = frozenset(
                str(a.get("Id")) for a in self.query_all("Account") if a.get("Classification") == "Expense"
            )
        if rates is None and any(needs_employee_rate(r) for r in rows.get("TimeActivity") or []):
            rates = {
                str(e.get("Id")): money(e.get("CostRate"))
                for e in self.query_all("Employee", "Active IN (true, false)")
                if e.get("CostRate") not in (None, "")
            }
        return Context(home, accounts, rates)

    def _snapshot(
        self,
        marks: QuickBooksMarks,
        now: Callable[[], datetime],
        start: int,
        changes: list[tuple[DocumentKey, Document | None, Document | None]] | None = None,
    ) -> tuple[ErpSnapshot, QuickBooksMarks]:
        """The snapshot from the marks: the figures adjusted by `changes` when the projects are those the
        marks' totals were added up for, else added up again. (A rate read for a currency no amount needed
        before leaves the totals as they were.)"""
        projects, notes = projects_of(marks.customers, self.project_ids, marks.home)
        currency_of = {p.erp_record_id: p.currency for p in projects}
        adjust = changes is not None and marks.totals is not None and marks.totals.currency_of == currency_of
        checked = (
            [new for _, _, new in changes or [] if new is not None] if adjust else marks.documents.values()
        )
        needed = conversions_needed(projects, checked, marks.home) - marks.rates.keys()
        if needed:
            today = now().astimezone(UTC).date()
            fresh = {cur: rate_of(self.exchange_rate(cur, today.isoformat())) for cur in sorted(needed)}
            marks = replace(marks, rates={**marks.rates, **fresh}, rates_day=today)
        if adjust and changes is not None and marks.totals is not None:
            totals = totals_after(marks.totals, changes, marks.home, marks.rates)
        else:
            totals = totals_of(projects, marks.documents, marks.home, marks.rates)
        marks = replace(marks, totals=totals)
        actuals, receivables = figures_from(totals)
        notes.insert(0, ALGORITHM_NOTE)
        if marks.rates:
            used = ", ".join(f"{cur} {rate}" for cur, rate in sorted(marks.rates.items()))
            notes.append(
                f"QuickBooks: amounts booked in another currency than their project's were converted through "
                f"{marks.home} at QuickBooks' exchange rates of {marks.rates_day} ({used} {marks.home} each)."
            )
        if marks.employee_rates is not None:
            notes.append(
                "QuickBooks: time activities without a cost rate of their own were costed at their "
                "employee's cost rate."
            )
        self._last = marks
        snapshot = ErpSnapshot(
            erp="quickbooks",
            projects=tuple(projects),
            actuals=tuple(actuals),
            receivables=tuple(receivables),
            read_at=now(),
            requests=self.requests - start,
            notes=tuple(notes),
            budget=self.budget(),
        )
        return snapshot, marks

    # -- incremental ---------------------------------------------------------------------------------

    def fetch_changes(
        self, previous: ErpRead, since: datetime, *, now: Callable[[], datetime] = utcnow
    ) -> ErpRead | None:
        """`previous` brought up to date from change data capture and the time activities written since
        `since`; None when the change log cannot say (window or size exceeded, an account or employee
        changed), and the caller then reads everything."""
        marks = previous.marks
        if not isinstance(marks, QuickBooksMarks) or now() - since > CDC_WINDOW:
            return None
        start = self.requests
        cutoff = _qbo_time(since - self._change_lag)
        entities = ["Customer", *TRANSACTIONS, "Account"]
        if marks.employee_rates is not None:
            entities.append("Employee")
        with ThreadPoolExecutor(max_workers=3) as pool:
            changed_f = pool.submit(self.changes, entities, cutoff)
            time_f = pool.submit(self.query_all, "TimeActivity", f"MetaData.LastUpdatedTime >= '{cutoff}'")
            count_f = pool.submit(self.count, "TimeActivity")
            try:
                changed = changed_f.result()
            except CdcWindowExceeded:
                return None
            times, time_count = time_f.result(), count_f.result()
        if sum(map(len, changed.values())) >= CDC_LIMIT or changed.get("Account") or changed.get("Employee"):
            return None
        customers = dict(marks.customers)
        for row in changed.get("Customer", []):
            if row.get("status") == "Deleted":
                customers.pop(str(row.get("Id")), None)
            else:
                customers[str(row.get("Id"))] = customer_of(row)
        rows = {
            kind: [r for r in changed.get(kind, []) if r.get("status") != "Deleted"] for kind in TRANSACTIONS
        }
        rows["TimeActivity"] = times
        context = self._context(marks.home, rows, marks)
        documents = dict(marks.documents)
        changes: list[tuple[DocumentKey, Document | None, Document | None]] = []
        for kind, row in [(k, r) for k in TRANSACTIONS for r in changed.get(k, [])] + [
            ("TimeActivity", r) for r in times
        ]:
            key = (kind, str(row.get("Id")))
            new = None if row.get("status") == "Deleted" else document_of(kind, row, context)
            changes.append((key, documents.pop(key, None), new))
            if new is not None:
                documents[key] = new
        deleted_time = sum(1 for kind, _ in documents if kind == "TimeActivity") != time_count
        if deleted_time:  # time activities were deleted: all are read again, and everything added up
            documents = {k: v for k, v in documents.items() if k[0] != "TimeActivity"}
            every = self.query_all("TimeActivity")
            known = replace(
                marks, expense_accounts=context.expense_accounts, employee_rates=context.employee_rates
            )
            context = self._context(marks.home, {"TimeActivity": every}, known)
            documents.update(
                {("TimeActivity", str(r.get("Id"))): document_of("TimeActivity", r, context) for r in every}
            )
        fresh = replace(
            marks,
            customers=customers,
            documents=documents,
            expense_accounts=context.expense_accounts,
            employee_rates=context.employee_rates,
        )
        snapshot, fresh = self._snapshot(fresh, now, start, None if deleted_time else changes)
        return ErpRead(snapshot, fresh)

    # -- writes (writes.py) ----------------------------------------------------------------------------

    def create_project(self, project_id: str, name: str, customer: str | None) -> CreatedProject:
        """The job carrying `project_id` where the settings put IDs, made now unless there is one."""
        return writes.create_project(self, project_id, name, customer)

    def archive_project(self, erp_record_id: str) -> None:
        """Make the job inactive (QuickBooks' delete for customers)."""
        writes.archive_project(self, erp_record_id)

    # -- one project ---------------------------------------------------------------------------------

    def fetch_project_documents(self, erp_record_id: str) -> list[ErpDocumentLine]:
        """The lines behind one project's figures, newest first: the transactions the latest read counted
        for it, read again by Id."""
        marks = self._last
        if marks is None:
            read = self.fetch_read().marks
            assert isinstance(read, QuickBooksMarks)
            marks = read
        customer = marks.customers.get(erp_record_id)
        if customer is None:
            raise NotFoundError(SYSTEM, "read project", f"QuickBooks has no project customer {erp_record_id}")
        target = customer.currency or marks.home
        wanted: dict[str, list[str]] = {}
        for (kind, record_id), document in marks.documents.items():
            if erp_record_id in document.customers:
                wanted.setdefault(kind, []).append(record_id)
        context = Context(marks.home, marks.expense_accounts, dict(marks.employee_rates or {}) or None)
        lines: list[ErpDocumentLine] = []
        for kind, ids in sorted(wanted.items()):
            for row in self.query_ids(kind, ids):
                for line in lines_of(kind, row, context):
                    if line.customer_id != erp_record_id:
                        continue
                    amount = convert(line.amount, line.currency, line.rate, target, marks.home, marks.rates)
                    lines.append(
                        ErpDocumentLine(
                            erp_record_id=ErpRecordId(erp_record_id),
                            section=line.section,
                            date=line.date,
                            document=line.document,
                            partner=line.partner,
                            description=line.description,
                            hours=cents(line.hours) if line.hours is not None else None,
                            amount=cents(amount),
                            currency=target,
                        )
                    )
        lines.sort(key=lambda d: d.date or date.min, reverse=True)
        return lines


def _qbo_time(moment: datetime) -> str:
    """An instant as QuickBooks writes them: ISO 8601 with its offset, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
