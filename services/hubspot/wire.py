"""HubSpot's answers read: the JSON of a success, or the project's error for a failure, mapped in one place.

Error statuses follow HubSpot's error envelope (`{"status":"error","message",…,"correlationId"}`, with the
`X-HubSpot-Correlation-Id` header); a 429 names the limit hit in `policyName` (TEN_SECONDLY_ROLLING,
SECONDLY for search, DAILY), and HubSpot sends no Retry-After (reference/hubspot-api.md §4).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from services.errors import (
    AuthError,
    BadResponseError,
    NotFoundError,
    RateLimitError,
    RejectedError,
    ServiceError,
    UnavailableError,
)
from services.http import json_of, parse_retry_after
from services.log import redact

SYSTEM = "HubSpot"


def read_body(response: httpx.Response, operation: str, allow_multi_status: bool) -> dict[str, Any]:
    """The JSON body of a successful response, or the project's error for this status."""
    request_id = response.headers.get("x-hubspot-correlation-id")
    if response.status_code < 300 and (response.status_code != 207 or allow_multi_status):
        if response.status_code == 204:
            return {}
        try:
            body = json_of(response)
        except ValueError:
            raise BadResponseError(
                SYSTEM,
                operation,
                "the answer was not valid JSON",
                status=response.status_code,
                request_id=request_id,
            ) from None
        if not isinstance(body, dict):
            raise BadResponseError(
                SYSTEM, operation, "the answer was not a JSON object", request_id=request_id
            )
        return body
    raise error_for(response, operation, request_id)


def error_for(response: httpx.Response, operation: str, request_id: str | None) -> ServiceError:
    """One place that maps a HubSpot status to the project's error, with what to check."""
    status = response.status_code
    try:
        body = json_of(response)
        message = str(body.get("message") or "") if isinstance(body, dict) else ""
    except ValueError:
        body, message = {}, ""
    message = redact(message)[:300]
    where: dict[str, Any] = {"status": status, "request_id": request_id}
    if status == 401:
        text = "HubSpot rejected the token: check the HubSpot token setting"
        return AuthError(SYSTEM, operation, text, **where)
    if status == 403:
        return AuthError(
            SYSTEM, operation, f"the token lacks a scope for this call: {message or 'forbidden'}", **where
        )
    if status == 404:
        return NotFoundError(SYSTEM, operation, message or "not found", **where)
    if status == 429:
        policy = body.get("policyName") if isinstance(body, dict) else None
        policy = str(policy) if policy else None
        return RateLimitError(
            SYSTEM,
            operation,
            message or "rate limit reached",
            retry_after=parse_retry_after(response),
            policy=policy,
            # the daily limit resets at midnight: waiting inside a page load would not help
            retryable=policy != "DAILY",
            **where,
        )
    if status >= 500:
        return UnavailableError(
            SYSTEM,
            operation,
            message or "HubSpot had an internal error",
            retry_after=parse_retry_after(response),
            **where,
        )
    return RejectedError(SYSTEM, operation, message or "the request was refused", **where)


def results(body: Mapping[str, Any], operation: str) -> Iterator[dict[str, Any]]:
    """The `results` of a list, search or batch answer, each checked to carry an id."""
    rows = body.get("results")
    if not isinstance(rows, list):
        raise BadResponseError(SYSTEM, operation, "the answer has no 'results' list")
    for row in rows:
        if not isinstance(row, dict) or ("id" not in row and "from" not in row):
            raise BadResponseError(SYSTEM, operation, "a result has no id")
        yield row


def next_after(body: Mapping[str, Any]) -> str | None:
    """The cursor of the next page (`paging.next.after`), or None on the last page."""
    after = ((body.get("paging") or {}).get("next") or {}).get("after")
    return str(after) if after not in (None, "") else None


def error_keys(problem: Mapping[str, Any], keys: list[str]) -> list[str]:
    """The inputs a batch error names (`context.ids`, or the `objectWriteTraceId`s it echoes), or every
    input of the batch when it names none."""
    context = problem.get("context") or {}
    named: list[Any] = []
    for name in ("ids", "id", "objectWriteTraceId"):
        value = context.get(name)
        if isinstance(value, str):
            named.append(value)
        elif isinstance(value, list):
            named.extend(value)
    found = [str(i) for i in named if str(i) in keys]
    return found or keys
