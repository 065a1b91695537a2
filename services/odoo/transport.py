"""Odoo's external API, spoken the way each version wants it: JSON-2 from 19.0, /jsonrpc + execute_kw before.

The version is asked once, before anything else (`version`), from the web client's own version route, or `GET
/web/version` (19.0+, `addons/rpc/controllers/__init__.py`) where that is not served. Then every call goes
through `call(model, method, ids=None, **named)`, which both transports take: JSON-2 posts the named arguments
(`POST /json/2/<model>/<method>`, `Authorization: bearer <key>`, `X-Odoo-Database` when a database is set;
`addons/rpc/controllers/json2.py`), JSON-RPC passes them as execute_kw's keyword arguments after signing in
once with the login and key (`odoo/service/model.py`). What Odoo says when it refuses is mapped in
diagnosis.py."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from services.errors import AuthError, BadResponseError, ConfigError
from services.http import ApiClient, json_of
from services.odoo.diagnosis import SYSTEM, Scene, http_error, json2_error, jsonrpc_error, rejected_key
from services.odoo.versions import OdooVersion, parse_version

PAGE = 10_000
"""Records per search_read: Odoo sets no ceiling; 10,000 narrow rows are a few MB and well inside its
request time limits."""


class OdooTransport(ApiClient):
    """One Odoo database, reached with an API key (and, before Odoo 19, a login)."""

    system = SYSTEM

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
    ) -> None:
        super().__init__(url, timeout=timeout, max_retries=max_retries, transport=transport)
        self._database = database or None
        self._login = login or None
        self._api_key = api_key
        self._uid: int | None = None
        self._version: OdooVersion | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)

    def scene(self) -> Scene:
        """What error messages may name about this connection."""
        return Scene(self.base_url, self._database, self._login, self._api_key, self._version)

    # -- the version, once ---------------------------------------------------------------------------

    def version(self) -> OdooVersion:
        """The server's version, asked once (thread-safe): one request, two where the first is not served."""
        with self._lock:
            if self._version is None:
                self._version = self._detect_version()
            return self._version

    def _detect_version(self) -> OdooVersion:
        """`POST /web/webclient/version_info`: `common.version()`'s answer from a web controller, without
        signing in (web/controllers/webclient.py, `auth='none'`, 16.0-19.0). Unlike common.version over
        /jsonrpc it is not one of the RPC endpoints 19 deprecates (Odoo logs a warning on every /jsonrpc call)
        and 22 removes; where it is not served, `GET /web/version` (19+) answers."""
        operation = "read the Odoo version"
        path = "/web/webclient/version_info"
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids), "params": {}}

        def once() -> Any:
            response = self._send(operation, "POST", path, json=payload)
            if response.status_code == 404:
                return None
            return self._rpc_result(response, operation, path)

        info = self._with_retries(operation, once)
        if info is None:
            return self._web_version(operation)
        return _version_of(info, "server_version", operation, "Odoo did not answer a version")

    def _web_version(self, operation: str) -> OdooVersion:
        """`GET /web/version`: all a server without /jsonrpc (22) answers about itself."""

        def once() -> Any:
            response = self._send(operation, "GET", "/web/version")
            if response.status_code == 404:
                raise ConfigError(
                    f"{self.base_url} answered neither /web/webclient/version_info nor /web/version: this is "
                    "not the address of an Odoo server; check the THROUGHLINE_ODOO__URL setting"
                )
            error = http_error(self.scene(), operation, response, "/web/version")
            if error is not None:
                raise error
            return _json_body(response, operation)

        body = self._with_retries(operation, once)
        return _version_of(body, "version", operation, "/web/version did not answer a version")

    # -- calls -----------------------------------------------------------------------------------------

    def call(self, model: str, method: str, ids: Sequence[int] | None = None, **named: Any) -> Any:
        """`model.method(**named)` on `ids` (None for a model method), over the version's transport."""
        return self._call(model, method, ids, named, idempotent=True)

    def call_once(self, model: str, method: str, ids: Sequence[int] | None = None, **named: Any) -> Any:
        """`call` for a write that must not run twice (a `create`): not sent again once it may have reached
        Odoo (no answer in time, a dropped connection); the caller settles it by reading."""
        return self._call(model, method, ids, named, idempotent=False)

    def _call(
        self,
        model: str,
        method: str,
        ids: Sequence[int] | None,
        named: Mapping[str, Any],
        *,
        idempotent: bool,
    ) -> Any:
        if self.version().transport == "json2":
            return self._json2(model, method, ids, named, idempotent=idempotent)
        uid = self.authenticate()
        args = [list(ids)] if ids is not None else []
        return self._rpc(
            "object",
            "execute_kw",
            [self._database, uid, self._api_key, model, method, args, dict(named)],
            f"{method} {model}",
            idempotent=idempotent,
        )

    def authenticate(self) -> int:
        """JSON-RPC only: sign in once (thread-safe) and keep the uid."""
        with self._lock:
            if self._uid is None:
                if not self._database or not self._login:
                    raise ConfigError(
                        "Odoo before 19 signs in with a database, a login and an API key: set "
                        "THROUGHLINE_ODOO__DATABASE and THROUGHLINE_ODOO__LOGIN"
                    )
                uid = self._rpc(
                    "common", "authenticate", [self._database, self._login, self._api_key, {}], "sign-in"
                )
                if not isinstance(uid, int) or isinstance(uid, bool):
                    raise rejected_key(self.scene(), "sign-in")
                self._uid = uid
            return self._uid

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
        extra: dict[str, Any] = {"context": dict(context)} if context else {}
        for offset in itertools.count(0, PAGE):
            page = self.call(
                model, "search_read", domain=domain, fields=list(fields), offset=offset, limit=PAGE,
                order="id asc", **extra,
            )  # fmt: skip
            if not isinstance(page, list):
                raise BadResponseError(SYSTEM, f"search_read {model}", "the answer is not a list")
            rows.extend(page)
            if len(page) < PAGE:
                break
        return rows

    # -- JSON-2 ----------------------------------------------------------------------------------------

    def _json2(
        self,
        model: str,
        method: str,
        ids: Sequence[int] | None,
        named: Mapping[str, Any],
        *,
        idempotent: bool = True,
    ) -> Any:
        operation, path = f"{method} {model}", f"/json/2/{model}/{method}"
        headers = {"Authorization": f"bearer {self._api_key}"}
        if self._database:
            headers["X-Odoo-Database"] = self._database
        body = dict(named) | ({"ids": list(ids)} if ids is not None else {})

        def once() -> Any:
            response = self._send(operation, "POST", path, json=body, headers=headers, idempotent=idempotent)
            if response.status_code != 200:
                raise json2_error(self.scene(), operation, response, path)
            return _json_body(response, operation)

        return self._with_retries(operation, once)

    # -- JSON-RPC --------------------------------------------------------------------------------------

    def _envelope(self, service: str, method: str, args: list[Any]) -> dict[str, Any]:
        return {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self._ids),
            "params": {"service": service, "method": method, "args": args},
        }

    def _rpc(
        self, service: str, method: str, args: list[Any], operation: str, *, idempotent: bool = True
    ) -> Any:
        payload = self._envelope(service, method, args)

        def once() -> Any:
            response = self._send(operation, "POST", "/jsonrpc", json=payload, idempotent=idempotent)
            return self._rpc_result(response, operation, "/jsonrpc")

        return self._with_retries(operation, once)

    def _rpc_result(self, response: httpx.Response, operation: str, path: str) -> Any:
        error = http_error(self.scene(), operation, response, path)
        if error is not None:
            raise error
        if response.status_code in (401, 403):
            raise AuthError(
                SYSTEM, operation, "refused by Odoo's web server: check the URL", status=response.status_code
            )
        body = _json_body(response, operation)
        if not isinstance(body, dict):
            raise BadResponseError(SYSTEM, operation, "the answer was not a JSON-RPC object")
        if "error" in body:
            raise jsonrpc_error(self.scene(), operation, body["error"])
        if "result" not in body:
            raise BadResponseError(SYSTEM, operation, "the answer has neither result nor error")
        return body["result"]


def _json_body(response: httpx.Response, operation: str) -> Any:
    try:
        return json_of(response)
    except ValueError:
        raise BadResponseError(
            SYSTEM, operation, "the answer was not valid JSON", status=response.status_code
        ) from None


def _version_of(body: Any, key: str, operation: str, missing: str) -> OdooVersion:
    """The version in an answer that names it as `<key>_info` (a list) and `<key>` (text); BadResponseError
    saying `missing` when it does not."""
    version = parse_version(body.get(f"{key}_info"), body.get(key)) if isinstance(body, Mapping) else None
    if version is None:
        raise BadResponseError(SYSTEM, operation, missing)
    return version
