"""QuickBooks Online's error answers read and named: the `Fault` envelope in all three shapes Intuit sends.

Intuit answers an error with a `Fault` holding `Error[]` items (`Message`, `Detail`, `code` as a string,
`element`) and a `type` (developer.intuit.com, develop/troubleshooting/handling-common-errors). Real
traffic carries three shapes, and a client must read each:

- JSON with a capital `Fault` (400 validation errors, and sometimes inside a 200 answer: "200 OK ... the
  response body may contain a <Fault> element", develop/troubleshooting/error-codes);
- JSON with a lower-camel `fault.error[]` inside the entity-response wrapper (401 "AuthenticationFailed;
  errorCode=003200" and 403 "AuthorizationFailed; errorCode=003100"; ej2/python-quickbooks issues #250,
  #118, intuit/oauth-jsclient #2);
- XML `<IntuitResponse><Fault type="SERVICE"><Error code="3001">` for throttling, whatever the Accept
  header (ruckus/quickbooks-ruby #348, intuit/QuickBooks-V3-PHP-SDK #54, ej2/python-quickbooks #43).

`error_for` maps one answer to one of the project's errors, in this one place. The HTTP status decides
first (a 429 is throttling whatever its body says), then Intuit's code. Messages quote Intuit's own words
(they never carry a token) and say what to do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from xml.etree import ElementTree

from services.errors import (
    AuthError,
    BadResponseError,
    NotFoundError,
    RateLimitError,
    RejectedError,
    ServiceError,
    UnavailableError,
)

SYSTEM = "QuickBooks"
RECONNECT = "reconnect QuickBooks: run python -m dashboard connect quickbooks"
THROTTLE_POLICY = "ThrottleExceeded"
"""The `policy` of a throttled request; Intuit says to wait 60 seconds before retrying (learn/limits-and-
throttles), which the client's policy waits apply."""
THROTTLE_CODES = {"3001", "003001"}
SCOPE_CODES = {"3100", "003100"}
NOT_FOUND_CODES = {"610"}
CDC_WINDOW_WORDS = (
    "older than"  # "Operation cdc with changedSince date ... older than fixed days is not supported"
)
_NAMESPACE = re.compile(r"^\{[^}]*\}")


@dataclass(frozen=True)
class Fault:
    """The first error of an Intuit `Fault` (the one python-quickbooks and Intuit's SDKs act on)."""

    code: str
    type: str
    message: str
    detail: str


class AccessTokenRejected(AuthError):
    """HTTP 401: the access token expired or was revoked; the transport refreshes it once and retries."""

    hint = RECONNECT


class ReconnectRequired(AuthError):
    """The saved connection cannot be used any more (refresh token revoked, expired or never saved)."""

    hint = "an administrator runs `python -m dashboard connect quickbooks` and approves the app again"


class InsufficientScope(AuthError):
    """HTTP 403 (code 3100): the connection does not grant what the request needs."""

    hint = RECONNECT + ", approving access to the company's accounting data"


class CdcWindowExceeded(RejectedError):
    """The change-data-capture window (30 days) is exceeded: read everything instead."""


def parse_fault(text: str) -> Fault | None:
    """The first error of a Fault in any of Intuit's three shapes; None when the body holds none."""
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return _xml_fault(stripped)
    try:
        body = json.loads(stripped)
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    envelope = body.get("Fault") or body.get("fault")
    if not isinstance(envelope, dict):
        return None
    errors = envelope.get("Error") or envelope.get("error") or []
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    return Fault(
        code=str(first.get("code") or ""),
        type=str(envelope.get("type") or ""),
        message=str(first.get("Message") or first.get("message") or ""),
        detail=str(first.get("Detail") or first.get("detail") or ""),
    )


def _xml_fault(text: str) -> Fault | None:
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None
    nodes = {_NAMESPACE.sub("", node.tag): node for node in root.iter()}
    fault, error = nodes.get("Fault"), nodes.get("Error")
    if fault is None:
        return None

    def text_of(tag: str) -> str:
        node = nodes.get(tag)
        return (node.text or "").strip() if node is not None else ""

    return Fault(
        code=error.get("code", "") if error is not None else "",
        type=fault.get("type", ""),
        message=text_of("Message"),
        detail=text_of("Detail"),
    )


def error_for(
    operation: str,
    status: int,
    text: str,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> ServiceError:
    """The project's error for one QuickBooks answer that failed (status >= 400, or a 200 with a Fault)."""
    fault = parse_fault(text)
    words = _words(fault)
    if status == 429 or (fault is not None and fault.code in THROTTLE_CODES):
        return RateLimitError(
            SYSTEM,
            operation,
            f"QuickBooks is throttling this company's requests ({words or 'ThrottleExceeded'}); Intuit "
            "allows 500 requests a minute and 10 at a time per company, for all apps together",
            policy=THROTTLE_POLICY,
            retry_after=retry_after,
            status=status,
            request_id=request_id,
        )
    if status == 401:
        return AccessTokenRejected(
            SYSTEM,
            operation,
            f"QuickBooks rejected the access token ({words or 'AuthenticationFailed'})",
            status=status,
            request_id=request_id,
        )
    if status == 403 or (fault is not None and fault.code in SCOPE_CODES):
        if "ApplicationAuthorizationFailed" in words:
            return AuthError(
                SYSTEM,
                operation,
                f"QuickBooks refused the app for this company ({words}): a development (sandbox) "
                "connection was used on a production company or the reverse; check "
                "THROUGHLINE_QUICKBOOKS__ENVIRONMENT and the company ID",
                status=status,
                request_id=request_id,
            )
        return InsufficientScope(
            SYSTEM,
            operation,
            f"the QuickBooks connection is not allowed to read this ({words or 'AuthorizationFailed'}): it "
            "lacks the accounting scope (com.intuit.quickbooks.accounting) or the user who connected lost "
            f"access; {RECONNECT}",
            status=status,
            request_id=request_id,
        )
    if status == 404 or (fault is not None and fault.code in NOT_FOUND_CODES):
        return NotFoundError(
            SYSTEM,
            operation,
            f"QuickBooks has no such record ({words or 'not found'})",
            status=status,
            request_id=request_id,
        )
    if status >= 500:
        return UnavailableError(
            SYSTEM,
            operation,
            f"QuickBooks had an error ({words or f'HTTP {status}'})",
            status=status,
            request_id=request_id,
        )
    if fault is None:
        return BadResponseError(
            SYSTEM,
            operation,
            "QuickBooks answered with a body that is not a Fault",
            status=status,
            request_id=request_id,
        )
    if CDC_WINDOW_WORDS in fault.detail:
        return CdcWindowExceeded(
            SYSTEM, operation, f"QuickBooks: {words}", status=status, request_id=request_id
        )
    return RejectedError(
        SYSTEM, operation, f"QuickBooks refused the request: {words}", status=status, request_id=request_id
    )


def _words(fault: Fault | None) -> str:
    """Intuit's code, message and detail in one phrase (they never carry a token)."""
    if fault is None:
        return ""
    parts = [p for p in (fault.message, fault.detail) if p]
    text = "; ".join(parts)[:300]
    return f"code {fault.code}: {text}" if fault.code else text
