"""An Odoo-compatible server of one version (16-22, `sandbox.odoo.versions`) over the sandbox tables.

JSON-RPC at `POST /jsonrpc` (16-21), JSON-2 at `POST /json/2/<model>/<method>` (19+, json2.py), the version
at `GET /web/version` (19+) and `POST /web/webclient/version_info` (all). Shaped after Odoo's `odoo/http.py`
(JsonRPCDispatcher), `odoo/service/{common,model}.py` and, from 19.0, the `rpc` addon:
- services `common` (version, login, authenticate), `object` (execute, execute_kw) and a little of `db`;
- wrong credentials in `authenticate`/`login` answer `false`; in `execute_kw` they are an AccessDenied error;
- every error is Odoo's envelope with HTTP 200: `{"jsonrpc": "2.0", "id": ..., "error": {"code": 200 (0
  from 19), "message": "Odoo Server Error", "data": {"name", "debug", "message", "arguments", "context"}}}`;
  a body that is not JSON (or not a JSON object) gets HTTP 400 with a JSON-RPC error of code 400;
- from 19 every /jsonrpc call logs the deprecation warning (`addons/rpc/controllers/jsonrpc.py`);
- a path the version does not serve is Werkzeug's 404 page.
Injected faults (sandbox.faults) look like what sits in front of a real Odoo: 429 from the proxy, 502/503
as nginx pages, and a 500 as Odoo's own error (the JSON-RPC envelope, or JSON-2's error object).
"""

from __future__ import annotations

import hmac
import inspect
import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from sandbox.faults import FaultMiddleware, Faults, FaultSettings, add_control_routes
from sandbox.odoo.catalog import build_registry, model_spec
from sandbox.odoo.env import Env
from sandbox.odoo.json2 import Json2, error_body, not_found_page
from sandbox.odoo.models import OdooError, Registry
from sandbox.odoo.orm import call_kw
from sandbox.odoo.versions import DEFAULT_VERSION, MODULES, RPC_DEPRECATION_NOTICE, VERSIONS, SandboxVersion
from sandbox.wire import JSON

log = logging.getLogger(__name__)
rpc_log = logging.getLogger("odoo.addons.rpc.controllers.jsonrpc")

UID = 2  # the admin user's id in a fresh Odoo database
FAKE_TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/usr/lib/python3/dist-packages/odoo/http.py", line 1785, in _serve_db\n'
    "    return service_model.retrying(self._serve_ir_http, self.env)\n"
    '  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 133, in retrying\n'
    "    result = func()\n"
)
NGINX_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n<center><h1>{status} {reason}</h1>"
    "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def error_envelope(request_id: Any, error: OdooError, code: int = 200) -> dict[str, Any]:
    """Odoo's JSON-RPC error object for `error`; the debug text is a fixed fake traceback, never a secret."""
    short_name = error.name.removeprefix("builtins.")
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {
            "code": code,
            "message": "Odoo Server Error",
            "data": {
                "name": error.name,
                "debug": f"{FAKE_TRACEBACK}{short_name}: {error.message}\n",
                "message": error.message,
                "arguments": error.arguments,
                "context": {},
            },
        },
    }


def _bad_request(message: str) -> JSON:
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": 400, "message": message, "data": {}}}
    return JSON(body, status_code=400)


def _bind(name: str, function: Callable[..., Any], args: list[Any]) -> inspect.BoundArguments:
    """Arguments bound as Python would, with Python's TypeError turned into Odoo's envelope."""
    try:
        return inspect.signature(function).bind(*args)
    except TypeError as error:
        raise OdooError("builtins.TypeError", f"{name}() {error}") from None


class OdooRpc:
    """The `common`, `object` and `db` services of one sandbox database with one user."""

    def __init__(self, engine: Engine, registry: Registry, database: str, login: str, api_key: str) -> None:
        self._engine = engine
        self._registry = registry
        self._database = database
        self._login = login
        self._api_key = api_key

    def dispatch(self, params: Any) -> Any:
        """Odoo's `jsonrpc(service, method, args)` controller: route one call to its service."""
        if not isinstance(params, dict):
            raise OdooError("builtins.TypeError", "jsonrpc() argument after ** must be a mapping")
        for name in params:
            if name not in ("service", "method", "args"):
                raise OdooError(
                    "builtins.TypeError", f"jsonrpc() got an unexpected keyword argument '{name}'"
                )
        for name in ("service", "method", "args"):
            if name not in params:
                raise OdooError(
                    "builtins.TypeError", f"jsonrpc() missing 1 required positional argument: '{name}'"
                )
        service, method, args = params["service"], params["method"], params["args"]
        if not isinstance(args, list):
            raise OdooError("builtins.TypeError", "args must be a list of positional arguments")
        services = {"common": self._common, "object": self._object, "db": self._db}
        if service not in services:
            raise OdooError("builtins.KeyError", repr(service), [service])
        return services[service](method, args)

    # -- common ----------------------------------------------------------------------------------

    def _common(self, method: Any, args: list[Any]) -> Any:
        methods: dict[str, Callable[..., Any]] = {
            "version": self._version,
            "login": self._login_method,
            "authenticate": self._authenticate,
        }
        if method not in methods:
            raise OdooError("builtins.KeyError", repr(f"exp_{method}"), [f"exp_{method}"])
        bound = _bind(f"exp_{method}", methods[method], args)
        return methods[method](*bound.args)

    def _version(self) -> dict[str, Any]:
        return self._registry.version.common_version()

    def _login_method(self, db: Any, login: Any, password: Any) -> int | bool:
        return self._authenticate(db, login, password, None)

    def _authenticate(self, db: Any, login: Any, password: Any, user_agent_env: Any) -> int | bool:
        self._check_database(db)
        return UID if login == self._login and self._password_ok(password) else False

    # -- object ----------------------------------------------------------------------------------

    def _object(self, method: Any, args: list[Any]) -> Any:
        if len(args) < 3:
            raise OdooError("builtins.IndexError", "list index out of range")
        db, uid, password, *rest = args
        self._check_database(db)
        if not (isinstance(uid, int) and not isinstance(uid, bool)) and not (
            isinstance(uid, str) and uid.isdigit()
        ):
            raise OdooError("builtins.ValueError", f"invalid literal for int() with base 10: {uid!r}")
        if int(uid) != UID or not self._password_ok(password):
            raise OdooError("odoo.exceptions.AccessDenied", "Access Denied", [])
        if method == "execute_kw":
            bound = _bind("execute_kw", _execute_kw_args, rest)
            bound.apply_defaults()
            model, name, model_args, kwargs = bound.args
        elif method == "execute":
            bound = _bind("execute", _execute_args, rest)
            model, name, model_args, kwargs = bound.args[0], bound.args[1], list(bound.args[2:]), {}
        else:
            raise OdooError("builtins.NameError", f"Method not available {method}")
        return self._execute(model, name, model_args, kwargs)

    def _execute(self, model: Any, method: Any, args: Any, kwargs: Any) -> Any:
        if not isinstance(method, str) or method.startswith("_"):
            raise OdooError(
                "odoo.exceptions.AccessError",
                f"Private methods (such as {method}) cannot be called remotely.",
            )
        spec = model_spec(self._registry, model)
        kwargs = kwargs or {}  # Odoo: execute_kw(..., kw=None)
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise OdooError(
                "builtins.TypeError", "execute_kw() takes a list of arguments and an object of options"
            )
        options = dict(kwargs)
        context = options.pop("context", None) or {}
        if not isinstance(context, dict):
            raise OdooError("builtins.TypeError", f"context must be an object, not {context!r}")
        with self._engine.begin() as conn:  # one transaction per call, as in Odoo: an error writes nothing
            return call_kw(Env(conn, spec, UID, context), method, args, options)

    # -- db --------------------------------------------------------------------------------------

    def _db(self, method: Any, args: list[Any]) -> Any:
        methods: dict[str, Callable[..., Any]] = {
            "list": lambda: [self._database],
            "server_version": lambda: self._registry.version.version,
            "db_exist": lambda name: name == self._database,
        }
        if method not in methods:
            raise OdooError("builtins.KeyError", repr(f"exp_{method}"), [f"exp_{method}"])
        bound = _bind(f"exp_{method}", methods[method], args)
        return methods[method](*bound.args)

    # -- checks ----------------------------------------------------------------------------------

    def _check_database(self, db: Any) -> None:
        if db != self._database:
            raise OdooError("psycopg2.OperationalError", f'FATAL:  database "{db}" does not exist\n')

    def _password_ok(self, password: Any) -> bool:
        return isinstance(password, str) and hmac.compare_digest(password.encode(), self._api_key.encode())


def _execute_kw_args(model: Any, method: Any, args: Any, kw: Any = None) -> None:
    """The signature of Odoo's `execute_kw` after (db, uid, password)."""


def _execute_args(model: Any, method: Any, *args: Any) -> None:
    """The signature of Odoo's `execute` after (db, uid, password)."""


def _fault_response(kind: str, request: Request, settings: FaultSettings) -> Response:
    """An injected fault as the system in front of Odoo, or Odoo itself, would answer it."""
    if kind == "rate_limit":
        headers = {} if settings.retry_after_s is None else {"Retry-After": f"{settings.retry_after_s:g}"}
        return PlainTextResponse("429 Too Many Requests", status_code=429, headers=headers)
    status = settings.error_status
    if status == 500:
        error = OdooError(
            "psycopg2.errors.SerializationFailure", "could not serialize access due to concurrent update"
        )
        if request.url.path.startswith("/json/2/"):
            return JSON(error_body(error.name, error.message), status_code=500)
        # the request id would mean reading the body here; Odoo itself answers null when it has none
        return JSON(error_envelope(None, error))
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    page = NGINX_PAGE.format(status=status, reason=reason)
    return HTMLResponse(page, status_code=status)


def _family(path: str) -> str:
    if path == "/jsonrpc":
        return "jsonrpc"
    if path.startswith("/json/2/"):
        return "json2"
    return "version" if path in ("/web/version", "/web/webclient/version_info") else "other"


def create_odoo_app(
    engine: Engine,
    *,
    database: str = "sandbox",
    login: str = "admin",
    api_key: str = "sandbox-key",
    faults: Faults | None = None,
    version: SandboxVersion | None = None,
    modules: frozenset[str] = frozenset(MODULES),
) -> FastAPI:
    """The Odoo-compatible app of `version` (17 by default) with `modules` installed, over `engine`."""
    faults = faults or Faults()
    version = version or VERSIONS[DEFAULT_VERSION]
    registry = build_registry(version, modules)
    rpc = OdooRpc(engine, registry, database, login, api_key)
    json2 = Json2(engine, registry, database, api_key)
    app = FastAPI(title=f"Odoo {version.version} sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(FaultMiddleware, faults=faults, error_response=_fault_response, family=_family)
    add_control_routes(app, faults)

    @app.post("/jsonrpc")
    async def jsonrpc(request: Request) -> Response:
        if not version.jsonrpc:
            return not_found_page()  # Odoo 22: the RPC endpoints are gone
        if version.major >= 19:
            rpc_log.warning(RPC_DEPRECATION_NOTICE, rpc_log.name)
        return await _jsonrpc(request, rpc.dispatch, version.rpc_error_code)

    @app.post("/web/webclient/version_info")
    async def version_info(request: Request) -> Response:
        # web/controllers/webclient.py: type='json', auth='none', returns common's version()
        return await _jsonrpc(request, lambda _params: version.common_version(), version.rpc_error_code)

    @app.get("/web/version")
    def web_version() -> Response:
        if not version.json2:
            return not_found_page()  # /web/version comes with the rpc addon, 19.0+
        return JSON({"version_info": list(version.version_info), "version": version.version})

    @app.api_route("/json/2/{model}/{method}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def json_2(request: Request, model: str, method: str) -> Response:
        if not version.json2:
            return not_found_page()
        if request.method != "POST":
            return _json2_hint()
        return await json2.handle(request, model, method)

    @app.api_route("/json/2", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    @app.api_route("/json/2/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def json_2_other(rest: str = "") -> Response:
        return _json2_hint() if version.json2 else not_found_page()

    return app


def _json2_hint() -> Response:
    """rpc/controllers/json2.py `web_json_2_404`: any other /json/2 path or verb."""
    message = "Did you mean POST /json/2/<model>/<method>?"
    body = error_body("werkzeug.exceptions.NotFound", message, [message, 404])
    return JSON(body, status_code=404)


async def _jsonrpc(request: Request, dispatch: Callable[[Any], Any], code: int) -> Response:
    """One JSON-RPC exchange: the envelope, errors in Odoo's shape (HTTP 200) and bad bodies (400)."""
    try:
        body = json.loads(await request.body())
    except ValueError:
        return _bad_request("Invalid JSON data")
    if not isinstance(body, dict):
        return _bad_request("Invalid JSON-RPC data")
    request_id = body.get("id")
    try:
        result = await run_in_threadpool(dispatch, body.get("params", {}))
    except OdooError as error:
        return JSON(error_envelope(request_id, error, code))
    except Exception as error:  # a sandbox bug still answers like Odoo, and is logged
        log.exception("unexpected error in the Odoo sandbox")
        name = f"builtins.{type(error).__name__}"
        return JSON(error_envelope(request_id, OdooError(name, str(error)[:500]), code))
    return JSON({"jsonrpc": "2.0", "id": request_id, "result": result})
