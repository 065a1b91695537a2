"""Odoo's JSON-2 API (19.0+): `POST /json/2/<model>/<method>` with a bearer API key and named arguments.

Shaped after the 19.0 sources: `addons/rpc/controllers/json2.py` (`web_json_2_rpc`), `odoo/http.py`
(`Json2Dispatcher.handle_error`, `serialize_exception`, the X-Odoo-Database header in
`_get_session_and_dbname`) and `odoo/addons/base/models/ir_http.py` (`_auth_method_bearer`):
- the key comes as `Authorization: bearer <key>` (any case); a wrong or expired key is 401 "Invalid apikey"
  with `WWW-Authenticate: Bearer`, no key at all 401 "User not authenticated, use an API Key with a Bearer
  Authorization header.";
- `X-Odoo-Database` names the database; one that does not exist leaves the request without a database, where
  no /json/2 route exists: Werkzeug's 404 page;
- the body is one JSON object: `ids`, `context` and the method's named arguments; `ids` given to an
  `@api.model` method is 422, arguments the method does not take are 422 with Python's TypeError text;
- an unknown model or method is 404 ("the model 'x' does not exist", "The method 'm.x' does not exist");
- the answer is the bare JSON result (200) or `{"name", "message", "arguments", "context", "debug"}` with
  the status Odoo gives the exception: UserError and ValidationError 422, AccessError and AccessDenied 403,
  MissingError 404, anything else (a ValueError such as "Invalid field ...") 500.
"""

from __future__ import annotations

import hmac
import inspect
import json
import re
from typing import Any

from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from sandbox.odoo.env import Env
from sandbox.odoo.models import OdooError, Registry
from sandbox.odoo.orm import MODEL_METHODS, public_method
from sandbox.wire import JSON

BEARER = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)
NOT_FOUND_PAGE = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL "
    "was not found on the server. If you entered the URL manually please check your spelling and try "
    "again.</p>\n"
)  # werkzeug.exceptions.NotFound's page, what Odoo answers where no route matches
STATUS_OF = {
    "odoo.exceptions.UserError": 422,
    "odoo.exceptions.ValidationError": 422,
    "odoo.exceptions.AccessError": 403,
    "odoo.exceptions.AccessDenied": 403,
    "odoo.exceptions.MissingError": 404,
}  # odoo/exceptions.py `http_status` (19.0); everything else is 500
UNAUTHORIZED = "werkzeug.exceptions.Unauthorized"
BAD_REQUEST = "werkzeug.exceptions.BadRequest"
UNPROCESSABLE = "werkzeug.exceptions.UnprocessableEntity"
FAKE_DEBUG = 'Traceback (most recent call last):\n  File "/opt/odoo/odoo/http.py", line 2204, in _serve_db\n'
UID = 2


def not_found_page() -> HTMLResponse:
    """Werkzeug's 404 page: a path no route serves (/json/2 before 19, /jsonrpc in 22, /web/version < 19)."""
    return HTMLResponse(NOT_FOUND_PAGE, status_code=404)


def error_body(name: str, message: str, arguments: list[Any] | None = None) -> dict[str, Any]:
    """`serialize_exception`: the JSON-2 error object (the debug text is a fixed fake, never a secret)."""
    return {
        "name": name,
        "message": message,
        "arguments": arguments if arguments is not None else [message],
        "context": {},
        "debug": f"{FAKE_DEBUG}{name.rsplit('.', 1)[-1]}: {message}\n",
    }


def http_error(name: str, message: str, status: int, headers: dict[str, str] | None = None) -> JSON:
    """A werkzeug HTTPException as Json2Dispatcher serializes it: arguments are (description, code)."""
    return JSON(error_body(name, message, [message, status]), status_code=status, headers=headers)


class Json2:
    """The JSON-2 endpoint of one sandbox database with one user and one API key."""

    def __init__(self, engine: Engine, registry: Registry, database: str, api_key: str) -> None:
        self._engine = engine
        self._registry = registry
        self._database = database
        self._api_key = api_key

    async def handle(self, request: Request, model: str, method: str) -> Response:
        """One call, answered as Odoo 19 answers it."""
        header_db = request.headers.get("x-odoo-database")
        if header_db is not None and header_db != self._database:
            return not_found_page()  # the header names no database this server has: no db, no route
        auth = BEARER.match(request.headers.get("authorization", ""))
        if auth is None:
            message = "User not authenticated, use an API Key with a Bearer Authorization header."
            return http_error(UNAUTHORIZED, message, 401, {"WWW-Authenticate": "Bearer"})
        if not hmac.compare_digest(auth.group(1).strip().encode(), self._api_key.encode()):
            return http_error(UNAUTHORIZED, "Invalid apikey", 401, {"WWW-Authenticate": "Bearer"})
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as error:
            return http_error(BAD_REQUEST, f"could not parse the body as json: {error}", 400)
        if not isinstance(body, dict):
            return http_error(BAD_REQUEST, "could not parse the body as json: not an object", 400)
        return self._call(model, method, body)

    def _call(self, model: str, method: str, body: dict[str, Any]) -> Response:
        spec = self._registry.get(model)
        if spec is None:
            return http_error("werkzeug.exceptions.NotFound", f"the model {model!r} does not exist", 404)
        ids = body.pop("ids", ())
        context = body.pop("context", None) or {}
        try:
            with self._engine.begin() as conn:  # one transaction per call: an error writes nothing
                env = Env(conn, spec, UID, context if isinstance(context, dict) else {})
                function = public_method(env, method)
                takes_ids = method not in MODEL_METHODS
                if ids and not takes_ids:
                    return http_error(UNPROCESSABLE, f"cannot call {model}.{method} with ids", 422)
                args = (env, list(ids)) if takes_ids else (env,)
                try:
                    inspect.signature(function).bind(*args, **body)
                except TypeError as error:
                    return http_error(UNPROCESSABLE, f"{method}() {error}", 422)
                result = function(*args, **body)
        except OdooError as error:
            if error.name == "builtins.AttributeError":  # json2.py: NotFound(exc.args[0])
                return http_error("werkzeug.exceptions.NotFound", error.message, 404)
            return self._odoo_error(error)
        return JSON(result)

    @staticmethod
    def _odoo_error(error: OdooError) -> JSON:
        return JSON(
            error_body(error.name, error.message, error.arguments), status_code=STATUS_OF.get(error.name, 500)
        )
