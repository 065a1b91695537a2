"""Odoo client (JSON-RPC at /jsonrpc, Odoo 16–18 field names as in Odoo 17): projects and their actuals.

Authenticates once and reuses the uid. Per-project sums come from the server (`read_group` on
`account.analytic.line`), never from pulling every line: labor = timesheet lines (`project_id` set),
vendor cost = lines of category `vendor_bill`, other cost = the remaining negative lines. Invoiced, paid and
outstanding come from the posted customer invoices (`account.move`) and are spread over projects by the
`analytic_distribution` of their product lines, so an invoice split across projects is pro-rated.
One project's lines are read only when asked for that project (`fetch_project_documents`).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
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
    ) -> None:
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
        start = self.requests
        notes: list[str] = []
        company_rows = self.search_read_all("res.company", [], ["name", "currency_id"])
        companies = {row["id"]: _m2o_name(row.get("currency_id")) or "USD" for row in company_rows}
        company_names = {row["id"]: str(row.get("name") or "") for row in company_rows}
        raw_projects = self.search_read_all(
            "project.project",
            [],
            [
                "name",
                "partner_id",
                "analytic_account_id",
                "company_id",
                "date_start",
                "date",
                "active",
                "last_update_status",
                "write_date",
            ],
            context={"active_test": False},
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
        actuals = self._actuals(project_of_account, currency_of)
        receivables = self._receivables(project_of_account, currency_of)
        _add_receivables(actuals, receivables)
        return ErpSnapshot(
            erp="odoo",
            projects=tuple(projects),
            actuals=tuple(
                ErpActuals(
                    erp_record_id=pid, currency=currency_of[pid], **{k: _cents(v) for k, v in sums.items()}
                )
                for pid, sums in actuals.items()
            ),
            receivables=tuple(receivables),
            read_at=now(),
            requests=self.requests - start,
            notes=tuple(notes),
        )

    def _actuals(
        self, project_of_account: Mapping[int, ErpRecordId], currency_of: Mapping[ErpRecordId, str]
    ) -> dict[ErpRecordId, dict[str, Decimal]]:
        groups = self.execute_kw(
            "account.analytic.line",
            "read_group",
            [
                [["account_id", "!=", False]],
                ["amount:sum", "unit_amount:sum"],
                ["account_id", "category", "project_id"],
            ],
            {"lazy": False},
        )
        if not isinstance(groups, list):
            raise BadResponseError(SYSTEM, "read_group account.analytic.line", "the answer is not a list")
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

    def _receivables(
        self, project_of_account: Mapping[int, ErpRecordId], currency_of: Mapping[ErpRecordId, str]
    ) -> list[ErpReceivable]:
        moves = {
            row["id"]: row
            for row in self.search_read_all(
                "account.move",
                [["move_type", "in", INVOICE_TYPES], ["state", "=", "posted"]],
                [
                    "name",
                    "invoice_date",
                    "invoice_date_due",
                    "amount_untaxed_signed",
                    "amount_total_signed",
                    "amount_residual_signed",
                    "payment_state",
                ],
            )
        }
        lines = self.search_read_all(
            "account.move.line",
            [
                ["move_type", "in", INVOICE_TYPES],
                ["parent_state", "=", "posted"],
                ["display_type", "=", "product"],
                ["analytic_distribution", "!=", False],
            ],
            ["move_id", "analytic_distribution", "price_subtotal"],
        )
        # share of each move per project: Σ line subtotal × distribution % (pro-rating split invoices)
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
                        document=str(move.get("name") or move_id),
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
