"""Rate limits: what a sandbox portal allows (HubSpotLimits), the gate's counters, and injected 429s alike.

RateGate counts with the `limits` library, in memory: a rolling 10-second burst and a daily window for the
API, and a per-second window for search (policy SECONDLY), whose answers carry no X-HubSpot-RateLimit-*
headers. The fault responder answers injected faults in the same shapes, so a client cannot tell an
injected 429 from a real one. See /work/shared/reference/hubspot-api.md, sections 1.3 and 4.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import uuid4

from fastapi import Request
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from starlette.responses import Response

from sandbox.faults import FaultSettings
from sandbox.hubspot.errors import CATEGORY_BY_STATUS, HubSpotError, HubSpotJSON, rate_limit_body


@dataclass
class HubSpotLimits:
    """Rate limits and quirks of the sandbox portal (None means unlimited)."""

    burst_per_10s: int | None = None  # private-app burst: 100 Free/Starter, 190 Professional
    daily: int | None = None
    search_per_s: int | None = 5  # the search API's own limit, policyName "SECONDLY"
    retry_after: bool = False  # send Retry-After on real 429s (HubSpot does not document it)
    shuffle_batches: bool = True  # batch results not in input order, as HubSpot returns them
    filter_groups: int = 5
    filters_per_group: int = 6
    filters_total: int = 18


@dataclass
class Admission:
    """What the rate limiter decided for one request."""

    policy: str | None = None  # the exhausted policy, or None when the request may proceed
    headers: dict[str, str] = field(default_factory=dict)
    retry_after_s: int | None = None


class RateGate:
    """HubSpot's limits for one token: rolling 10 s burst and daily for the API, per second for search."""

    KEY = "portal"

    def __init__(self, limits: HubSpotLimits) -> None:
        self._limits = limits
        storage = MemoryStorage()
        self._moving = MovingWindowRateLimiter(storage)
        self._fixed = FixedWindowRateLimiter(storage)
        burst = limits.burst_per_10s
        self._burst = RateLimitItemPerSecond(burst, 10, namespace="BURST") if burst else None
        self._secondly = RateLimitItemPerSecond(max(1, burst // 10), 1, namespace="LEGACY") if burst else None
        self._daily = RateLimitItemPerDay(limits.daily, namespace="DAILY") if limits.daily else None
        search = limits.search_per_s
        self._search = RateLimitItemPerSecond(search, 1, namespace="SEARCH") if search else None

    def _retry(self, item: RateLimitItem, moving: bool) -> int | None:
        if not self._limits.retry_after:
            return None
        limiter = self._moving if moving else self._fixed
        reset = limiter.get_window_stats(item, self.KEY).reset_time
        return max(1, math.ceil(reset - time.time()))

    def admit(self, search: bool) -> Admission:
        """Count one request and say whether it exceeds a limit (search answers carry no headers)."""
        if search:
            if self._search and not self._moving.hit(self._search, self.KEY):
                return Admission("SECONDLY", retry_after_s=self._retry(self._search, True))
            return Admission()
        policy, retry = None, None
        if self._burst and not self._moving.hit(self._burst, self.KEY):
            policy, retry = "TEN_SECONDLY_ROLLING", self._retry(self._burst, True)
        elif self._daily and not self._fixed.hit(self._daily, self.KEY):
            policy, retry = "DAILY", self._retry(self._daily, False)
        if self._secondly:
            self._moving.hit(self._secondly, self.KEY)  # only feeds the legacy -Secondly headers
        return Admission(policy, self._headers(), retry)

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self._burst and self._secondly:
            burst = self._moving.get_window_stats(self._burst, self.KEY).remaining
            secondly = self._moving.get_window_stats(self._secondly, self.KEY).remaining
            headers |= {
                "X-HubSpot-RateLimit-Max": str(self._burst.amount),
                "X-HubSpot-RateLimit-Remaining": str(max(0, burst)),
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                "X-HubSpot-RateLimit-Secondly": str(self._secondly.amount),
                "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, secondly)),
            }
        if self._daily:
            daily = self._fixed.get_window_stats(self._daily, self.KEY).remaining
            headers |= {
                "X-HubSpot-RateLimit-Daily": str(self._daily.amount),
                "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, daily)),
            }
        return headers


def is_search(path: str) -> bool:
    return path.rstrip("/").endswith("/search")


def api_family(path: str) -> str:
    """The API family of a path, for the fault middleware's request counts."""
    path = path.rstrip("/")
    if is_search(path):
        return "search"
    if "/associations" in path:
        return "associations"
    if "/batch/" in path:
        return "batch"
    if path.startswith(("/crm/v3/objects", "/crm/objects/")):
        return "objects"
    return "other"


def fault_responder(limits: HubSpotLimits) -> Callable[[str, Request, FaultSettings], Response]:
    """The injected-fault answers in HubSpot's own shapes (envelope, 429 body and headers)."""

    def respond(kind: str, request: Request, settings: FaultSettings) -> Response:
        cid = str(uuid4())
        headers = {"x-hubspot-correlation-id": cid}
        if kind == "rate_limit":
            search = is_search(request.url.path)
            if not search:
                headers |= {
                    "X-HubSpot-RateLimit-Max": str(limits.burst_per_10s or 100),
                    "X-HubSpot-RateLimit-Remaining": "0",
                    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                }
            if settings.retry_after_s and settings.retry_after_s > 0:
                headers["Retry-After"] = str(math.ceil(settings.retry_after_s))
            policy = "SECONDLY" if search else "TEN_SECONDLY_ROLLING"
            return HubSpotJSON(rate_limit_body(policy, cid), 429, headers=headers)
        status = settings.error_status
        category = CATEGORY_BY_STATUS.get(status, "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR")
        message = "internal error" if status >= 500 else f"The request failed with status {status}."
        return HubSpotJSON(HubSpotError(status, message, category).body(cid), status, headers=headers)

    return respond
