"""Odoo client (JSON-RPC at /jsonrpc, Odoo 16–18 field names as in Odoo 17): projects and their actuals.

Authenticates once and reuses the uid. Per-project sums come from the server (`read_group` on
`account.analytic.line`), never from pulling every line: labor = timesheet lines (`project_id` set),
vendor cost = lines of category `vendor_bill`, other cost = the remaining negative lines. Invoiced, paid and
outstanding come from the posted customer invoices (`account.move`) and are spread over projects by the
`analytic_distribution` of their product lines, so an invoice split across projects is pro-rated.
One project's lines are read only when asked for that project (`fetch_project_documents`).

Incremental refresh (`fetch_snapshot_since`), from the marks a full read leaves (`fetch_snapshot_marked`:
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

import itertools
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from services.errors import (
    AuthError,
    BadResponseError,
    ConfigError,
    NotFoundError,
    RateLimitError,
    RejectedError,
    ServiceError,
    UnavailableError,
)
from services.http import build_client, parse_retry_after, retrying, transport_error
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

SYSTEM = "Odoo"
PAGE = 10_000
CENT = Decimal("0.01")
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
SUM_TOLERANCE = 0.005  # totals are float sums in another order; a real change moves them by a cent or more
LINE_FIGURES = ("labor_hours", "labor_cost", "vendor_cost", "other_cost")


@dataclass(frozen=True)
class OdooMarks:
    """What a read saw, for the next refresh to tell what changed since."""

    account_lines: Mapping[int, tuple[int, float, float]]
    """Per analytic account: its lines' count, Σ amount and Σ hours."""
    project_of_account: Mapping[int, ErpRecordId]
    """The project each analytic account's figures count for."""
    project_count: int


@dataclass(frozen=True)
class _Projects:
    """The projects part of a read: the records, which project each account counts for, currencies."""

    projects: tuple[ErpProject, ...]
    project_of_account: Mapping[int, ErpRecordId]
    currency_of: Mapping[ErpRecordId, str]
    notes: tuple[str, ...]


class OdooClient:
    """One Odoo database, reached with a login and an API key (in the password slot)."""

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
        self._change_lag = change_lag
        self._url = url.rstrip("/")
        self._database = database
        self._login = login
        self._api_key = api_key
        self._http = build_client(self._url, timeout=timeout, transport=transport)
        self._max_retries = max_retries
        self._uid: int | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OdooClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------------

    def _call(self, service: str, method: str, args: list[Any], operation: str) -> Any:
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self._ids),
            "params": {"service": service, "method": method, "args": args},
        }

        def once() -> Any:
            self.requests += 1
            try:
                response = self._http.post("/jsonrpc", json=payload)
            except httpx.TransportError as error:
                raise transport_error(SYSTEM, operation, error, self._url) from None
            return self._result(response, operation)

        return retrying(self._max_retries, lambda _error: None)(once)

    def _result(self, response: httpx.Response, operation: str) -> Any:
        status = response.status_code
        if status == 429:
            error = RateLimitError(SYSTEM, operation, "Odoo is throttling requests", status=status)
            error.retry_after = parse_retry_after(response)  # type: ignore[attr-defined]
            raise error
        if status >= 500:
            raise UnavailableError(SYSTEM, operation, "Odoo or its proxy had an error", status=status)
        if status in (401, 403):
            raise AuthError(SYSTEM, operation, "refused by Odoo's web server: check the URL", status=status)
        if status == 404:
            raise ConfigError(f"{self._url}/jsonrpc was not found (404): check the Odoo URL setting")
        try:
            body = response.json()
        except ValueError:
            raise BadResponseError(
                SYSTEM, operation, "the answer was not valid JSON", status=status
            ) from None
        if not isinstance(body, dict):
            raise BadResponseError(SYSTEM, operation, "the answer was not a JSON-RPC object", status=status)
        if "error" in body:
            raise self._rpc_error(body["error"], operation)
        if "result" not in body:
            raise BadResponseError(SYSTEM, operation, "the answer has neither result nor error")
        return body["result"]

    def _rpc_error(self, error: Any, operation: str) -> ServiceError:
        """One place that maps Odoo's error envelope to the project's errors, with what to check."""
        data = error.get("data") or {} if isinstance(error, dict) else {}
        name = str(data.get("name") or "")
        message = str(
            data.get("message") or (error.get("message") if isinstance(error, dict) else "") or "error"
        )
        message = message.replace(self._api_key, "[redacted]")[:300]
        if name.endswith("AccessDenied"):
            return AuthError(
                SYSTEM,
                operation,
                f"Odoo rejected login '{self._login}' on database '{self._database}': "
                "check the Odoo login and API key settings",
            )
        if name.endswith("AccessError"):
            return AuthError(SYSTEM, operation, f"the Odoo user lacks access: {message}")
        if name.endswith("MissingError"):
            return NotFoundError(SYSTEM, operation, message)
        if "SerializationFailure" in name or "TransactionRollbackError" in name:
            # a concurrent update inside Odoo: transient, Odoo itself retries these
            return UnavailableError(SYSTEM, operation, "Odoo was busy with a concurrent update")
        if "OperationalError" in name and "does not exist" in message:
            return AuthError(
                SYSTEM,
                operation,
                f"database '{self._database}' does not exist: check the Odoo database setting",
            )
        return RejectedError(SYSTEM, operation, message)

    def authenticate(self) -> int:
        """Log in once (thread-safe) and keep the uid."""
        with self._lock:
            if self._uid is None:
                uid = self._call(
                    "common", "authenticate", [self._database, self._login, self._api_key, {}], "sign-in"
                )
                if not isinstance(uid, int) or uid is False:
                    raise AuthError(
                        SYSTEM,
                        "sign-in",
                        f"Odoo rejected login '{self._login}' on database '{self._database}': "
                        "check the Odoo login and API key settings",
                    )
                self._uid = uid
            return self._uid

    def execute_kw(
        self, model: str, method: str, args: list[Any], kwargs: Mapping[str, Any] | None = None
    ) -> Any:
        """`object.execute_kw` as the signed-in user."""
        uid = self.authenticate()
        return self._call(
            "object",
            "execute_kw",
            [self._database, uid, self._api_key, model, method, args, dict(kwargs or {})],
            f"{method} {model}",
        )

    def search_read_all(
        self,
        model: str,
        domain: list[Any],
        fields: Sequence[str],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        """Every record matching `domain`, `PAGE` records per request."""
        rows: list[dict[str, Any]] = []
        for offset in itertools.count(0, PAGE):
            kwargs: dict[str, Any] = {
                "fields": list(fields),
                "offset": offset,
                "limit": PAGE,
                "order": "id asc",
            }
            if context:
                kwargs["context"] = dict(context)
            page = self.execute_kw(model, "search_read", [domain], kwargs)
            if not isinstance(page, list):
                raise BadResponseError(SYSTEM, f"search_read {model}", "the answer is not a list")
            rows.extend(page)
            if len(page) < PAGE:
                return rows
        return rows

    # -- snapshot ------------------------------------------------------------------------------------

    def fetch_snapshot(self, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> ErpSnapshot:
        """Projects, per-project actuals (server-side sums) and receivables."""
        return self.fetch_snapshot_marked(now=now)[0]

    def fetch_snapshot_marked(
        self, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> tuple[ErpSnapshot, OdooMarks]:
        """`fetch_snapshot`, and the marks `fetch_snapshot_since` starts from (no extra request)."""
        start = self.requests
        part = self._read_projects()
        groups = self._line_groups(ALL_LINES)
        sums = _line_sums(groups, part.project_of_account, part.currency_of)
        receivables = self._receivables(part.project_of_account, part.currency_of)
        snapshot = self._snapshot(part, sums, receivables, now, start)
        return snapshot, OdooMarks(_account_lines(groups), part.project_of_account, len(part.projects))

    def fetch_snapshot_since(
        self,
        previous: ErpSnapshot,
        marks: OdooMarks,
        since: datetime,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> tuple[ErpSnapshot, OdooMarks]:
        """`previous` brought up to date with what changed since `since` (when the read that made it began),
        and the new marks; how changes and deletions are found is in the module docstring."""
        start = self.requests
        cutoff = _odoo_time(since - self._change_lag)
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
            part = self._read_projects() if projects_f.result() else _previous_part(previous, marks)
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
        return snapshot, OdooMarks(account_lines, new_map, len(part.projects))

    def _refreshed_line_sums(
        self,
        previous: ErpSnapshot,
        marks: OdooMarks,
        part: _Projects,
        accounts: set[int],
        remapped: set[int],
        totals: tuple[int, float, float],
    ) -> tuple[dict[ErpRecordId, dict[str, Decimal]], dict[int, tuple[int, float, float]]]:
        """Per project, the line figures: those of `accounts` summed again, the rest as before (every account
        summed again when the marks then do not add up to the server's `totals`); and the new marks."""
        old_map, new_map = marks.project_of_account, part.project_of_account
        groups = self._line_groups([["account_id", "in", sorted(accounts)]]) if accounts else []
        account_lines = {a: v for a, v in marks.account_lines.items() if a not in accounts}
        account_lines.update(_account_lines(groups))
        recount = {new_map[a] for a in accounts if a in new_map} | {
            old_map[a] for a in remapped if a in old_map
        }
        if not _adds_up(account_lines, totals):  # a deletion, or a line moved between accounts
            groups = self._line_groups(ALL_LINES)
            account_lines, recount = _account_lines(groups), set(part.currency_of)
        fresh = _line_sums(groups, new_map, part.currency_of)
        return _merged_line_sums(previous, fresh, recount, part), account_lines

    def _touched_accounts(self, cutoff: str) -> set[int]:
        """Analytic accounts with a line created or written at or after `cutoff` (one grouped count)."""
        groups = self.execute_kw(
            "account.analytic.line", "read_group", [[["write_date", ">=", cutoff]], [], ["account_id"]]
        )
        return {a for a in (_m2o_id(g.get("account_id")) for g in groups or []) if a is not None}

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
        part: _Projects,
        changed_moves: Sequence[dict[str, Any]],
        reassigned: set[int],
    ) -> list[ErpReceivable]:
        """The previous shares with those of changed invoices read again; all of them read again when an
        analytic account with lines now counts for another project (or none)."""
        if reassigned:
            return self._receivables(part.project_of_account, part.currency_of)
        documents = {_document(row["id"], row) for row in changed_moves}
        kept = [r for r in previous.receivables if r.document not in documents]
        posted = {row["id"]: row for row in changed_moves if row.get("state") == "posted"}
        return kept + self._receivables(part.project_of_account, part.currency_of, posted)

    def _read_projects(self) -> _Projects:
        """Companies, projects and analytic accounts (three requests for up to 10,000 projects)."""
        notes: list[str] = []
        company_rows = self.search_read_all("res.company", [], ["name", "currency_id"])
        companies = {row["id"]: _m2o_name(row.get("currency_id")) or "USD" for row in company_rows}
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
            account_id = _m2o_id(row.get("analytic_account_id"))
            account = accounts.get(account_id) if account_id else None
            company_id = _m2o_id(row.get("company_id"))
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
                    customer_name=_m2o_name(row.get("partner_id")),
                    status="closed" if not row.get("active", True) else STATUS.get(status_raw, "open"),
                    raw_status=status_raw or None,
                    start_date=_day(row.get("date_start")),
                    end_date=_day(row.get("date")),
                    currency=currency,
                    company=company_names.get(company_id or 0),
                    updated_at=_when(row.get("write_date")),
                )
            )
        return _Projects(tuple(projects), project_of_account, currency_of, tuple(notes))

    def _snapshot(
        self,
        part: _Projects,
        sums: dict[ErpRecordId, dict[str, Decimal]],
        receivables: Sequence[ErpReceivable],
        now: Callable[[], datetime],
        start: int,
    ) -> ErpSnapshot:
        _add_receivables(sums, receivables)
        return ErpSnapshot(
            erp="odoo",
            projects=part.projects,
            actuals=tuple(
                ErpActuals(
                    erp_record_id=pid,
                    currency=part.currency_of[pid],
                    **{k: _cents(v) for k, v in sums[pid].items()},
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
        return _receivable_rows(moves, lines, project_of_account, currency_of)

    # -- one project ---------------------------------------------------------------------------------

    def fetch_project_documents(self, erp_record_id: str) -> list[ErpDocumentLine]:
        """Every analytic line behind one project's figures, newest first, by profitability section."""
        rows = self.execute_kw(
            "project.project", "read", [[int(erp_record_id)], ["analytic_account_id", "company_id"]]
        )
        if not rows:
            raise NotFoundError(SYSTEM, "read project", f"Odoo has no project with id {erp_record_id}")
        account_id = _m2o_id(rows[0].get("analytic_account_id"))
        if account_id is None:
            return []
        company = self.execute_kw(
            "res.company", "read", [[_m2o_id(rows[0].get("company_id")) or 1], ["currency_id"]]
        )
        currency = _m2o_name(company[0].get("currency_id")) if company else "USD"
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
                    date=_day(line.get("date")),
                    document=_m2o_name(line.get("move_line_id"))
                    or ("Timesheet" if section == "labor" else None),
                    partner=_m2o_name(line.get("employee_id")) or _m2o_name(line.get("partner_id")),
                    description=str(line.get("name") or "") or None,
                    hours=Decimal(str(line.get("unit_amount") or 0)) if section == "labor" else None,
                    amount=_cents(-amount if cost else amount),
                    currency=currency or "USD",
                )
            )
        documents.sort(key=lambda d: d.date or date.min, reverse=True)
        return documents


def _line_sums(
    groups: Iterable[Mapping[str, Any]],
    project_of_account: Mapping[int, ErpRecordId],
    currency_of: Mapping[ErpRecordId, str],
) -> dict[ErpRecordId, dict[str, Decimal]]:
    """Per project: labor (timesheet lines), vendor cost and other cost, from `read_group` groups."""
    sums: dict[ErpRecordId, dict[str, Decimal]] = {pid: defaultdict(Decimal) for pid in currency_of}
    for group in groups:
        account_id = _m2o_id(group.get("account_id"))
        project = project_of_account.get(account_id or 0)
        if project is None:
            continue
        amount = Decimal(str(group.get("amount") or 0))
        hours = Decimal(str(group.get("unit_amount") or 0))
        target = sums[project]
        if group.get("project_id"):
            target["labor_cost"] -= amount
            target["labor_hours"] += hours
        elif group.get("category") == "vendor_bill":
            target["vendor_cost"] -= amount
        elif group.get("category") == "other" and amount < 0:
            target["other_cost"] -= amount
    return sums


def _receivable_rows(
    moves: Mapping[int, Mapping[str, Any]],
    lines: Iterable[Mapping[str, Any]],
    project_of_account: Mapping[int, ErpRecordId],
    currency_of: Mapping[ErpRecordId, str],
) -> list[ErpReceivable]:
    """Each move's share per project: Σ line subtotal × distribution % (pro-rating split invoices)."""
    weights: dict[int, dict[ErpRecordId, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in lines:
        move_id = _m2o_id(line.get("move_id"))
        distribution = _distribution(line.get("analytic_distribution"))
        subtotal = abs(Decimal(str(line.get("price_subtotal") or 0)))
        for account_id, percent in distribution.items():
            project = project_of_account.get(account_id)
            if move_id is not None and move_id in moves and project is not None:
                weights[move_id][project] += subtotal * percent / 100
    receivables: list[ErpReceivable] = []
    for move_id, shares in weights.items():
        move = moves[move_id]
        total_weight = sum(shares.values()) or Decimal(1)
        for project, weight in shares.items():
            share = weight / total_weight
            receivables.append(
                ErpReceivable(
                    erp_record_id=project,
                    document=_document(move_id, move),
                    invoice_date=_day(move.get("invoice_date")),
                    due_date=_day(move.get("invoice_date_due")),
                    amount_untaxed=_cents(Decimal(str(move.get("amount_untaxed_signed") or 0)) * share),
                    amount_total=_cents(Decimal(str(move.get("amount_total_signed") or 0)) * share),
                    amount_residual=_cents(Decimal(str(move.get("amount_residual_signed") or 0)) * share),
                    currency=currency_of[project],
                    payment_state=move.get("payment_state") or None,
                )
            )
    return receivables


def _document(move_id: int, move: Mapping[str, Any]) -> str:
    return str(move.get("name") or move_id)


def _account_lines(groups: Iterable[Mapping[str, Any]]) -> dict[int, tuple[int, float, float]]:
    """Per analytic account: its lines' count, Σ amount and Σ hours, from `read_group` groups."""
    out: dict[int, tuple[int, float, float]] = {}
    for group in groups:
        account_id = _m2o_id(group.get("account_id"))
        if account_id is None:
            continue
        count, amount, hours = out.get(account_id, (0, 0.0, 0.0))
        out[account_id] = (
            count + int(group.get("__count") or 0),
            amount + float(group.get("amount") or 0),
            hours + float(group.get("unit_amount") or 0),
        )
    return out


def _previous_part(previous: ErpSnapshot, marks: OdooMarks) -> _Projects:
    """The projects part of the previous read, when no project or account changed since."""
    currency_of = {p.erp_record_id: p.currency for p in previous.projects}
    return _Projects(previous.projects, marks.project_of_account, currency_of, previous.notes)


def _merged_line_sums(
    previous: ErpSnapshot,
    fresh: Mapping[ErpRecordId, Mapping[str, Decimal]],
    recount: set[ErpRecordId],
    part: _Projects,
) -> dict[ErpRecordId, dict[str, Decimal]]:
    """Per project: the line figures summed again for `recount`, the previous ones for the rest."""
    before = {a.erp_record_id: a for a in previous.actuals}
    sums: dict[ErpRecordId, dict[str, Decimal]] = {}
    for pid in part.currency_of:
        target: dict[str, Decimal] = defaultdict(Decimal)
        if pid in recount:
            target.update(fresh.get(pid, {}))
        elif pid in before:
            target.update({name: getattr(before[pid], name) for name in LINE_FIGURES})
        sums[pid] = target
    return sums


def _adds_up(account_lines: Mapping[int, tuple[int, float, float]], totals: tuple[int, float, float]) -> bool:
    """Whether the per-account marks add up to the server's totals (count exactly, sums to the cent)."""
    count = sum(v[0] for v in account_lines.values())
    amount = sum(v[1] for v in account_lines.values())
    hours = sum(v[2] for v in account_lines.values())
    return (
        count == totals[0]
        and abs(amount - totals[1]) < SUM_TOLERANCE
        and abs(hours - totals[2]) < SUM_TOLERANCE
    )


def _odoo_time(moment: datetime) -> str:
    """A UTC instant as Odoo's domains take datetimes: 'YYYY-MM-DD HH:MM:SS'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _add_receivables(
    sums: dict[ErpRecordId, dict[str, Decimal]], receivables: Sequence[ErpReceivable]
) -> None:
    for item in receivables:
        target = sums[item.erp_record_id]
        target["invoiced"] += item.amount_untaxed
        target["invoiced_gross"] += item.amount_total
        target["paid"] += item.amount_total - item.amount_residual
        target["outstanding"] += item.amount_residual


def _distribution(value: Any) -> dict[int, Decimal]:
    """Odoo's analytic_distribution {"12": 100.0, "12,45": 40.0} -> {account id: percent}."""
    if not value:
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    out: dict[int, Decimal] = defaultdict(Decimal)
    for key, percent in dict(value).items():
        for part in str(key).split(","):
            if part.strip().isdigit():
                out[int(part)] += Decimal(str(percent))
    return out


def _m2o_id(value: Any) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _m2o_name(value: Any) -> str | None:
    if isinstance(value, list | tuple) and len(value) > 1:
        return str(value[1])
    return None


def _day(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT)
