"""Odoo ERP adapter (JSON-RPC at /jsonrpc, Odoo 16–18 field names as in Odoo 17): projects and their actuals.

Authenticates once and reuses the uid. Per-project sums come from the server (`read_group` on
`account.analytic.line`), never from pulling every line: labor = timesheet lines (`project_id` set),
vendor cost = lines of category `vendor_bill`, other cost = the remaining negative lines. Invoiced, paid and
outstanding come from the posted customer invoices (`account.move`) and are spread over projects by the
`analytic_distribution` of their product lines, so an invoice split across projects is pro-rated.
One project's lines are read only when asked for that project (`fetch_project_documents`).

Incremental refresh (`fetch_changes`), from the marks a full read leaves (`fetch_read`:
per analytic account, its lines' count, Σ amount and Σ hours, from the same `read_group`). Four questions,
asked at once, each one request:
- which accounts have lines written since the last read (less `change_lag`): a `read_group` by account of
  the lines with a recent `write_date` (Odoo sets it on every create and write);
- the count, Σ amount and Σ hours of all lines. With the touched accounts summed again (one more
  `read_group`, restricted to them), these must equal the marks' totals: a line deleted (Odoo keeps no
  trace of an unlink) or moved out of an untouched account shows as a difference, and then every account
  is summed again (the full `read_group`);
- whether any project changed, was created or deleted (count and latest `write_date` of the projects) or
  any analytic account was written: then projects and accounts are read again;
- which customer invoices were written, or had a line written: their shares are read again. A posted
  invoice cannot be deleted without a write first (reset to draft), so deletions show here too.
The companies are not read again: Odoo refuses to change a company's currency once it has entries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from services.erp import ErpClient, ErpRead
from services.errors import BadResponseError, NotFoundError
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
from services.odoo import figures as F
from services.odoo.transport import SYSTEM, OdooTransport

INVOICE_TYPES = ["out_invoice", "out_refund"]
STATUS: dict[str, ProjectStatus] = {"done": "closed", "on_hold": "open", "off_track": "open"}
ALL_LINES: list[Any] = [["account_id", "!=", False]]
LINE_GROUPBY = ["account_id", "category", "project_id"]
LINE_SUMS = ["amount:sum", "unit_amount:sum"]
PROJECT_FIELDS = [
    "name",
    "partner_id",
    "analytic_account_id",
    "company_id",
    "date_start",
    "date",
    "active",
    "last_update_status",
    "write_date",
]
MOVE_DOMAIN: list[Any] = [["move_type", "in", INVOICE_TYPES], ["state", "=", "posted"]]
MOVE_FIELDS = [
    "name",
    "invoice_date",
    "invoice_date_due",
    "amount_untaxed_signed",
    "amount_total_signed",
    "amount_residual_signed",
    "payment_state",
]
MOVE_LINE_DOMAIN: list[Any] = [
    ["move_type", "in", INVOICE_TYPES],
    ["parent_state", "=", "posted"],
    ["display_type", "=", "product"],
    ["analytic_distribution", "!=", False],
]
ODOO_LAG = timedelta(seconds=60)
"""How far before the last read a refresh looks again (transactions commit after their write_date)."""


class OdooClient(OdooTransport, ErpClient):
    """One Odoo database as the ERP: projects, actuals from server-side sums, receivables, what changed."""

    label = SYSTEM

    def __init__(
        self,
        url: str,
        database: str,
        login: str,
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
        self._change_lag = change_lag

    # -- snapshot ------------------------------------------------------------------------------------

    def fetch_read(self, *, now: Callable[[], datetime] = utcnow) -> ErpRead:
        """Projects, per-project actuals (server-side sums) and receivables, with the marks `fetch_changes`
        starts from (no extra request)."""
        start = self.requests
        part = self._read_projects()
        groups = self._line_groups(ALL_LINES)
        sums = F.line_sums(groups, part.project_of_account, part.currency_of)
        receivables = self._receivables(part.project_of_account, part.currency_of)
        snapshot = self._snapshot(part, sums, receivables, now, start)
        return ErpRead(
            snapshot, F.OdooMarks(F.lines_by_account(groups), part.project_of_account, len(part.projects))
        )

    def fetch_changes(
        self, previous: ErpRead, since: datetime, *, now: Callable[[], datetime] = utcnow
    ) -> ErpRead | None:
        """`previous` brought up to date with what changed since `since` (when the read that made it began),
        and the new marks; how changes and deletions are found is in the module docstring. None when the
        previous read left no marks."""
        if not isinstance(previous.marks, F.OdooMarks):
            return None
        return ErpRead(*self._changes(previous.snapshot, previous.marks, since, now))

    def _changes(
        self, previous: ErpSnapshot, marks: F.OdooMarks, since: datetime, now: Callable[[], datetime]
    ) -> tuple[ErpSnapshot, F.OdooMarks]:
        start = self.requests
        cutoff = F.odoo_time(since - self._change_lag)
        self.authenticate()
        with ThreadPoolExecutor(max_workers=4) as pool:
            touched_f = pool.submit(self._touched_accounts, cutoff)
            totals_f = pool.submit(self._line_totals)
            projects_f = pool.submit(self._projects_changed, marks.project_count, cutoff)
            moves_f = pool.submit(
                self.search_read_all,
                "account.move",
                [["move_type", "in", INVOICE_TYPES], "|", ["write_date", ">=", cutoff],
                 ["line_ids.write_date", ">=", cutoff]],
                [*MOVE_FIELDS, "state"],
            )  # fmt: skip
            part = self._read_projects() if projects_f.result() else F.previous_part(previous, marks)
            old_map, new_map = marks.project_of_account, part.project_of_account
            remapped = {a for a in old_map.keys() | new_map.keys() if old_map.get(a) != new_map.get(a)}
            accounts = touched_f.result() | remapped
            sums, account_lines = self._refreshed_line_sums(
                previous, marks, part, accounts, remapped, totals_f.result()
            )
            # an account with lines (so perhaps invoices) that now counts for another project, or none
            reassigned = remapped & (old_map.keys() | marks.account_lines.keys())
            receivables = self._refreshed_receivables(previous, part, moves_f.result(), reassigned)
        snapshot = self._snapshot(part, sums, receivables, now, start)
        return snapshot, F.OdooMarks(account_lines, new_map, len(part.projects))

    def _refreshed_line_sums(
        self,
        previous: ErpSnapshot,
        marks: F.OdooMarks,
        part: F.Projects,
        accounts: set[int],
        remapped: set[int],
        totals: tuple[int, float, float],
    ) -> tuple[dict[ErpRecordId, dict[str, Decimal]], dict[int, tuple[int, float, float]]]:
        """Per project, the line figures: those of `accounts` summed again, the rest as before (every account
        summed again when the marks then do not add up to the server's `totals`); and the new marks."""
        old_map, new_map = marks.project_of_account, part.project_of_account
        groups = self._line_groups([["account_id", "in", sorted(accounts)]]) if accounts else []
        account_lines = {a: v for a, v in marks.account_lines.items() if a not in accounts}
        account_lines.update(F.lines_by_account(groups))
        recount = {new_map[a] for a in accounts if a in new_map} | {
            old_map[a] for a in remapped if a in old_map
        }
        if not F.adds_up(account_lines, totals):  # a deletion, or a line moved between accounts
            groups = self._line_groups(ALL_LINES)
            account_lines, recount = F.lines_by_account(groups), set(part.currency_of)
        fresh = F.line_sums(groups, new_map, part.currency_of)
        return F.merged_line_sums(previous, fresh, recount, part), account_lines

    def _touched_accounts(self, cutoff: str) -> set[int]:
        """Analytic accounts with a line created or written at or after `cutoff` (one grouped count)."""
        groups = self.execute_kw(
            "account.analytic.line", "read_group", [[["write_date", ">=", cutoff]], [], ["account_id"]]
        )
        return {a for a in (F.m2o_id(g.get("account_id")) for g in groups or []) if a is not None}

    def _line_totals(self) -> tuple[int, float, float]:
        """Count, Σ amount and Σ hours of every analytic line (one aggregate, no lines sent)."""
        groups = self.execute_kw("account.analytic.line", "read_group", [ALL_LINES, LINE_SUMS, []])
        group = groups[0] if isinstance(groups, list) and groups else {}
        return (
            int(group.get("__count") or 0),
            float(group.get("amount") or 0),
            float(group.get("unit_amount") or 0),
        )

    def _projects_changed(self, count: int, cutoff: str) -> bool:
        """Whether a project was created, written or deleted, or an analytic account written, since."""
        context = {"context": {"active_test": False}}
        latest = self.execute_kw("project.project", "read_group", [[], ["write_date:max"], []], context)
        group = latest[0] if isinstance(latest, list) and latest else {}
        written = str(group.get("write_date") or "")
        accounts = self.execute_kw(
            "account.analytic.account", "search_count", [[["write_date", ">=", cutoff]]], context
        )
        return int(group.get("__count") or 0) != count or written >= cutoff or bool(accounts)

    def _refreshed_receivables(
        self,
        previous: ErpSnapshot,
        part: F.Projects,
        changed_moves: Sequence[dict[str, Any]],
        reassigned: set[int],
    ) -> list[ErpReceivable]:
        """The previous shares with those of changed invoices read again; all of them read again when an
        analytic account with lines now counts for another project (or none)."""
        if reassigned:
            return self._receivables(part.project_of_account, part.currency_of)
        documents = {F.document(row["id"], row) for row in changed_moves}
        kept = [r for r in previous.receivables if r.document not in documents]
        posted = {row["id"]: row for row in changed_moves if row.get("state") == "posted"}
        return kept + self._receivables(part.project_of_account, part.currency_of, posted)

    def _read_projects(self) -> F.Projects:
        """Companies, projects and analytic accounts (three requests for up to 10,000 projects)."""
        notes: list[str] = []
        company_rows = self.search_read_all("res.company", [], ["name", "currency_id"])
        companies = {row["id"]: F.m2o_name(row.get("currency_id")) or "USD" for row in company_rows}
        company_names = {row["id"]: str(row.get("name") or "") for row in company_rows}
        raw_projects = self.search_read_all(
            "project.project", [], PROJECT_FIELDS, context={"active_test": False}
        )
        accounts = {
            row["id"]: row
            for row in self.search_read_all(
                "account.analytic.account", [], ["code", "name", "partner_id"], context={"active_test": False}
            )
        }
        projects: list[ErpProject] = []
        project_of_account: dict[int, ErpRecordId] = {}
        currency_of: dict[ErpRecordId, str] = {}
        for row in raw_projects:
            record_id = ErpRecordId(str(row["id"]))
            account_id = F.m2o_id(row.get("analytic_account_id"))
            account = accounts.get(account_id) if account_id else None
            company_id = F.m2o_id(row.get("company_id"))
            currency = companies.get(company_id or 0, "USD")
            currency_of[record_id] = currency
            if account_id is not None:
                project_of_account.setdefault(account_id, record_id)
            else:
                notes.append(f"Odoo project '{row.get('name')}' has no analytic account, so no actuals")
            code = account.get("code") if account else None
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
                    company=company_names.get(company_id or 0),
                    updated_at=F.when(row.get("write_date")),
                )
            )
        return F.Projects(tuple(projects), project_of_account, currency_of, tuple(notes))

    def _snapshot(
        self,
        part: F.Projects,
        sums: dict[ErpRecordId, dict[str, Decimal]],
        receivables: Sequence[ErpReceivable],
        now: Callable[[], datetime],
        start: int,
    ) -> ErpSnapshot:
        F.add_receivables(sums, receivables)
        return ErpSnapshot(
            erp="odoo",
            projects=part.projects,
            actuals=tuple(
                ErpActuals(
                    erp_record_id=pid,
                    currency=part.currency_of[pid],
                    **{k: F.cents(v) for k, v in sums[pid].items()},
                )
                for pid in part.currency_of
            ),
            receivables=tuple(receivables),
            read_at=now(),
            requests=self.requests - start,
            notes=part.notes,
        )

    def _line_groups(self, domain: list[Any]) -> list[dict[str, Any]]:
        """Server-side sums of the analytic lines in `domain`, by account, category and project."""
        groups = self.execute_kw(
            "account.analytic.line", "read_group", [domain, LINE_SUMS, LINE_GROUPBY], {"lazy": False}
        )
        if not isinstance(groups, list):
            raise BadResponseError(SYSTEM, "read_group account.analytic.line", "the answer is not a list")
        return groups

    def _receivables(
        self,
        project_of_account: Mapping[int, ErpRecordId],
        currency_of: Mapping[ErpRecordId, str],
        moves: Mapping[int, dict[str, Any]] | None = None,
    ) -> list[ErpReceivable]:
        """Every posted customer invoice's share per project, or only those of `moves` when given."""
        if moves is None:
            moves = {row["id"]: row for row in self.search_read_all("account.move", MOVE_DOMAIN, MOVE_FIELDS)}
            line_domain = MOVE_LINE_DOMAIN
        elif moves:
            line_domain = [*MOVE_LINE_DOMAIN, ["move_id", "in", sorted(moves)]]
        else:
            return []
        lines = self.search_read_all(
            "account.move.line", line_domain, ["move_id", "analytic_distribution", "price_subtotal"]
        )
        return F.receivable_rows(moves, lines, project_of_account, currency_of)

    # -- one project ---------------------------------------------------------------------------------

    def fetch_project_documents(self, erp_record_id: str) -> list[ErpDocumentLine]:
        """Every analytic line behind one project's figures, newest first, by profitability section."""
        rows = self.execute_kw(
            "project.project", "read", [[int(erp_record_id)], ["analytic_account_id", "company_id"]]
        )
        if not rows:
            raise NotFoundError(SYSTEM, "read project", f"Odoo has no project with id {erp_record_id}")
        account_id = F.m2o_id(rows[0].get("analytic_account_id"))
        if account_id is None:
            return []
        company = self.execute_kw(
            "res.company", "read", [[F.m2o_id(rows[0].get("company_id")) or 1], ["currency_id"]]
        )
        currency = F.m2o_name(company[0].get("currency_id")) if company else "USD"
        lines = self.search_read_all(
            "account.analytic.line",
            [["account_id", "=", account_id]],
            [
                "date",
                "name",
                "amount",
                "unit_amount",
                "category",
                "project_id",
                "employee_id",
                "partner_id",
                "move_line_id",
            ],
        )
        documents: list[ErpDocumentLine] = []
        for line in lines:
            amount = Decimal(str(line.get("amount") or 0))
            section: DocumentSection
            if line.get("project_id"):
                section = "labor"
            elif line.get("category") == "vendor_bill":
                section = "vendor"
            elif line.get("category") == "invoice":
                section = "invoice"
            else:
                section = "other_cost" if amount < 0 else "other_revenue"
            cost = section in ("labor", "vendor", "other_cost")
            documents.append(
                ErpDocumentLine(
                    erp_record_id=ErpRecordId(erp_record_id),
                    section=section,
                    date=F.day(line.get("date")),
                    document=F.m2o_name(line.get("move_line_id"))
                    or ("Timesheet" if section == "labor" else None),
                    partner=F.m2o_name(line.get("employee_id")) or F.m2o_name(line.get("partner_id")),
                    description=str(line.get("name") or "") or None,
                    hours=Decimal(str(line.get("unit_amount") or 0)) if section == "labor" else None,
                    amount=F.cents(-amount if cost else amount),
                    currency=currency or "USD",
                )
            )
        documents.sort(key=lambda d: d.date or date.min, reverse=True)
        return documents
