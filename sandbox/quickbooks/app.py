"""A QuickBooks Online-compatible server: the Accounting API v3 subset Throughline and python-quickbooks use,
and Intuit's OAuth endpoints (oauth.py), over one sandbox company.

    POST|GET /v3/company/<realm>/query           the query language (query.py), POST body or ?query=
    GET      /v3/company/<realm>/<entity>/<id>   one entity (entity name lower-cased, as python-quickbooks)
    POST     /v3/company/<realm>/<entity>        create, or update with Id and SyncToken; ?operation=delete
    GET      /v3/company/<realm>/cdc             change data capture
    GET      /v3/company/<realm>/exchangerate    ?sourcecurrencycode=EUR&asofdate=YYYY-MM-DD

Answers follow developer.intuit.com (learn/explore-the-quickbooks-online-api/data-queries, change-data-
capture, learn/limits-and-throttles, develop/troubleshooting/error-codes):
- rows: `{"QueryResponse": {"<Entity>": [...], "startPosition": n, "maxResults": k}, "time": ...}`; no
  rows: `{"QueryResponse": {}, ...}`; a count: `{"QueryResponse": {"totalCount": n}}`;
- errors in Intuit's `Fault` envelope: 400 ValidationFault for a bad query or body (code 4000), 400 for a
  stale SyncToken (code 5010), 404-free "Object Not Found" as 400 code 610, 401/403 in the lower-camel
  `fault` wrapper (oauth.py), and throttling as HTTP 429 with Intuit's *XML* Fault, ThrottleExceeded code
  3001, whatever the Accept header (ruckus/quickbooks-ruby #348, intuit/QuickBooks-V3-PHP-SDK #54);
- limits per company: `requests_per_minute` (500 at Intuit), `requests_per_second` (10 per company and app)
  and 10 requests at a time;
- CDC: entities changed at or after `changedSince`, one `QueryResponse` per entity with changes, deleted
  objects as `{"domain", "status": "Deleted", "Id", "MetaData": {"LastUpdatedTime"}}` after the live ones;
  at most 1000 objects; not older than 30 days ("Operation cdc with changedSince date ... which is older
  than fixed days is not supported.", Wish-Org/QuickBooksSharp #19); JournalCode, TaxAgency, TimeActivity,
  TaxCode and TaxRate are not supported (the CDC page's list; the sandbox answers a 400 Fault for them).
Injected faults (sandbox.faults) come back in the same shapes: a 500 SystemFault, the XML 429.
"""

from __future__ import annotations

import collections
import json
import threading
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from sandbox.faults import FaultMiddleware, Faults, FaultSettings, add_control_routes
from sandbox.quickbooks import books as B
from sandbox.quickbooks.oauth import AppKeys, OAuthServer
from sandbox.quickbooks.query import QueryError, instant_key, parse
from sandbox.quickbooks.store import EntityStore, dumps
from sandbox.quickbooks.writes import WriteError, write_entity

ENTITIES = (
    "Account", "Bill", "BillPayment", "Class", "CompanyInfo", "CreditMemo", "Customer", "Department",
    "Deposit", "Employee", "Estimate", "ExchangeRate", "Invoice", "Item", "JournalEntry", "Payment",
    "PaymentMethod", "Preferences", "Purchase", "PurchaseOrder", "RefundReceipt", "SalesReceipt", "TaxCode",
    "TaxRate", "Term", "TimeActivity", "Transfer", "Vendor", "VendorCredit",
)  # fmt: skip
CANONICAL = {name.lower(): name for name in ENTITIES}
NOT_IN_CDC = {"journalcode", "taxagency", "timeactivity", "taxcode", "taxrate"}
CDC_MAX = 1000
CDC_DAYS = 30
THROTTLE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<IntuitResponse time="{time}" xmlns="http://schema.intuit.com/finance/v3">'
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
    "statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error></Fault>"
    "</IntuitResponse>"
)


def now_text() -> str:
    """Now, as QuickBooks writes instants."""
    return B.qbo_time(datetime.now(UTC))


def fault(status: int, code: str, message: str, detail: str, kind: str = "ValidationFault") -> JSONResponse:
    """Intuit's JSON Fault envelope with one error."""
    error = {"Message": message, "Detail": detail, "code": code, "element": ""}
    body = {"Fault": {"Error": [error], "type": kind}, "time": now_text()}
    return JSONResponse(body, status_code=status, headers=_tid())


def throttled() -> Response:
    """Intuit's 429: an XML ThrottleExceeded Fault, whatever was asked for."""
    xml = THROTTLE_XML.format(time=now_text())
    return Response(xml, status_code=429, media_type="application/xml", headers=_tid())


_tids = iter(range(1, 10**12))


def _tid() -> dict[str, str]:
    return {"intuit_tid": f"1-sbx-{next(_tids):010d}"}


class Limits:
    """Intuit's per-company limits: 500 requests a minute, 10 a second, 10 at a time (learn/limits-and-
    throttles). Intuit does not say how it counts; the minute is a moving window here, and the second a
    token bucket (10 a second, bursts of 10), the way API gateways commonly count a per-second rate: a
    client spaced under 10 a second is never refused for the jitter of its arrivals, one firing faster is."""

    def __init__(self, per_minute: int, per_second: int = 10, at_once: int = 10) -> None:
        self.per_minute, self.per_second, self.at_once = per_minute, per_second, at_once
        self._sent: collections.deque[float] = collections.deque()
        self._tokens, self._filled = float(per_second), time.monotonic()
        self._running = 0
        self._lock = threading.Lock()
        self.refused: collections.Counter[str] = collections.Counter()
        """Requests throttled, by the limit they hit (for tests and the benchmark)."""

    def enter(self) -> bool:
        """Admit one request, or False when a limit is reached."""
        with self._lock:
            now = time.monotonic()
            while self._sent and self._sent[0] <= now - 60:
                self._sent.popleft()
            self._tokens = min(float(self.per_second), self._tokens + (now - self._filled) * self.per_second)
            self._filled = now
            hits = (
                ("minute", len(self._sent) >= self.per_minute),
                ("second", self._tokens < 1),
                ("at once", self._running >= self.at_once),
            )
            for limit, hit in hits:
                if hit:
                    self.refused[limit] += 1
                    return False
            self._sent.append(now)
            self._tokens -= 1
            self._running += 1
            return True

    def leave(self) -> None:
        """One admitted request finished."""
        with self._lock:
            self._running -= 1


def create_quickbooks_app(
    store: EntityStore,
    keys: AppKeys,
    *,
    faults: Faults | None = None,
    requests_per_minute: int = 500,
    requests_per_second: int = 10,
    access_ttl_s: float = 3600.0,
) -> FastAPI:
    """The QuickBooks-compatible app over `store`, for the company and app in `keys`."""
    app = FastAPI(title="QuickBooks Online-compatible sandbox", docs_url=None, redoc_url=None)
    faults = faults or Faults(FaultSettings())
    oauth = OAuthServer(store, keys, access_ttl_s=access_ttl_s)
    limits = Limits(requests_per_minute, requests_per_second)
    app.state.oauth = oauth

    def error_response(kind: str, _request: Request, settings: FaultSettings) -> Response:
        if kind == "rate_limit":
            return throttled()
        message = "An application error has occurred while processing your request"
        return fault(settings.error_status, "10000", message, "System Failure Error: injected", "SystemFault")

    def family(path: str) -> str:
        if path.startswith("/v3/"):
            part = path.rstrip("/").split("/")
            return part[4] if len(part) == 5 else "read" if len(part) == 6 else "v3"
        return "oauth"

    app.add_middleware(FaultMiddleware, faults=faults, error_response=error_response, family=family)
    add_control_routes(app, faults)

    # -- OAuth ---------------------------------------------------------------------------------------

    def base_of(request: Request) -> str:
        return str(request.base_url).rstrip("/")

    @app.get("/.well-known/openid_configuration")
    @app.get("/.well-known/openid_configuration/")
    @app.get("/.well-known/openid_sandbox_configuration/")
    def discovery(request: Request) -> dict[str, Any]:
        return oauth.discovery(base_of(request))

    @app.get("/connect/oauth2")
    def consent(request: Request) -> Response:
        status, where = oauth.authorize(dict(request.query_params))
        if status == 302:
            return RedirectResponse(where, status_code=302)
        return Response(where, status_code=status, media_type="text/plain")

    @app.post("/oauth2/v1/tokens/bearer")
    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        status, body = oauth.token(request.headers.get("authorization"), form)
        return JSONResponse(body, status_code=status, headers=_tid())

    @app.post("/oauth2/v1/tokens/revoke")
    async def revoke(request: Request) -> Response:
        try:
            token_value = str((await request.json()).get("token", ""))
        except (ValueError, AttributeError):
            token_value = ""
        status = oauth.revoke(request.headers.get("authorization"), token_value)
        return Response(b"", status_code=status, headers=_tid())

    @app.get("/op/v1/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": []}

    @app.get("/v1/openid_connect/userinfo")
    def userinfo() -> dict[str, Any]:
        return {"sub": "sandbox-admin", "email": "admin@throughline-demo.example", "emailVerified": True}

    # -- control -------------------------------------------------------------------------------------

    @app.post("/__sandbox__/quickbooks/expire", include_in_schema=False)
    def expire(body: dict[str, Any]) -> dict[str, Any]:
        oauth.expire_after(int(body.get("after_requests", 0)))
        return {"ok": True}

    @app.get("/__sandbox__/quickbooks/throttled", include_in_schema=False)
    def refused() -> dict[str, int]:
        return dict(limits.refused)

    @app.get("/__sandbox__/quickbooks/tokens", include_in_schema=False)
    def tokens() -> dict[str, Any]:
        return {
            "issued": oauth.issued(),
            "refreshes": oauth.refreshes,
            "current": oauth.current_refresh_token(),
        }

    # -- the Accounting API ----------------------------------------------------------------------------

    async def guarded(request: Request, realm: str, work: Any) -> Response:
        """Token check and Intuit's limits as the request arrives (on the event loop, so a busy handler
        cannot make arrivals look bunched), then the work in a worker thread."""
        denied = oauth.check(request.headers.get("authorization"), realm)
        if denied is not None:
            return JSONResponse(denied[1], status_code=denied[0], headers=_tid())
        if not limits.enter():
            return throttled()
        try:
            return await run_in_threadpool(work)
        except QueryError as error:
            return fault(400, error.code, error.message, error.detail)
        except WriteError as error:
            return fault(400, error.code, error.message, error.detail)
        finally:
            limits.leave()

    def ok(text: str) -> Response:
        return Response(text, media_type="application/json", headers=_tid())

    def run_query(text: str) -> Response:
        query = parse(text)
        entity = CANONICAL.get(query.entity.lower())
        if entity is None:
            raise QueryError(f"QueryValidationError: Invalid entity {query.entity}", message="Invalid query")
        texts, rows, count = store.select(query, entity)
        if query.count:
            return ok(json.dumps({"QueryResponse": {"totalCount": count}, "time": now_text()}))
        if not count:
            return ok(json.dumps({"QueryResponse": {}, "time": now_text()}))
        listed = ",".join(texts) if texts is not None else ",".join(dumps(r) for r in rows or [])
        page = f'"startPosition":{query.start},"maxResults":{count}'
        return ok(f'{{"QueryResponse":{{"{entity}":[{listed}],{page}}},"time":"{now_text()}"}}')

    @app.post("/v3/company/{realm}/query")
    async def query_post(realm: str, request: Request) -> Response:
        text = (await request.body()).decode("utf-8", "replace")
        return await guarded(request, realm, lambda: run_query(text))

    @app.get("/v3/company/{realm}/query")
    async def query_get(realm: str, request: Request) -> Response:
        return await guarded(request, realm, lambda: run_query(request.query_params.get("query", "")))

    @app.get("/v3/company/{realm}/cdc")
    async def cdc(realm: str, request: Request) -> Response:
        return await guarded(request, realm, lambda: _cdc(store, request.query_params))

    @app.get("/v3/company/{realm}/exchangerate")
    async def exchange_rate(realm: str, request: Request) -> Response:
        return await guarded(request, realm, lambda: _exchange_rate(store, request.query_params))

    @app.get("/v3/company/{realm}/{entity}/{entity_id}")
    async def read(realm: str, entity: str, entity_id: str, request: Request) -> Response:
        def work() -> Response:
            name = CANONICAL.get(entity.lower())
            row = store.get(name, entity_id) if name else None
            if row is None:
                detail = (
                    "Object Not Found : Something you're trying to use has been made inactive. Check the "
                    "fields with accounts, customers, items, vendors or employees."
                )
                return fault(400, "610", "Object Not Found", detail)
            return ok(json.dumps({name: row, "time": now_text()}))

        return await guarded(request, realm, work)

    @app.post("/v3/company/{realm}/{entity}")
    async def write(realm: str, entity: str, request: Request) -> Response:
        raw = await request.body()

        def work() -> Response:
            name = CANONICAL.get(entity.lower())
            if name is None:
                return fault(400, "4000", "Unsupported Operation", f"Operation on {entity} is not supported")
            try:
                body = json.loads(raw)
            except ValueError:
                raise WriteError(
                    "Request has invalid or unsupported property", "Could not parse the body"
                ) from None
            row = write_entity(store, name, body, delete=request.query_params.get("operation") == "delete")
            return ok(json.dumps({name: row, "time": now_text()}))

        return await guarded(request, realm, work)

    return app


def _cdc(store: EntityStore, params: Any) -> Response:
    names = [n.strip() for n in str(params.get("entities", "")).split(",") if n.strip()]
    since_text = str(params.get("changedSince", ""))
    since = instant_key(since_text) or (
        instant_key(f"{since_text}T00:00:00") if len(since_text) == 10 else None
    )
    if not names or since is None:
        raise QueryError("entities and changedSince are required", message="Invalid query")
    unsupported = [n for n in names if n.lower() in NOT_IN_CDC]
    if unsupported:
        raise QueryError(
            f"CDC is not supported for {', '.join(unsupported)}", message="Unsupported Operation"
        )
    oldest = (datetime.now(UTC) - timedelta(days=CDC_DAYS)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    if since < oldest:
        raise QueryError(
            f"Operation cdc with changedSince date {since_text} which is older than fixed days is not "
            "supported.",
            message="Invalid query",
        )
    entities = [CANONICAL.get(n.lower()) for n in names]
    if None in entities:
        raise QueryError(
            f"QueryValidationError: Invalid entity in {','.join(names)}", message="Invalid query"
        )
    found = store.changed_since([e for e in entities if e], since)[:CDC_MAX]
    blocks: dict[str, list[dict[str, Any]]] = {}
    for entity, row, deleted in found:
        if deleted:
            row = {"domain": "QBO", "status": "Deleted", "Id": row["Id"],
                   "MetaData": {"LastUpdatedTime": row["MetaData"]["LastUpdatedTime"]}}  # fmt: skip
        blocks.setdefault(entity, []).append(row)
    responses = [{e: rows, "startPosition": 1, "maxResults": len(rows)} for e, rows in blocks.items()] or [{}]
    body = {"CDCResponse": [{"QueryResponse": responses}], "time": now_text()}
    return Response(json.dumps(body), media_type="application/json", headers=_tid())


def _exchange_rate(store: EntityStore, params: Any) -> Response:
    currency = str(params.get("sourcecurrencycode", "")).upper()
    as_of = str(params.get("asofdate") or date.today().isoformat())
    rows = [r for r in store.exchange_rates(currency) if r.get("AsOfDate", "") <= as_of]
    if not rows:
        return fault(400, "610", "Object Not Found", f"No exchange rate for {currency} on or before {as_of}")
    latest = max(rows, key=lambda r: r["AsOfDate"])
    return Response(json.dumps({"ExchangeRate": latest, "time": now_text()}), media_type="application/json",
                    headers=_tid())  # fmt: skip
