"""The one transport seam and retry policy shared by the service clients.

Retry policy (written down once, used by every client):
- retried: 429, 500, 502, 503, 504, connection errors and timeouts; nothing else.
- wait: the server's `Retry-After` when it sends one; otherwise what the client's `policy_wait` says for
  the 429's policy (HubSpot's `policyName`); otherwise exponential backoff with jitter, 0.5 s to 20 s.
- budget: `max_retries` retries, then the last error is raised as the project's own error type.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from services.errors import RateLimitError, ServiceError, UnavailableError

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class RequestBudget:
    """Client-side rate limiter: at most `amount` requests per `seconds`, across threads."""

    def __init__(self, amount: int, seconds: int, key: str) -> None:
        self._item = RateLimitItemPerSecond(amount, seconds)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._key = key
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Block until one more request fits in the window."""
        while True:
            with self._lock:
                if self._limiter.hit(self._item, self._key):
                    return
                reset_at, _ = self._limiter.get_window_stats(self._item, self._key)
            time.sleep(max(0.01, min(reset_at - time.time(), 1.0)))


def _is_retryable(error: BaseException) -> bool:
    return isinstance(error, RateLimitError | UnavailableError) and getattr(error, "retryable", True)


def retrying(max_retries: int, policy_wait: Callable[[ServiceError], float | None]) -> Retrying:
    """A tenacity policy as described in the module docstring."""
    backoff = wait_random_exponential(multiplier=0.5, max=20)

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, ServiceError):
            retry_after = getattr(error, "retry_after", None)
            if retry_after is not None:
                return float(retry_after)
            policy = policy_wait(error)
            if policy is not None:
                return policy
        return float(backoff(state))

    return Retrying(
        retry=retry_if_exception(_is_retryable),
        wait=wait,
        stop=stop_after_attempt(max_retries + 1),
        reraise=True,
    )


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


def transport_error(system: str, operation: str, error: httpx.TransportError, url: str) -> ServiceError:
    """Map a connection failure or timeout to UnavailableError with what to check."""
    if isinstance(error, httpx.TimeoutException):
        message = f"no answer from {url} within the timeout; check the system's status or raise the timeout"
    else:
        message = f"cannot reach {url}; check the URL setting and that the system is up"
    return UnavailableError(system, operation, message)


def json_body(response: httpx.Response) -> Any:
    """The response's JSON, or raise ValueError when it is not JSON."""
    return response.json()
