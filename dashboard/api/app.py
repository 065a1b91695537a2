"""The API's routes: every request's HubSpot signature first, then the deal card or the Closed Won workflow
action (workflow.py); errors as JSON a card shows.

Order of a request: the v3 signature is checked against the app's client secret before anything is read
(unsigned, forged or stale: 401 and nothing read); then the viewer's role (403 for a viewer the dashboard
would not let in, nothing read); then the read (reader.py) and the card (card.py). Every answer is JSON: the
card's data, or `{"error": {"code", "message", "request_id"}}` whose message says what to check and never
carries a traceback or a secret. Each request is logged once (`api.request`: method, path, deal, status,
seconds, role, request id, and the reason of a refusal). The routes never redirect: `hubspot.fetch` does not
follow redirects, so a trailing slash answers 404 rather than 307.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from dashboard.analysis import params_from_settings
from dashboard.api.access import viewer_access
from dashboard.api.card import DealNotFound, deal_card
from dashboard.api.reader import CardReader
from dashboard.api.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, request_uri, verify
from dashboard.api.workflow import (
    CLOSED_WON_PATH,
    RETRY_AFTER_S,
    ClosedWonHandler,
    PayloadError,
    output_fields,
    parse_payload,
    project_name,
)
from dashboard.settings import PLACEHOLDERS, Settings
from dashboard.wiring import Clients, build_clients
from services import log
from services.crm import DealSeen
from services.errors import AccessDenied, ConfigError, ThroughlineError, explain
from services.models import utcnow
from services.store import Store

DEAL_CARD_PATH = "/hubspot/deal-card"
_log = log.get("dashboard.api")


def app_client_secret(settings: Settings) -> str:
    """The secret HubSpot signs with: the app's client secret, or the sandbox's in the demo."""
    configured = settings.hubspot.app_client_secret
    if configured is not None:
        value = configured.get_secret_value()
        if not value.strip() or (not settings.sandbox_mode and value.strip().lower() in PLACEHOLDERS):
            raise ConfigError(
                "THROUGHLINE_HUBSPOT__APP_CLIENT_SECRET holds a placeholder: set the HubSpot app's client "
                "secret (in HubSpot: the app's Auth settings)"
            )
        return value
    if settings.sandbox_mode:
        return settings.sandbox.app_client_secret
    raise ConfigError(
        "THROUGHLINE_HUBSPOT__APP_CLIENT_SECRET is not set: the API checks every request's signature with "
        "the HubSpot app's client secret (in HubSpot: the app's Auth settings)"
    )


class _StoreHolder:
    """The store, opened and migrated at the first use; a failure is retried at the next request."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._store: Store | None = None
        self._lock = threading.Lock()

    def get(self) -> Store:
        with self._lock:
            if self._store is None:
                store = Store(self._url)
                store.migrate()
                self._store = store
            return self._store


class _BadRequest(ThroughlineError):
    """A request the card cannot answer as sent."""


def _error(status: int, code: str, message: str, request: Request) -> JSONResponse:
    request.state.reason = message
    body = {"error": {"code": code, "message": message, "request_id": request.state.request_id}}
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _single(request: Request, name: str) -> str | None:
    """One query parameter's value; refused when repeated (which one would HubSpot have meant?)."""
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise _BadRequest(f"the request names {name} {len(values)} times; send it once")
    return values[0] if values else None


def _seen(request: Request) -> DealSeen | None:
    """What the card saw of the deal in HubSpot (ProjectCard.jsx `cardUrl`): `contacts`, each contact as
    its id and association type ids joined by `.`, contacts joined by `_` (characters a URL carries as they
    are, so the signed URI is the one sent), empty for a deal without contacts; None when not sent."""
    value = _single(request, "contacts")
    if value is None:
        return None
    contacts = []
    for entry in value.split("_") if value else []:
        parts = entry.split(".")
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise _BadRequest(
                "contacts must be contact ids each followed by its association type ids (1.279_2.3)"
            )
        contacts.append((parts[0], tuple(int(p) for p in parts[1:])))
    return DealSeen(contacts=tuple(contacts))


def create_app(
    settings: Settings,
    *,
    clients: Clients | None = None,
    store: Callable[[], Store] | None = None,
    as_of: date | None = None,
) -> FastAPI:
    """The API on the configured systems (or `clients`), refusing at once a missing client secret."""
    secret = app_client_secret(settings)
    own_clients = clients is None
    the_clients = clients if clients is not None else build_clients(settings)
    the_store = store or _StoreHolder(settings.store.database_url.get_secret_value()).get
    reader = CardReader(the_clients, params_from_settings(settings, as_of), settings.cache_ttl_s, the_store)
    public_url = settings.api.public_url

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if own_clients:
            the_clients.close()

    app = FastAPI(
        title="Throughline API",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        redirect_slashes=False,
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def signed_only(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request.state.request_id = uuid.uuid4().hex[:16]
        request.state.reason = None
        request.state.role = None
        started = time.perf_counter()
        body = await request.body()
        verdict = verify(
            secret,
            request.method,
            request_uri(public_url, _received_url(request), _raw_path(request), _query(request)),
            body,
            request.headers.get(SIGNATURE_HEADER),
            request.headers.get(TIMESTAMP_HEADER),
            int(time.time() * 1000),
        )
        if verdict.valid:
            response = await call_next(request)
        else:
            response = _error(
                401, "unauthorized", f"Not a request signed by HubSpot: {verdict.reason}.", request
            )
        response.headers["X-Request-Id"] = request.state.request_id
        _log_request(request, response.status_code, time.perf_counter() - started)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        words = {404: "no such address on Throughline's API", 405: "this address takes another method"}
        message = words.get(error.status_code, str(error.detail))
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "bad_request")
        return _error(error.status_code, code, message, request)

    @app.get(DEAL_CARD_PATH)
    def deal_card_route(request: Request) -> Response:
        try:
            deal_id = _single(request, "dealId")
            request.state.deal = deal_id
            if not deal_id or not deal_id.isascii() or not deal_id.isdigit():
                raise _BadRequest("dealId must be the HubSpot deal's numeric id")
            request.state.portal = _single(request, "portalId")
            access = viewer_access(
                settings.sign_in_mode,
                _single(request, "userEmail"),
                settings.access.roles,
                lambda: the_store().users(),
            )
            request.state.role = access.role or "demo"
            data = reader.read(deal_id, _seen(request))
            if data.snapshot.crm is None:
                source = data.snapshot.crm_source
                return _error(
                    503, "unavailable", f"{source.label} could not be read: {source.error}", request
                )
            card = deal_card(
                data.snapshot,
                data.analysis,
                deal_id,
                access,
                now=utcnow(),
                dashboard_url=settings.api.dashboard_url,
            )
        except _BadRequest as error:
            return _error(400, "bad_request", str(error), request)
        except AccessDenied as error:
            return _error(403, "no_access", str(error), request)
        except DealNotFound as error:
            return _error(404, "deal_not_found", str(error), request)
        except ConfigError as error:
            return _error(500, "config", explain(error), request)
        except ThroughlineError as error:
            return _error(503, "unavailable", explain(error), request)
        except Exception:  # the card must get JSON it can show, never a traceback
            _log.exception("unexpected", operation="deal card", request_id=request.state.request_id)
            return _error(
                500,
                "internal",
                "Something failed inside Throughline; the server log has the details under this request id.",
                request,
            )
        if data.accepted_error:
            note = f"Accepted findings could not be read, so every finding is shown: {data.accepted_error}"
            card["findings_note"] = note
        return JSONResponse(card, headers={"Cache-Control": "no-store"})

    closed_won = ClosedWonHandler(the_clients, the_store, settings.id_pattern)

    @app.post(CLOSED_WON_PATH)
    async def closed_won_route(request: Request) -> Response:
        try:
            payload = parse_payload(await request.body())
        except PayloadError as error:
            return _error(400, "bad_request", str(error), request)
        deal_id = str(payload.object.objectId)
        request.state.deal = deal_id
        request.state.portal = payload.origin.get("portalId")
        request.state.role = "workflow"
        try:
            report = await run_in_threadpool(closed_won.run, deal_id, project_name(payload))
        except ConfigError as error:
            return _error(500, "config", explain(error), request)
        except (
            ThroughlineError
        ) as error:  # a read before any step failed: nothing written; HubSpot retries a 429
            response = _error(429, "unavailable", explain(error), request)
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
            return response
        except Exception:
            _log.exception("unexpected", operation="closed won", request_id=request.state.request_id)
            return _error(
                500,
                "internal",
                "Something failed inside Throughline; the server log has the details under this request id.",
                request,
            )
        finally:
            reader.forget(deal_id)  # the deal's card shows what the run wrote, not what it kept
        if not report.complete:
            request.state.reason = report.message
        return JSONResponse(output_fields(report), headers={"Cache-Control": "no-store"})

    return app


def _received_url(request: Request) -> str:
    """The address as this server received it (scheme, Host header, raw path and query), nothing decoded."""
    host = request.headers.get("host")
    if not host:
        server = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    query = _query(request)
    return f"{request.url.scheme}://{host}{_raw_path(request)}" + (f"?{query}" if query else "")


def _raw_path(request: Request) -> str:
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if isinstance(raw, bytes) else str(request.scope["path"])


def _query(request: Request) -> str:
    return bytes(request.scope.get("query_string", b"")).decode("latin-1")


def _log_request(request: Request, status: int, seconds: float) -> None:
    fields: dict[str, Any] = {
        "request_id": request.state.request_id,
        "method": request.method,
        "path": request.url.path,
        "status": status,
        "seconds": round(seconds, 3),
        "deal": getattr(request.state, "deal", None),
        "portal": getattr(request.state, "portal", None),
        "role": request.state.role,
    }
    if request.state.reason:
        fields["reason"] = request.state.reason
    if status >= 400:
        _log.warning("api.request", **fields)
    else:
        _log.info("api.request", **fields)
