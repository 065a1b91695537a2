"""Odoo's external API, JSON-RPC (`POST /jsonrpc`, `execute_kw`), signed in once with a login and API key.

Error envelope and names follow Odoo's `odoo/http.py` (`JsonRPCDispatcher.handle_error`,
`serialize_exception`): HTTP 200 with `{"error": {"code": 200, "data": {"name": "odoo.exceptions.X", ...}}}`;
`_rpc_error` maps those names to the project's errors in one place.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
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
from services.http import ApiClient, parse_retry_after

SYSTEM = "Odoo"
PAGE = 10_000


class OdooTransport(ApiClient):
    """One Odoo database, reached with a login and an API key (in the password slot)."""

    system = SYSTEM

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
        super().__init__(url, timeout=timeout, max_retries=max_retries, transport=transport)
        self._url = self.base_url
        self._database = database
        self._login = login
        self._api_key = api_key
        self._uid: int | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def _call(self, service: str, method: str, args: list[Any], operation: str) -> Any:
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self._ids),
            "params": {"service": service, "method": method, "args": args},
        }

        def once() -> Any:
            response = self._send(operation, "POST", "/jsonrpc", json=payload)
            return self._result(response, operation)

        return self._with_retries(operation, once)

    def _result(self, response: httpx.Response, operation: str) -> Any:
        status = response.status_code
        if status == 429:
            raise RateLimitError(
                SYSTEM,
                operation,
                "Odoo is throttling requests",
                status=status,
                retry_after=parse_retry_after(response),
            )
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
