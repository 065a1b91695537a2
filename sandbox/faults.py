"""Injected faults for tests and benchmarks: latency, errors, 429 bursts, timeouts, malformed bodies.

Set at start (`python -m sandbox serve --latency-ms 50 ...`) or at run time through the control path
`/__sandbox__/faults` on either server, which is plainly not part of HubSpot's or Odoo's API:

    GET  /__sandbox__/faults            -> the current settings
    POST /__sandbox__/faults  {...}     -> replace some of them (fields as in `FaultSettings`)
    POST /__sandbox__/faults/reset      -> back to no faults
    GET  /__sandbox__/stats             -> requests counted per API path family since the last reset
    POST /__sandbox__/stats/reset

Counts ("the next N requests fail") are exact and thread-safe, so a test can ask for precisely three 429s.
Rates (`error_rate`, `malformed_rate`) draw from a seeded generator, so a benchmark is repeatable.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections import Counter
from typing import Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

CONTROL_PREFIX = "/__sandbox__"


class FaultSettings(BaseModel):
    latency_ms: float = Field(0, ge=0, description="added to every API request")
    error_rate: float = Field(0, ge=0, le=1, description="share of API requests answered with error_status")
    error_status: int = 500
    fail_next: int = Field(0, ge=0, description="the next N API requests get error_status")
    rate_limit_next: int = Field(0, ge=0, description="the next N API requests get a 429 burst response")
    retry_after_s: float | None = Field(None, description="send Retry-After on injected 429s")
    timeout_next: int = Field(0, ge=0, description="the next N API requests hang for hang_s, then 504")
    late_next: int = Field(
        0,
        ge=0,
        description="the next N API requests are carried out, then answered only after hang_s (a write that "
        "landed although the caller timed out)",
    )
    hang_s: float = 30.0
    malformed_next: int = Field(0, ge=0, description="the next N API requests get a body that is not JSON")
    malformed_rate: float = Field(0, ge=0, le=1)
    path_contains: str | None = Field(None, description="only requests whose path contains this")
    batch_fail_ids: list[str] = Field(
        default_factory=list, description="HubSpot batch writes fail these record ids with a 207"
    )


class Faults:
    """The live fault settings of one server, shared by its middleware and its routes."""

    def __init__(self, settings: FaultSettings | None = None, seed: int = 7) -> None:
        self._lock = threading.Lock()
        self.settings = settings or FaultSettings()
        self._rng = random.Random(seed)
        self.stats: Counter[str] = Counter()

    def update(self, changes: dict[str, Any]) -> FaultSettings:
        with self._lock:
            merged = self.settings.model_dump() | changes
            self.settings = FaultSettings.model_validate(merged)
            return self.settings

    def reset(self) -> None:
        with self._lock:
            self.settings = FaultSettings()

    def take(self, path: str) -> str | None:
        """Decide the fault for one request: None, 'error', 'rate_limit', 'timeout', 'late' or
        'malformed'."""
        with self._lock:
            s = self.settings
            if s.path_contains and s.path_contains not in path:
                return None
            if s.rate_limit_next > 0:
                s.rate_limit_next -= 1
                return "rate_limit"
            if s.timeout_next > 0:
                s.timeout_next -= 1
                return "timeout"
            if s.late_next > 0:
                s.late_next -= 1
                return "late"
            if s.fail_next > 0:
                s.fail_next -= 1
                return "error"
            if s.malformed_next > 0:
                s.malformed_next -= 1
                return "malformed"
            if s.error_rate and self._rng.random() < s.error_rate:
                return "error"
            if s.malformed_rate and self._rng.random() < s.malformed_rate:
                return "malformed"
            return None

    def count(self, family: str) -> None:
        with self._lock:
            self.stats[family] += 1

    def reset_stats(self) -> None:
        with self._lock:
            self.stats.clear()


class FaultMiddleware:
    """ASGI middleware: applies latency and faults to every request outside the control path.

    `error_response(kind, request)` is supplied by each server so that an injected error looks like that
    system's own error (HubSpot's envelope, Odoo's JSON-RPC error).
    """

    def __init__(self, app: ASGIApp, faults: Faults, error_response: Any, family: Any) -> None:
        self.app = app
        self.faults = faults
        self.error_response = error_response
        self.family = family

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        self.faults.count(self.family(path))
        settings = self.faults.settings
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000)
        kind = self.faults.take(path)
        if kind is None:
            await self.app(scope, receive, send)
            return
        if kind == "late":
            # Not a vendor behaviour but the network's: the request reaches the system and is carried out
            # (a batch update lands), and its answer arrives after the caller stopped waiting. The answer
            # is held back whole, then sent.
            held: list[Any] = []

            async def hold(message: Any) -> None:
                held.append(message)

            await self.app(scope, receive, hold)
            await asyncio.sleep(settings.hang_s)
            for message in held:
                await send(message)
            return
        request = Request(scope, receive)
        if kind == "timeout":
            await asyncio.sleep(settings.hang_s)
            response: Response = JSONResponse({"message": "gateway timeout"}, status_code=504)
        elif kind == "malformed":
            response = Response(
                b'{"results": [{"id": "1", "properties": {"amount": "12', media_type="application/json"
            )
        else:
            response = self.error_response(kind, request, settings)
        await response(scope, receive, send)


def add_control_routes(app: Any, faults: Faults) -> None:
    """Mount the `/__sandbox__/` control routes on a FastAPI app."""

    @app.get(CONTROL_PREFIX + "/faults", include_in_schema=False)
    def get_faults() -> dict[str, Any]:
        return faults.settings.model_dump()

    @app.post(CONTROL_PREFIX + "/faults", include_in_schema=False)
    def set_faults(changes: dict[str, Any]) -> dict[str, Any]:
        return faults.update(changes).model_dump()

    @app.post(CONTROL_PREFIX + "/faults/reset", include_in_schema=False)
    def reset_faults() -> dict[str, Any]:
        faults.reset()
        return faults.settings.model_dump()

    @app.get(CONTROL_PREFIX + "/stats", include_in_schema=False)
    def get_stats() -> dict[str, int]:
        return dict(faults.stats)

    @app.post(CONTROL_PREFIX + "/stats/reset", include_in_schema=False)
    def reset_stats() -> dict[str, int]:
        faults.reset_stats()
        return {}
