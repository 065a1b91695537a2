"""Every way Odoo says no, turned into the project's errors with the cause and what to do: in one place.

Odoo answers errors in three shapes: JSON-RPC's envelope (HTTP 200, `error.data.name` is the exception, e.g.
"odoo.exceptions.AccessDenied"; odoo/http.py `JsonRPCDispatcher.handle_error`), JSON-2's error object (the
HTTP status plus `{"name", "message", ...}`; odoo/http.py `Json2Dispatcher.handle_error`, 19.0+), and, for a
path the server does not serve, Werkzeug's 404 page. A proxy adds its own 429 and 5xx pages. The causes a
person can act on, and how each shows:

- wrong, revoked or expired API key: `authenticate` answers false, `execute_kw` AccessDenied, JSON-2 401
  "Invalid apikey" (an expired key is indistinguishable: base/models/res_users.py checks
  `expiration_date >= now()` in the same query; keys expire from 18.0, at most 90 days for internal users by
  default, `res.groups.api_key_duration`);
- the external API refused by the plan: Odoo Online allows it only on the Custom plan ("Access to data via
  the external API is only available on Custom Odoo pricing plans", odoo/documentation external_api.rst);
  Odoo documents no error text for it, so a refusal from a *.odoo.com host says so beside the key;
- a module missing: the model is unknown ("Object x doesn't exist", service/model.py; JSON-2 404 "the model
  'x' does not exist") or a field is ("Invalid field 'project_id' on model ..." without Timesheets);
- a removed endpoint or method: /jsonrpc gone (Odoo 22, Odoo Online 21.1), public read_group gone
  (saas-19.1, 20), JSON-2 absent (before 19.0): the message names the version that does it;
- a wrong database or URL.
No message carries the API key or a traceback: Odoo's `debug` field is never read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from services.errors import (
    AuthError,
    BadResponseError,
    ConfigError,
    NotFoundError,
    RateLimitError,
    RejectedError,
    ServiceError,
    ThroughlineError,
    UnavailableError,
)
from services.http import json_of, parse_retry_after
from services.odoo.versions import OdooVersion

SYSTEM = "Odoo"
KEY_HELP = (
    "create a new key in Odoo (your avatar > My Preferences > Account Security > New API Key; from Odoo 18 "
    "pick its duration, or ask an administrator to raise 'API Keys maximum duration days' on your user "
    "group) and set THROUGHLINE_ODOO__API_KEY"
)
ONLINE_PLAN = (
    "On Odoo Online the external API works only on the Custom plan (not One App Free or Standard): if the "
    "key is right, check the database's subscription"
)
MODULE_OF_MODEL = {
    "project.project": "Project (project)",
    "account.analytic.account": "Analytic Accounting (analytic, installed with Invoicing)",
    "account.analytic.line": "Analytic Accounting (analytic, installed with Invoicing)",
    "account.move": "Invoicing (account)",
    "account.move.line": "Invoicing (account)",
    "hr.employee": "Employees (hr)",
}
MODULE_OF_FIELD = {
    ("account.analytic.line", "project_id"): "Timesheets (hr_timesheet)",
    ("account.analytic.line", "employee_id"): "Timesheets (hr_timesheet)",
    ("account.analytic.line", "move_line_id"): "Invoicing (account)",
    ("account.analytic.line", "journal_id"): "Invoicing (account)",
    ("project.project", "allow_timesheets"): "Timesheets (hr_timesheet)",
}
REMOVED_METHODS = {
    "read_group": "Odoo removed the public read_group in saas-19.1 (Odoo Online) and 20; "
    "formatted_read_group replaces it from 19.0",
    "formatted_read_group": "formatted_read_group exists from Odoo 19.0 (saas-18.2 on Odoo Online); "
    "read_group serves before",
}
INVALID_FIELD = re.compile(r"Invalid field '(?P<field>[\w.]+)' on (?:model )?'(?P<model>[\w.]+)'")
MISSING_METHOD = re.compile(
    r"The method '(?P<model>[\w.]+)\.(?P<method>\w+)' does not exist"
    r"|type object '(?P<model2>[\w.]+)' has no attribute '(?P<method2>\w+)'"
)
MISSING_MODEL = re.compile(
    r"Object (?P<model>[\w.]+) doesn't exist|the model '(?P<model2>[\w.]+)' does not exist"
)


@dataclass(frozen=True)
class Scene:
    """Where a call went: what the messages name (never the key itself, which is only used to redact)."""

    url: str
    database: str | None
    login: str | None
    api_key: str
    version: OdooVersion | None = None

    @property
    def online(self) -> bool:
        """An Odoo Online database (*.odoo.com), where the pricing plan decides on the external API."""
        host = urlsplit(self.url).hostname or ""
        return host == "odoo.com" or host.endswith(".odoo.com")

    def clean(self, text: str) -> str:
        """Odoo's text, short, without the key."""
        if self.api_key:
            text = text.replace(self.api_key, "[redacted]")
        return text.strip()[:300]

    def who(self) -> str:
        parts = []
        if self.login:
            parts.append(f"login '{self.login}'")
        if self.database:
            parts.append(f"database '{self.database}'")
        return f" ({', '.join(parts)})" if parts else ""

    def odoo(self) -> str:
        return f"Odoo {self.version.label}" if self.version else "this Odoo"


def rejected_key(scene: Scene, operation: str, status: int | None = None) -> AuthError:
    """The API key was refused: wrong, revoked or expired (or the plan refuses the external API)."""
    expiry = (
        " or expired (keys expire from Odoo 18)" if scene.version is None or scene.version.keys_expire else ""
    )
    message = f"Odoo refused the API key{scene.who()}: it is wrong, revoked{expiry}; {KEY_HELP}"
    if scene.online:
        message += f". {ONLINE_PLAN}"
    return AuthError(SYSTEM, operation, message, status=status)


def odoo_error(
    scene: Scene, operation: str, name: str, message: str, status: int | None = None
) -> ThroughlineError:
    """An exception Odoo reported (JSON-RPC `error.data` or a JSON-2 error object) as the project's error."""
    text = scene.clean(message)
    if name.endswith("AccessDenied"):
        return rejected_key(scene, operation, status)
    if name.endswith("AccessError"):
        return AuthError(
            SYSTEM,
            operation,
            f"the Odoo user{scene.who()} may not read this: {text}; give the API key's user read access to "
            "Project and Invoicing (e.g. Invoicing: Billing, Project: User)",
            status=status,
        )
    if name.endswith("MissingError"):
        return NotFoundError(SYSTEM, operation, text, status=status)
    if "SerializationFailure" in name or "TransactionRollbackError" in name or name.endswith("LockError"):
        # a concurrent update inside Odoo: transient, Odoo itself retries these
        return UnavailableError(SYSTEM, operation, "Odoo was busy with a concurrent update", status=status)
    if "OperationalError" in name and "does not exist" in text:
        return ConfigError(
            f"Odoo has no database '{scene.database}': check the THROUGHLINE_ODOO__DATABASE setting"
        )
    found = missing_thing(scene, text)
    if found is not None:
        return found
    return RejectedError(SYSTEM, operation, text, status=status)


def missing_thing(scene: Scene, text: str) -> ServiceError | None:
    """A model, field or method this database lacks: which module to install, or which version removed it."""
    model = MISSING_MODEL.search(text)
    if model:
        name = model.group("model") or model.group("model2")
        app = MODULE_OF_MODEL.get(name, "the app that provides it")
        return RejectedError(
            SYSTEM, f"read {name}", f"this Odoo database has no {name}: install {app} in Odoo"
        )
    field = INVALID_FIELD.search(text)
    if field:
        model_name, field_name = field.group("model"), field.group("field")
        needs = MODULE_OF_FIELD.get((model_name, field_name))
        fix = f"install {needs} in Odoo" if needs else "report this: Throughline picks field names by version"
        return RejectedError(
            SYSTEM, f"read {model_name}", f"{scene.odoo()} has no field {model_name}.{field_name}; {fix}"
        )
    method = MISSING_METHOD.search(text)
    if method:
        model_name = method.group("model") or method.group("model2")
        method_name = method.group("method") or method.group("method2")
        why = REMOVED_METHODS.get(method_name, f"{scene.odoo()} does not have it")
        return RejectedError(
            SYSTEM,
            f"{method_name} {model_name}",
            f"{scene.odoo()} has no method {model_name}.{method_name}: {why}. Throughline chooses methods "
            "from the version Odoo reports; if a proxy or a module changed that answer, report this",
        )
    return None


def http_error(scene: Scene, operation: str, response: httpx.Response, path: str) -> ThroughlineError | None:
    """The errors that come before Odoo's own shapes: throttling, a proxy's 5xx, a route that is not there.
    None when the response is Odoo's own (its body says more)."""
    status = response.status_code
    if status == 429:
        return RateLimitError(
            SYSTEM,
            operation,
            "Odoo is throttling requests",
            status=status,
            retry_after=parse_retry_after(response),
        )
    if status >= 500 and not _is_json(response):
        return UnavailableError(SYSTEM, operation, "Odoo or its proxy had an error", status=status)
    if status == 404 and (path == "/jsonrpc" or not _is_json(response)):  # Odoo's JSON-RPC errors are 200s
        return ConfigError(_missing_route(scene, path))
    if status in (401, 403) and not _is_json(response):
        return AuthError(
            SYSTEM, operation, "refused by the web server in front of Odoo: check the URL", status=status
        )
    return None


def _missing_route(scene: Scene, path: str) -> str:
    url = f"{scene.url}{path}"
    if path == "/jsonrpc":
        return (
            f"{url} was not found (404): Odoo 22 and Odoo Online 21.1 removed /jsonrpc, and Throughline "
            "switches to JSON-2 when the server reports such a version; check the THROUGHLINE_ODOO__URL "
            "setting"
        )
    if path.startswith("/json/2/"):
        return (
            f"{url} was not found (404): JSON-2 exists from Odoo 19, and answers this way when "
            f"X-Odoo-Database names a database the server does not have: check THROUGHLINE_ODOO__DATABASE "
            f"('{scene.database}') and THROUGHLINE_ODOO__URL"
        )
    return f"{url} was not found (404): check the THROUGHLINE_ODOO__URL setting"


def json2_error(scene: Scene, operation: str, response: httpx.Response, path: str) -> ThroughlineError:
    """A JSON-2 answer that is not 200 (19.0+: status from the exception, body {"name", "message", ...})."""
    early = http_error(scene, operation, response, path)
    if early is not None:
        return early
    body = _json(response)
    name = str(body.get("name") or "") if isinstance(body, Mapping) else ""
    message = str(body.get("message") or "") if isinstance(body, Mapping) else str(body or "")
    status = response.status_code
    if status == 401:
        if "not authenticated" in message:
            return ConfigError("Odoo needs an API key for JSON-2 (Odoo 19+): set THROUGHLINE_ODOO__API_KEY")
        return rejected_key(scene, operation, status)
    if status == 403 and "session_id cookie" in message:
        return ConfigError("Odoo refused the database header: remove any cookie a proxy adds for this URL")
    if not name and not message:
        return BadResponseError(SYSTEM, operation, "an error without Odoo's error object", status=status)
    return odoo_error(scene, operation, name, message or name, status)


def jsonrpc_error(scene: Scene, operation: str, error: Any) -> ThroughlineError:
    """JSON-RPC's `error` member: the exception's name and text in `data`."""
    data = error.get("data") if isinstance(error, Mapping) else None
    data = data if isinstance(data, Mapping) else {}
    name = str(data.get("name") or "")
    message = str(
        data.get("message") or (error.get("message") if isinstance(error, Mapping) else "") or "error"
    )
    return odoo_error(scene, operation, name, message)


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def _json(response: httpx.Response) -> Any:
    try:
        return json_of(response)
    except ValueError:
        return None
