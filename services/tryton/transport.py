"""Tryton's JSON-RPC (`POST <url>/<database>/rpc/`): sign-in, typed values, errors that name the module.

Why JSON-RPC and not REST: JSON-RPC signs in with the user and password every Tryton user has, and is in
every Tryton series; REST needs an application key that an administrator creates per user, and only exists
since 7.x. The session token Tryton returns is reused for every call (logging in costs an argon2 hash,
150-300 ms) and renewed once when Tryton answers 401 because the session ended (`[session] max_age`).
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
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
from services.http import ApiClient

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


class TrytonTransport(ApiClient):
    """One Tryton database, reached with a user and password over JSON-RPC."""

    system = SYSTEM

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
        super().__init__(url, timeout=timeout, max_retries=max_retries, transport=transport)
        self._url = self.base_url
        self._database = database
        self._user = user
        self._password = password if isinstance(password, SecretStr) else SecretStr(password)
        self._path = f"/{database}/rpc/"
        self._session: str | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    # -- transport ---------------------------------------------------------------------------------

    def _transport_error(self, operation: str, error: httpx.TransportError, idempotent: bool) -> ServiceError:
        """Tryton's own words for a failed exchange: what to check is trytond itself."""
        generic = super()._transport_error(operation, error, idempotent)
        if isinstance(error, httpx.TimeoutException) and generic.outcome_unknown:
            message = f"no answer from Tryton at {self._url} in time: check its load or the Tryton timeout"
        else:
            message = f"cannot reach Tryton at {self._url}: check that trytond is running and the URL setting"
        return UnavailableError(
            SYSTEM, operation, message, outcome_unknown=generic.outcome_unknown, retryable=generic.retryable
        )

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
            # retrying would only extend the block
            return RateLimitError(SYSTEM, operation, message, status=status, retryable=False)
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
        idempotent: bool = True,
    ) -> Any:
        body = {"id": next(self._ids), "method": method, "params": params}
        headers = {"Authorization": self._session} if self._session else {}

        def once() -> Any:
            response = self._send(
                operation, "POST", self._path, json=body, headers=headers, idempotent=idempotent
            )
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

        return self._with_retries(operation, once)

    def login(self) -> None:
        """Sign in and keep the session token for later calls."""
        params = [self._user, {"password": self._password.get_secret_value()}, "en"]
        self._session = None
        result = self._post("common.db.login", params, "login")
        if not isinstance(result, list) or len(result) < 2:
            raise BadResponseError(SYSTEM, "login", "the login answer was not [user id, session]")
        token = base64.b64encode(f"{self._user}:{result[0]}:{result[1]}".encode()).decode()
        self._session = f"Session {token}"

    def call(
        self, model: str, method: str, *args: Any, fields: Sequence[str] = (), idempotent: bool = True
    ) -> Any:
        """`model.<model>.<method>(*args, context={})` as the signed-in user; signs in again once on 401.
        `idempotent=False` (a create): not sent again once it may have reached Tryton."""
        with self._lock:  # one login even when threads share the client
            if self._session is None:
                self.login()
        params = [*args, {}]
        operation = f"{method} {model}"
        try:
            return self._post(
                f"model.{model}.{method}",
                params,
                operation,
                model=model,
                fields=fields,
                idempotent=idempotent,
            )
        except AuthError as error:
            if error.status != 401:
                raise
        with self._lock:
            self.login()  # the session ended (past [session] max_age, or deleted on the server)
        return self._post(
            f"model.{model}.{method}", params, operation, model=model, fields=fields, idempotent=idempotent
        )

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
