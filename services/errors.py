"""The project's own errors. Service modules raise only these; pages turn them into messages (`explain`).

    ThroughlineError                 anything Throughline itself reports; str() is safe to show and to log
    ├── ConfigError                  a setting is missing or wrong (names the setting to fix)
    ├── InputError                   a person typed something unusable (names the field and what is allowed)
    ├── AccessDenied                 the signed-in person's role does not allow the action; nothing was done
    └── ServiceError                 a call to an outside system failed. Fields:
        │                              system      "HubSpot", "Odoo", "Tryton", "QuickBooks", "store"
        │                              operation   what was being done ("list deals", "read_group ...")
        │                              status      the HTTP status, when there was one
        │                              request_id  the system's request or correlation id, for its support
        │                              detail      the message without the system and operation
        │                              retryable   whether the shared retry policy may try again
        │                              retry_after seconds the system asked to wait (Retry-After), if any
        │                              policy      which of the system's limits was hit (HubSpot's
        │                                          policyName: TEN_SECONDLY_ROLLING, SECONDLY, DAILY)
        │                              outcome_unknown  the request may have reached the system (no answer
        │                                          in time, or the connection dropped after sending): a
        │                                          write may have been applied; settle it by reading back
        │                              hint        what to check, in words (a class attribute)
        ├── AuthError                401/403, wrong login, API key or token, missing scope
        ├── RateLimitError           429 after the retry budget (retryable unless the limit is a daily one)
        ├── UnavailableError         5xx, connection refused or a timeout after the retry budget (retryable)
        ├── NotFoundError            404, or a record that does not exist
        ├── BadResponseError         the system answered something we cannot read (malformed body)
        └── RejectedError            the system refused the request (4xx other than the above)

Every message says what failed and what to check, and never contains a token, key or password.
"""

from __future__ import annotations

from typing import ClassVar


class ThroughlineError(Exception):
    """Base of every error Throughline raises on purpose."""


class ConfigError(ThroughlineError):
    """A setting is missing or wrong; the message names the setting."""


class InputError(ThroughlineError):
    """Input from a person that cannot be used; the message names the field and what is allowed."""


class AccessDenied(ThroughlineError):
    """The signed-in user's role does not allow this action; nothing was done."""


class ServiceError(ThroughlineError):
    """A call to HubSpot, an ERP or the store failed; the fields are drawn in the module docstring."""

    hint: ClassVar[str] = "check that the system is reachable and try again"
    retryable_by_default: ClassVar[bool] = False

    def __init__(
        self,
        system: str,
        operation: str,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
        policy: str | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        self.system = system
        self.operation = operation
        self.status = status
        self.request_id = request_id
        self.detail = message
        self.retryable = self.retryable_by_default if retryable is None else retryable
        self.retry_after = retry_after
        self.policy = policy
        self.outcome_unknown = outcome_unknown
        text = f"{system} {operation} failed"
        if status is not None:
            text += f" ({status})"
        text += f": {message}"
        if request_id:
            text += f" [request id {request_id}]"
        super().__init__(text)


class AuthError(ServiceError):
    hint = "check the credentials in the settings"


class RateLimitError(ServiceError):
    hint = "the system's rate limit was reached; wait a minute or lower the request rate setting"
    retryable_by_default = True


class UnavailableError(ServiceError):
    hint = "check that the system is up and reachable from this server"
    retryable_by_default = True


class NotFoundError(ServiceError):
    hint = "check the record's ID"


class BadResponseError(ServiceError):
    hint = "the system sent something unreadable; try again, and report it if it persists"


class RejectedError(ServiceError):
    hint = "the system refused the request; see its message"


def explain(error: BaseException) -> str:
    """A message a person can act on: what failed and what to check. Never a traceback or a secret: the
    messages are written without them, and anything credential-like that slipped in (a URL's
    user:password@, a token) is redacted here as well."""
    from services.log import redact  # the log's redaction, the same rules for pages as for log lines

    if isinstance(error, ServiceError):
        return redact(f"{error} — {error.hint}.")
    if isinstance(error, ThroughlineError):
        return redact(str(error))
    return f"unexpected {type(error).__name__}; the details are in the server log (event 'unexpected')"
