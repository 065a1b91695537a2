"""Odoo ERP adapter, every version in use (16-19, Odoo Online's saas line, 20, 22): projects and actuals.

A full read (`fetch_read`) costs, after the version (asked once, transport.py) and the analytic lines' fields
(asked once, `lines`): the projects (one `web_search_read` from 17, which brings each account's code along;
16 reads projects and accounts apart), one grouped sum of every analytic line (read_group or
formatted_read_group, by plan column, category, journal and timesheet project: figures.py says how each group
counts), and the posted customer invoices with their analytic product lines (invoices.py shares them out to
the cent). One project's lines are read only when asked for (`fetch_project_documents`). How a refresh finds
what changed is in changes.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from services.erp import CreatedProject, ErpClient, ErpRead
from services.errors import BadResponseError, NotFoundError
from services.models import (
    DocumentSection,
    ErpDocumentLine,
    ErpProject,
    ErpProjectId,
    ErpReceivable,
    ErpRecordId,
    ErpSnapshot,
    ProjectStatus,
    utcnow,
)
from services.odoo import figures as F
from services.odoo import invoices, writes
from services.odoo.changes import refreshed
from services.odoo.diagnosis import SYSTEM
from services.odoo.grouping import group_arguments, normalized
from services.odoo.transport import PAGE, OdooTransport

STATUS: dict[str, ProjectStatus] = {"done": "closed", "on_hold": "open", "off_track": "open"}
ALL_PROJECTS = {"active_test": False}
PROJECT_FIELDS = ("name", "partner_id", "company_id", "currency_id", "date_start", "date", "active",
                  "last_update_status", "write_date")  # fmt: skip
ODOO_LAG = timedelta(seconds=60)
"""How far before the last read a refresh looks again (transactions commit after their write_date)."""


class OdooClient(OdooTransport, ErpClient):
    """One Odoo database as the ERP: projects, actuals from server-side sums, receivables, what changed."""

    label = SYSTEM

    def __init__(
        self,
        url: str,
        database: str | None,
        login: str | None,
        api_key: str,
        *,
        timeout: float = 60.0,
        max_retries: int = 4,
        transport: httpx.BaseTransport | None = None,
        change_lag: timedelta = ODOO_LAG,
    ) -> None:
        super().__init__(
            url, database, login, api_key, timeout=timeout, max_retries=max_retries, transport=transport
        )
        self.change_lag = change_lag
        self._lines: F.Lines | None = None

    # -- what this database has (asked once) -----------------------------------------------------------

    def lines(self) -> F.Lines:
        """The analytic lines' plan columns and module fields, from `fields_get` (asked once)."""
        if self._lines is None:
            described = self.call("account.analytic.line", "fields_get", attributes=["type", "relation"])
            if not isinstance(described, Mapping):
                raise BadResponseError(
                    SYSTEM, "fields_get account.analytic.line", "the answer is not an object"
                )
            columns = tuple(
                sorted(
                    (name for name, spec in described.items() if _is_plan_column(name, spec)),
                    key=lambda name: (name != "account_id", name),
                )
            )
            self._lines = F.Lines(columns, "project_id" in described, "journal_id" in described)
        return self._lines

    # -- snapshot ------------------------------------------------------------------------------------

    def fetch_read(self, *, now: Callable[[], datetime] = utcnow) -> ErpRead:
        """Projects, per-project actuals (server-side sums) and receivables, with the marks `fetch_changes`
        starts from (no extra request)."""
        start = self.requests
        lines = self.lines()
        with ThreadPoolExecutor(max_workers=4) as pool:
            part_f = pool.submit(self.read_projects)
            groups_f = pool.submit(self.line_groups, [])
            moves_f = pool.submit(
                self.search_read_all, "account.move", invoices.MOVE_DOMAIN, invoices.MOVE_FIELDS
            )
            lines_f = pool.submit(
                self.search_read_all, "account.move.line", invoices.LINE_DOMAIN, invoices.LINE_FIELDS
            )
            part, groups = part_f.result(), groups_f.result()
            moves = {row["id"]: row for row in moves_f.result()}
            receivables = invoices.receivable_rows(
                moves, lines_f.result(), part.project_of_account, part.currency_of
            )
        figures = F.line_figures(groups, lines, part.project_of_account)
        marks = F.OdooMarks(
            F.line_sets(groups, lines.columns),
            part.project_of_account,
            len(part.projects),
            figures,
            part.notes,
        )
        return ErpRead(self.snapshot(part, figures, receivables, now, start), marks)

    def fetch_changes(
        self, previous: ErpRead, since: datetime, *, now: Callable[[], datetime] = utcnow
    ) -> ErpRead | None:
        """`previous` brought up to date with what changed since `since` (when the read that made it began),
        and the new marks (changes.py); None when the previous read left no marks."""
        if not isinstance(previous.marks, F.OdooMarks):
            return None
        start = self.requests
        part, figures, receivables, marks = refreshed(self, previous.snapshot, previous.marks, since)
        return ErpRead(self.snapshot(part, figures, receivables, now, start), marks)

    def snapshot(
        self,
        part: F.Projects,
        figures: Mapping[ErpRecordId, F.LineFigures],
        receivables: Sequence[ErpReceivable],
        now: Callable[[], datetime],
        start: int,
    ) -> ErpSnapshot:
        """The common model: per project its line figures and invoice shares (figures.actuals)."""
        return ErpSnapshot(
            erp="odoo",
            projects=part.projects,
            actuals=F.actuals(part.currency_of, figures, receivables),
            receivables=tuple(receivables),
            read_at=now(),
            requests=self.requests - start,
            notes=part.notes + F.line_notes(figures, part.projects, part.currency_of),
            unavailable=F.unavailable(self.lines()),
        )

    def line_groups(self, domain: list[Any], groupby: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """Server-side sums (count, amount, hours) of the analytic lines in `domain`, one request."""
        lines = self.lines()
        method = self.version().group_method
        arguments = group_arguments(
            method, domain, lines.groupby if groupby is None else groupby, F.LINE_SUMS
        )
        groups = self.call("account.analytic.line", method, **arguments)
        if not isinstance(groups, list):
            raise BadResponseError(SYSTEM, f"{method} account.analytic.line", "the answer is not a list")
        return normalized(groups, F.LINE_SUMS)

    def read_projects(self) -> F.Projects:
        """Projects with their analytic account's code: one request per 10,000 from 17, two before."""
        version = self.version()
        field = version.project_account_field
        domain: list[Any] = [["is_template", "=", False]] if version.has_templates else []
        if version.nested_read:
            rows = self._web_search_read("project.project", domain, _project_spec(field))
            codes = {a["id"]: a.get("code") for a in (row.get(field) for row in rows) if isinstance(a, dict)}
        else:
            rows = self.search_read_all(
                "project.project", domain, [*PROJECT_FIELDS, field], context=ALL_PROJECTS
            )
            accounts = self.search_read_all("account.analytic.account", [], ["code"], context=ALL_PROJECTS)
            codes = {row["id"]: row.get("code") for row in accounts}
        return _projects(rows, field, codes)

    def _web_search_read(self, model: str, domain: list[Any], spec: dict[str, Any]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = self.call(
                model, "web_search_read", domain=domain, specification=spec, offset=offset, limit=PAGE,
                order="id asc", context=ALL_PROJECTS,
            )  # fmt: skip
            records = page.get("records") if isinstance(page, Mapping) else None
            if not isinstance(records, list):
                raise BadResponseError(SYSTEM, f"web_search_read {model}", "the answer has no records list")
            rows.extend(records)
            if len(records) < PAGE:
                return rows
            offset += PAGE

    def receivables(
        self,
        project_of_account: Mapping[int, ErpRecordId],
        currency_of: Mapping[ErpRecordId, str],
        moves: Mapping[int, Mapping[str, Any]],
    ) -> list[ErpReceivable]:
        """The shares of the given posted invoices, from their lines (one request)."""
        if not moves:
            return []
        lines = self.search_read_all(
            "account.move.line",
            [*invoices.LINE_DOMAIN, ["move_id", "in", sorted(moves)]],
            invoices.LINE_FIELDS,
        )
        return invoices.receivable_rows(moves, lines, project_of_account, currency_of)

    # -- writes (writes.py) ----------------------------------------------------------------------------

    def create_project(self, project_id: str, name: str, customer: str | None) -> CreatedProject:
        """The active project whose analytic account has code `project_id`, made now unless one exists."""
        return writes.create_project(self, project_id, name, customer)

    def archive_project(self, erp_record_id: str) -> None:
        """Archive the project and its analytic account."""
        writes.archive_project(self, erp_record_id)

    # -- one project ---------------------------------------------------------------------------------

    def fetch_project_documents(self, erp_record_id: str) -> list[ErpDocumentLine]:
        """Every line behind one project's figures, newest first, by profitability section."""
        lines, field = self.lines(), self.version().project_account_field
        rows = self.call("project.project", "read", ids=[int(erp_record_id)], fields=[field, "currency_id"])
        if not rows:
            raise NotFoundError(SYSTEM, "read project", f"Odoo has no project with id {erp_record_id}")
        account = F.m2o_id(rows[0].get(field))
        currency = F.m2o_name(rows[0].get("currency_id")) or "USD"
        if account is None:
            return []
        wanted = ["date", "name", "amount", "unit_amount", "category", "partner_id", *lines.columns]
        wanted += ["move_line_id", "journal_id"] if lines.journals else []
        wanted += ["project_id", "employee_id"] if lines.timesheets else []
        aals = self.search_read_all("account.analytic.line", lines.touching([account]), wanted)
        pid = ErpRecordId(erp_record_id)
        documents = [doc for doc in (_document(pid, row, lines, currency) for row in aals) if doc is not None]
        documents += self._invoice_documents(pid, aals, currency)
        documents.sort(key=lambda d: d.date or date.min, reverse=True)
        return documents

    def _invoice_documents(
        self, pid: ErpRecordId, aals: Sequence[Mapping[str, Any]], currency: str
    ) -> list[ErpDocumentLine]:
        """The project's share of each invoice its lines are on, as the snapshot shares it out."""
        items = [F.m2o_id(a.get("move_line_id")) for a in aals if a.get("category") == "invoice"]
        item_ids = sorted({i for i in items if i is not None})
        if not item_ids:
            return []
        found = self.search_read_all(
            "account.move", [*invoices.MOVE_DOMAIN, ["line_ids", "in", item_ids]], invoices.MOVE_FIELDS
        )
        part = self.read_projects()
        shares = self.receivables(part.project_of_account, part.currency_of, {m["id"]: m for m in found})
        return [
            ErpDocumentLine(
                erp_record_id=pid,
                section="invoice",
                date=r.invoice_date,
                document=r.document,
                amount=r.amount_untaxed,
                currency=currency,
            )
            for r in shares
            if r.erp_record_id == pid
        ]


def _is_plan_column(name: str, spec: Any) -> bool:
    """A stored many2one to analytic accounts named as Odoo names plan columns (analytic_plan.py 17+)."""
    if not isinstance(spec, Mapping) or spec.get("type") != "many2one":
        return False
    if spec.get("relation") != "account.analytic.account":
        return False
    return name == "account_id" or (
        name.startswith("x_plan") and name.endswith("_id") and name[6:-3].isdigit()
    )


def _project_spec(field: str) -> dict[str, Any]:
    named: dict[str, Any] = {"fields": {"display_name": {}}}
    return {
        "name": {},
        "partner_id": named,
        field: {"fields": {"code": {}}},
        "company_id": named,
        "currency_id": named,
        "date_start": {},
        "date": {},
        "active": {},
        "last_update_status": {},
        "write_date": {},
    }


def _projects(rows: Sequence[Mapping[str, Any]], field: str, codes: Mapping[int, Any]) -> F.Projects:
    notes: list[str] = []
    projects: list[ErpProject] = []
    project_of_account: dict[int, ErpRecordId] = {}
    currency_of: dict[ErpRecordId, str] = {}
    for row in rows:
        record_id = ErpRecordId(str(row["id"]))
        account_id = F.m2o_id(row.get(field))
        currency = F.m2o_name(row.get("currency_id")) or "USD"
        currency_of[record_id] = currency
        if account_id is not None:
            project_of_account.setdefault(account_id, record_id)
        else:
            notes.append(f"Odoo project '{row.get('name')}' has no analytic account, so no actuals")
        code = codes.get(account_id) if account_id is not None else None
        status_raw = str(row.get("last_update_status") or "")
        projects.append(
            ErpProject(
                erp="odoo",
                erp_record_id=record_id,
                erp_project_id=ErpProjectId(str(code)) if code else None,
                name=str(row.get("name") or f"project {record_id}"),
                customer_name=F.m2o_name(row.get("partner_id")),
                status="closed" if not row.get("active", True) else STATUS.get(status_raw, "open"),
                raw_status=status_raw or None,
                start_date=F.day(row.get("date_start")),
                end_date=F.day(row.get("date")),
                currency=currency,
                company=F.m2o_name(row.get("company_id")),
                updated_at=F.when(row.get("write_date")),
            )
        )
    return F.Projects(tuple(projects), project_of_account, currency_of, tuple(notes))


def _document(
    pid: ErpRecordId, line: Mapping[str, Any], lines: F.Lines, currency: str
) -> ErpDocumentLine | None:
    """One analytic line in its section, or None when it is not a cost line (invoices come from invoices.py,
    miscellaneous entries are left out as the figures leave them out)."""
    kind = F.line_kind(line, lines)
    amount = Decimal(str(line.get("amount") or 0))
    section: DocumentSection
    if kind == "labor":
        section = "labor"
    elif kind == "vendor":
        section = "vendor"
    elif kind == "other":
        section = "other_cost" if amount < 0 else "other_revenue"
    else:
        return None
    return ErpDocumentLine(
        erp_record_id=pid,
        section=section,
        date=F.day(line.get("date")),
        document=F.m2o_name(line.get("move_line_id")) or ("Timesheet" if section == "labor" else None),
        partner=F.m2o_name(line.get("employee_id")) or F.m2o_name(line.get("partner_id")),
        description=str(line.get("name") or "") or None,
        hours=Decimal(str(line.get("unit_amount") or 0)) if section == "labor" else None,
        amount=F.cents(amount if section == "other_revenue" else -amount),
        currency=currency,
    )
