"""HubSpot's error envelope and JSON responses: what every failure of the sandbox looks like on the wire.

One place builds the envelope (`status`, `message`, `correlationId`, `category`, then `subCategory`,
`context` and `errors` when there are any), the 429 body with its `policyName`, and the
`x-hubspot-correlation-id` header, so that an error raised by a handler, by the gate or by an injected fault
reads as HubSpot's would. See /work/shared/reference/hubspot-api.md, sections 1.6 (the envelope) and 4 (the
429 body).
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from fastapi import Request
from starlette.responses import Response

from sandbox.wire import JSON


class HubSpotJSON(JSON):
    """JSON with HubSpot's exact content type."""

    media_type = "application/json;charset=utf-8"


class HubSpotError(Exception):
    """An error HubSpot would answer with its envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        category: str = "VALIDATION_ERROR",
        *,
        sub_category: str | None = None,
        context: dict[str, list[str]] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.category = status, message, category
        self.sub_category, self.context, self.errors = sub_category, context, errors

    def body(self, correlation_id: str) -> dict[str, Any]:
        """The JSON envelope of this error."""
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
            "category": self.category,
        }
        if self.sub_category:
            body["subCategory"] = self.sub_category
        if self.context:
            body["context"] = self.context
        if self.errors:
            body["errors"] = self.errors
        return body


def not_found(message: str = "resource not found", **context: list[str]) -> HubSpotError:
    """HubSpot's 404 for a record, owner, pipeline or property that does not exist."""
    return HubSpotError(404, message, "OBJECT_NOT_FOUND", context=context or None)


def rate_limit_body(policy: str, correlation_id: str) -> dict[str, Any]:
    """HubSpot's 429 body for a policy: TEN_SECONDLY_ROLLING, SECONDLY or DAILY."""
    message = {
        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        "SECONDLY": "You have reached your secondly limit.",
        "DAILY": "You have reached your daily limit.",
    }[policy]
    return {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id,
        "policyName": policy,
        "requestId": str(uuid4()),
    }


CATEGORY_BY_STATUS = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    409: "CONFLICT",
    429: "RATE_LIMITS",
}


def _correlation_id(request: Request) -> str:
    return getattr(request.state, "correlation_id", None) or str(uuid4())


def error_response(request: Request, error: HubSpotError) -> Response:
    cid = _correlation_id(request)
    return HubSpotJSON(error.body(cid), error.status, headers={"x-hubspot-correlation-id": cid})


def ok(body: Any, status: int = 200) -> Response:
    return HubSpotJSON(body, status)
