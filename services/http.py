"""The one transport seam, request loop and retry policy every HTTP client shares (`ApiClient`).

Retry policy (written down once, used by every client):
- retried: errors whose `retryable` is set: 429 (unless the limit is a daily one), 500, 502, 503, 504,
  connection errors and timeouts; nothing else.
- wait: the server's `Retry-After` when it sends one; otherwise what the client's policy waits say for the
  429's `policy` (HubSpot's `policyName`); otherwise exponential backoff with jitter, 0.5 s to 20 s.
- budget: `max_retries` retries, then the last error is raised as the project's own error type.
Each retry and each final failure is logged (`service.retry`, `service.failure`, see services/log.py) with the
system's request id, so a message that points at the server log finds its line there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Self, TypeVar

import httpx
import orjson
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from services import log
from services.errors import ServiceError, UnavailableError

T = TypeVar("T")


class RequestBudget:
    """Client-side rate limiter: at most `amount` requests per `seconds`, as the server counts them, across
    threads.

    The server counts a request when it arrives, which is some time after the client let it go: a round trip
    later at worst, and by a different delay for each request (a busy interpreter, a busy server). So a window
    counted from when the client lets requests go does not keep them inside the server's: measured against
    the HubSpot sandbox (issue 13), a request let go exactly 10 s after the one it replaced in the window
    arrived 52 ms later while that one had arrived 53 ms later, and HubSpot still counted it; 9 to 14 of a
    10,000-deal read's 478 requests came back 429. Here a request holds its place from when it is let go
    until `seconds` after its answer came back (or it failed), which is never before the server counted it:
    `slot()` counts requests in flight, and the `limits` moving window records each one when it ends.
    """

    def __init__(self, amount: int, seconds: int, key: str) -> None:
        self._item = RateLimitItemPerSecond(amount, seconds)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._key = key
        self._in_flight = 0
        self._changed = threading.Condition()

    @property
    def amount(self) -> int:
        """Requests the window admits."""
        return int(self._item.amount)

    def room(self) -> int:
        """Requests that could start now without waiting: the window's free places less those held by
        requests in flight."""
        with self._changed:
            _, remaining = self._limiter.get_window_stats(self._item, self._key)
            return int(remaining) - self._in_flight

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Block until one more request fits in the window; hold its place while the body runs, and for
        `seconds` after it ends."""
        with self._changed:
            while not self._limiter.test(self._item, self._key, cost=self._in_flight + 1):
                reset_at, _ = self._limiter.get_window_stats(self._item, self._key)
                # woken early when a request in flight ends; else when the oldest ended one leaves the window
                self._changed.wait(max(0.01, min(reset_at - time.time(), 1.0)))
            self._in_flight += 1
        try:
            yield
        finally:
            with self._changed:
                self._in_flight -= 1
                # fits: this request's place was held while it was in flight
                self._limiter.hit(self._item, self._key)
                self._changed.notify_all()


def _is_retryable(error: BaseException) -> bool:
    return isinstance(error, ServiceError) and error.retryable


def retrying(
    max_retries: int,
    policy_wait: Callable[[ServiceError], float | None],
    before_sleep: Callable[[RetryCallState], None] | None = None,
) -> Retrying:
    """A tenacity policy as described in the module docstring."""
    backoff = wait_random_exponential(multiplier=0.5, max=20)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, ServiceError):
            if error.retry_after is not None:
                return float(error.retry_after)
            policy = policy_wait(error)
            if policy is not None:
                return policy
        return float(backoff(state))

    return Retrying(
        retry=retry_if_exception(_is_retryable),
        wait=wait,
        stop=stop_after_attempt(max_retries + 1),
        reraise=True,
        before_sleep=before_sleep,
    )


def json_of(response: httpx.Response) -> Any:
    """A response's JSON body; ValueError when it is not JSON.

    Decoded with orjson: the standard library's decoder took about 1 s of the client's CPU in a 10,000-deal
    cold read from each system (issue 13), time the other system's requests waited for. A body orjson
    refuses but the standard library reads (NaN or Infinity, which Python servers such as Odoo can send)
    is read the standard library's way, so a bad value reaches the parsers that name it instead of failing
    the read. (orjson reads integers up to 64 bits exactly; every id these systems send fits: HubSpot's
    and PostgreSQL's are 64-bit at most.)"""
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.json()


def parse_retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header given in seconds; None when absent or a date."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def build_client(
    base_url: str,
    *,
    headers: dict[str, str] | None = None,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An httpx client with connection reuse, a timeout on every phase and no redirects to elsewhere."""
    return httpx.Client(
        base_url=base_url,
        headers=headers or {},
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        transport=transport,
        follow_redirects=False,
    )


def transport_error(
    system: str, operation: str, error: httpx.TransportError, url: str, *, idempotent: bool = True
) -> ServiceError:
    """Map a connection failure or timeout to UnavailableError with what to check.

    A failure before the request left (no connection) changed nothing. After it left (no answer in time, a
    connection dropped mid-exchange), the system may have acted on it: `outcome_unknown` says so, and a call
    that must not run twice (`idempotent=False`, a create) is then not retried."""
    url = log.redact(url)  # a URL setting may carry user:password@
    not_sent = isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    if isinstance(error, httpx.TimeoutException) and not not_sent:
        message = f"no answer from {url} within the timeout; check the system's status or raise the timeout"
    elif not_sent:
        message = f"cannot reach {url}; check the URL setting and that the system is up"
    else:
        message = f"the connection to {url} dropped before the answer came; check the system's status"
    unknown = not not_sent
    return UnavailableError(
        system, operation, message, outcome_unknown=unknown, retryable=idempotent or not unknown
    )


class ApiClient:
    """Base of the HTTP clients: the connection pool, the request count, one request loop, the log.

    A subclass sends each exchange with `_send` inside the function it hands to `_with_retries`, and maps
    the response to data or to one of the project's errors; this class owns everything around that.
    """

    system: ClassVar[str] = "service"

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float,
        max_retries: int,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        policy_waits: Mapping[str, float] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = build_client(self.base_url, headers=headers, timeout=timeout, transport=transport)
        self._max_retries = max_retries
        self._policy_waits = dict(policy_waits or {})
        self._count_lock = threading.Lock()
        self._requests = 0
        self._log = log.get(f"services.{self.system.lower()}")

    @property
    def requests(self) -> int:
        """HTTP exchanges made so far (retries included): what a read costs, for freshness and benchmarks."""
        return self._requests

    def close(self) -> None:
        """Release the connection pool."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _send(
        self, operation: str, method: str, path: str, *, idempotent: bool = True, **kwargs: Any
    ) -> httpx.Response:
        """One counted HTTP exchange; a connection failure or timeout becomes UnavailableError (not to be
        retried when the call is not idempotent and may have reached the system)."""
        with self._count_lock:
            self._requests += 1
        try:
            return self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise self._transport_error(operation, error, idempotent) from None

    def _transport_error(self, operation: str, error: httpx.TransportError, idempotent: bool) -> ServiceError:
        """The error for a failed exchange (a client may word what to check its own way)."""
        return transport_error(self.system, operation, error, self.base_url, idempotent=idempotent)

    def _policy_wait(self, error: ServiceError) -> float | None:
        return self._policy_waits.get(error.policy) if error.policy else None

    def _with_retries(self, operation: str, attempt: Callable[[], T]) -> T:
        """`attempt()` under the retry policy; each retry and a final failure are logged."""

        def note_retry(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            service = error if isinstance(error, ServiceError) else None
            self._log.warning(
                "service.retry",
                system=self.system,
                operation=operation,
                attempt=state.attempt_number,
                status=service.status if service else None,
                request_id=service.request_id if service else None,
                wait_s=round(state.upcoming_sleep, 3),
                error=str(error),
            )

        try:
            return retrying(self._max_retries, self._policy_wait, note_retry)(attempt)
        except ServiceError as error:
            self._log.error(
                "service.failure",
                system=self.system,
                operation=operation,
                status=error.status,
                request_id=error.request_id,
                error_type=type(error).__name__,
                error=str(error),
            )
            raise
