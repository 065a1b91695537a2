"""QuickBooks Online's Accounting API v3 for one company: queries, reads by id, change data capture.

Requests (developer.intuit.com, learn/explore-the-quickbooks-online-api/data-queries and change-data-
capture; the exact shapes python-quickbooks 0.9.12 sends):

- query: `POST /v3/company/<realm>/query?minorversion=N`, `Content-Type: application/text`, the SELECT
  as the body; at most 1000 rows a page (`MAXRESULTS`), `STARTPOSITION` counts from 1. A page shorter
  than asked is the last; a longer list is counted once (`SELECT COUNT(*)`) and its other pages fetched
  side by side, within the limits below.
- read: `GET /v3/company/<realm>/<entity lower-cased>/<id>`; exchange rate: `GET .../exchangerate?
  sourcecurrencycode=EUR&asofdate=YYYY-MM-DD`.
- change data capture: `GET .../cdc?entities=A,B&changedSince=<ISO time>`.
Every request names a `minorversion` (75 by default: Intuit retired the older ones in 2025 and python-
quickbooks warns below 75; `ProjectRef` needs 69 or later).

Limits (learn/limits-and-throttles): 500 requests a minute per company, 10 a second per company and app,
and 10 at a time. The client keeps under all three with a moving-window limiter (each request counted
until a minute after its answer, `RequestBudget`), requests spaced evenly (8 a second by default, for
headroom) and a semaphore, and counts what it sent in the last minute for the freshness line (`budget`).
Intuit meters every request, so a read asks for the fewest that give the figures; at 8 a second, n
requests take about n / 8 seconds. A 429 (Intuit's XML `ThrottleExceeded`
Fault) is retried by the shared retry loop: after 60 s as Intuit says, except that the first one in a
minute while this client used under 90 % of the minute's 500 gets 2 s, because then it was the per-second
or at-once limit (Intuit's single code does not say which), which clears within a second.

Tokens: each request carries the current access token; a 401 refreshes it once (`QuickBooksAuth`) and
sends the request again; a second 401 is an error that says to reconnect.
"""

from __future__ import annotations

import collections
import json
import math
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from services.errors import BadResponseError, RateLimitError
from services.http import ApiClient, RequestBudget, json_of, parse_retry_after
from services.quickbooks.auth import QuickBooksAuth
from services.quickbooks.faults import RECONNECT, SYSTEM, THROTTLE_POLICY, AccessTokenRejected, error_for

PAGE = 1000
MINOR_VERSION = 75
REQUESTS_PER_MINUTE = 500
REQUESTS_PER_SECOND = 8
"""Under Intuit's 10: the limit is counted where the requests arrive, and a request can leave a little after
its turn (a busy interpreter), so headroom keeps that jitter from turning a second's tenth request into a
429 and a 60-second wait."""
CONCURRENT_REQUESTS = 10
THROTTLE_WAIT_S = 60.0
SHORT_THROTTLE_WAIT_S = 2.0
Row = dict[str, Any]


class Pace:
    """Requests spaced evenly, `per_second` a second, never in bursts: a burst whose requests leave a little
    late (a busy interpreter) lands in the same second as the next burst at the server, which counts where
    they arrive; evenly spaced, a late request only narrows one gap."""

    def __init__(self, per_second: int) -> None:
        self._gap = 1.0 / per_second
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the next request's turn."""
        with self._lock:
            now = time.monotonic()
            turn = max(now, self._next)
            self._next = turn + self._gap
        time.sleep(max(0.0, turn - now))


class QuickBooksTransport(ApiClient):
    """One QuickBooks company (realm) over the Accounting API, within Intuit's per-company limits."""

    system = SYSTEM

    def __init__(
        self,
        base_url: str,
        realm_id: str,
        auth: QuickBooksAuth,
        *,
        minor_version: int = MINOR_VERSION,
        requests_per_minute: int = REQUESTS_PER_MINUTE,
        requests_per_second: int = REQUESTS_PER_SECOND,
        concurrent_requests: int = CONCURRENT_REQUESTS,
        timeout: float = 60.0,
        max_retries: int = 4,
        throttle_wait_s: float = THROTTLE_WAIT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            timeout=timeout,
            max_retries=max_retries,
            headers={"Accept": "application/json", "User-Agent": "Throughline QuickBooks adapter"},
            transport=transport,
            policy_waits={THROTTLE_POLICY: throttle_wait_s},
        )
        self.realm_id = realm_id
        self.auth = auth
        self.minor_version = minor_version
        self.requests_per_minute = requests_per_minute
        self.concurrent_requests = concurrent_requests
        self._per_minute = RequestBudget(requests_per_minute, 60, f"quickbooks:{realm_id}")
        self._pace = Pace(requests_per_second)
        self._slots = threading.BoundedSemaphore(concurrent_requests)
        self._sent: collections.deque[float] = collections.deque()
        self._last_throttle = float("-inf")
        self._sent_lock = threading.Lock()

    # -- the budget ----------------------------------------------------------------------------------

    def used_this_minute(self) -> int:
        """Requests this client sent to the company in the last 60 seconds."""
        cutoff = time.monotonic() - 60
        with self._sent_lock:
            while self._sent and self._sent[0] < cutoff:
                self._sent.popleft()
            return len(self._sent)

    def budget(self) -> str:
        """The read budget in words, for freshness: how much of Intuit's per-minute limit is used."""
        return (
            f"QuickBooks: {self.used_this_minute()} of {self.requests_per_minute} requests used this minute"
        )

    def _throttle_wait(self) -> float | None:
        """How long to wait after a 429: a second or two for the first one in a minute while this client used
        under 90 % of the minute's budget (the per-second or at-once limit, which clears at once), else
        Intuit's 60 s (None: the policy wait), since another app may be spending the company's minute."""
        now = time.monotonic()
        with self._sent_lock:
            recent, self._last_throttle = self._last_throttle, now
        if now - recent > 60 and self.used_this_minute() < 0.9 * self.requests_per_minute:
            return SHORT_THROTTLE_WAIT_S
        return None

    # -- one exchange --------------------------------------------------------------------------------

    def _company(self, path: str) -> str:
        return f"/company/{self.realm_id}/{path}"

    def _exchange(
        self, operation: str, method: str, path: str, *, params: Mapping[str, str] | None = None,
        content: str | None = None, content_type: str = "application/text", idempotent: bool = True,
    ) -> Row:  # fmt: skip
        """One request under the limits and the retry policy; a 401 refreshes the token once."""
        query = {**(params or {}), "minorversion": str(self.minor_version)}
        headers = {"Content-Type": content_type} if content is not None else {}

        def send(token: str) -> httpx.Response:
            with self._per_minute.slot():
                self._pace.wait()
                with self._sent_lock:
                    self._sent.append(time.monotonic())
                return self._send(
                    operation, method, self._company(path), params=query, content=content,
                    headers={**headers, "Authorization": f"Bearer {token}"}, idempotent=idempotent,
                )  # fmt: skip

        def once() -> Row:
            with self._slots:
                token = self.auth.access_token()
                response = send(token)
                if response.status_code == 401:
                    response = send(self.auth.refresh(stale=token))
                    if response.status_code == 401:
                        raise AccessTokenRejected(
                            SYSTEM,
                            operation,
                            f"QuickBooks rejected a freshly refreshed access token; {RECONNECT}",
                            status=401,
                            request_id=response.headers.get("intuit_tid"),
                        )
            return self._body(response, operation)

        return self._with_retries(operation, once)

    def _body(self, response: httpx.Response, operation: str) -> Row:
        request_id = response.headers.get("intuit_tid")
        if response.status_code >= 400:
            error = error_for(
                operation,
                response.status_code,
                response.text,
                request_id=request_id,
                retry_after=parse_retry_after(response),
            )
            if isinstance(error, RateLimitError) and error.retry_after is None:
                error.retry_after = self._throttle_wait()
            raise error
        try:
            body = json_of(response)
        except ValueError:
            raise BadResponseError(
                SYSTEM, operation, "the answer was not valid JSON", status=response.status_code,
                request_id=request_id,
            ) from None  # fmt: skip
        if not isinstance(body, dict):
            raise BadResponseError(
                SYSTEM, operation, "the answer was not a JSON object", request_id=request_id
            )
        if "Fault" in body:  # "200 OK ... the response body may contain a <Fault> element"
            raise error_for(operation, response.status_code, response.text, request_id=request_id)
        return body

    # -- the API -------------------------------------------------------------------------------------

    def query(self, select: str) -> Row:
        """One query (Intuit's SQL subset) as python-quickbooks sends it; the `QueryResponse` object."""
        body = self._exchange(f"query {select[:80]}", "POST", "query", content=select)
        response = body.get("QueryResponse")
        if not isinstance(response, dict):
            raise BadResponseError(SYSTEM, "query", "the answer has no QueryResponse object")
        return response

    def count(self, entity: str, where: str = "") -> int:
        """`SELECT COUNT(*)` of `entity` (one request)."""
        response = self.query(f"SELECT COUNT(*) FROM {entity}{_where(where)}")
        return int(response.get("totalCount") or 0)

    def query_all(
        self, entity: str, where: str = "", on_page: Callable[[list[Row]], list[Row]] | None = None
    ) -> list[Row]:
        """Every `entity` row matching `where`, in pages of 1000 by Id; the pages after the first are
        fetched side by side once a count says how many there are. `on_page`, when given, handles each
        page as it arrives (in the thread that fetched it, while the others wait for their turn) and
        returns the rows still wanted; those are what comes back."""
        keep = on_page or (lambda rows: rows)
        first = self._page(entity, where, 1)
        kept = [keep(first)]
        if len(first) == PAGE:
            total = self.count(entity, where)
            starts = range(PAGE + 1, max(total, PAGE) + 1, PAGE)
            workers = max(1, min(self.concurrent_requests, math.ceil(total / PAGE)))

            def fetch(start: int) -> tuple[int, list[Row]]:
                page = self._page(entity, where, start)
                return len(page), keep(page)

            with ThreadPoolExecutor(max_workers=workers) as pool:
                fetched = list(pool.map(fetch, starts))
            kept.extend(rows for _, rows in fetched)
            if fetched and fetched[-1][0] == PAGE:  # more rows than counted: created while paging
                start = starts[-1] + PAGE
                while True:
                    page = self._page(entity, where, start)
                    kept.append(keep(page))
                    if len(page) < PAGE:
                        break
                    start += PAGE
        rows, seen = [], set()
        for found in kept:
            for row in found:  # a row created meanwhile can shift into the next page: keep it once
                if row.get("Id") not in seen:
                    seen.add(row.get("Id"))
                    rows.append(row)
        return rows

    def _page(self, entity: str, where: str, start: int) -> list[Row]:
        select = f"SELECT * FROM {entity}{_where(where)} ORDERBY Id STARTPOSITION {start} MAXRESULTS {PAGE}"
        rows = self.query(select).get(entity, [])
        if not isinstance(rows, list):
            raise BadResponseError(SYSTEM, f"query {entity}", f"QueryResponse.{entity} is not a list")
        return rows

    def query_ids(self, entity: str, ids: Sequence[str]) -> list[Row]:
        """The `entity` rows with these Ids (`WHERE Id IN (...)`, up to 1000 per request)."""
        rows: list[Row] = []
        unique = sorted(set(ids), key=_id_order)
        for start in range(0, len(unique), PAGE):
            chunk = ", ".join(f"'{i}'" for i in unique[start : start + PAGE])
            rows.extend(self._page(entity, f"Id IN ({chunk})", 1))
        return rows

    def read(self, entity: str, record_id: str) -> Row:
        """One record by Id (`GET /<entity lower-cased>/<id>`)."""
        body = self._exchange(f"read {entity} {record_id}", "GET", f"{entity.lower()}/{record_id}")
        row = body.get(entity)
        if not isinstance(row, dict):
            raise BadResponseError(SYSTEM, f"read {entity}", f"the answer has no {entity} object")
        return row

    def write(self, entity: str, body: Row) -> Row:
        """Create (no Id) or update (Id, SyncToken; `sparse` for some fields) one entity:
        `POST /<entity lower-cased>` with a JSON body; the entity as QuickBooks answers it. Not sent again
        once it may have reached QuickBooks (the caller settles it by reading)."""
        answer = self._exchange(
            f"write {entity}",
            "POST",
            entity.lower(),
            content=json.dumps(body),
            content_type="application/json",
            idempotent=False,
        )
        row = answer.get(entity)
        if not isinstance(row, dict):
            raise BadResponseError(SYSTEM, f"write {entity}", f"the answer has no {entity} object")
        return row

    def exchange_rate(self, currency: str, as_of: str) -> Row:
        """QuickBooks' rate for `currency` into the home currency on `as_of` (YYYY-MM-DD)."""
        body = self._exchange(
            f"read exchange rate {currency}",
            "GET",
            "exchangerate",
            params={"sourcecurrencycode": currency, "asofdate": as_of},
        )
        row = body.get("ExchangeRate")
        if not isinstance(row, dict):
            raise BadResponseError(SYSTEM, "read exchange rate", "the answer has no ExchangeRate object")
        return row

    def changes(self, entities: Sequence[str], changed_since: str) -> dict[str, list[Row]]:
        """Change data capture: per entity, the objects changed since (deleted ones carry `status`
        'Deleted' and only Id and MetaData)."""
        body = self._exchange(
            "change data capture",
            "GET",
            "cdc",
            params={"entities": ",".join(entities), "changedSince": changed_since},
        )
        found: dict[str, list[Row]] = {}
        for block in body.get("CDCResponse") or []:
            for response in (block or {}).get("QueryResponse") or []:
                for key, value in (response or {}).items():
                    if isinstance(value, list):
                        found.setdefault(key, []).extend(v for v in value if isinstance(v, dict))
        return found


def _where(where: str) -> str:
    return f" WHERE {where}" if where else ""


def _id_order(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)
