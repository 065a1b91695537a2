"""The project's own errors. Service modules raise only these; pages turn them into messages.

    ThroughlineError                 anything Throughline itself reports
    ├── ConfigError                  a setting is missing or wrong (names the setting to fix)
    ├── InputError                   a person typed something unusable (names the field and what is allowed)
    └── ServiceError                 a call to an outside system failed; carries system, operation,
        │                            status and the system's request id
        ├── AuthError                401/403, wrong login, API key or token
        ├── RateLimitError           429 after the retry budget
        ├── UnavailableError         5xx, connection refused or a timeout after the retry budget
        ├── NotFoundError            404, or a record that does not exist
        ├── BadResponseError         the system answered something we cannot read (malformed body)
        └── RejectedError            the system refused the request (4xx other than the above)

Every message says what failed and what to check, and never contains a token, key or password:
`str(error)` is safe to show on a page or write to a log.
"""

from __future__ import annotations


class ThroughlineError(Exception):
    """Base of every error Throughline raises on purpose."""


class ConfigError(ThroughlineError):
    """A setting is missing or wrong; the message names the setting."""


class InputError(ThroughlineError):
    """Input from a person that cannot be used; the message names the field and what is allowed."""


class ServiceError(ThroughlineError):
    """A call to HubSpot, Odoo, Tryton or the store failed."""

    hint = "check that the system is reachable and try again"

    def __init__(
        self,
        system: str,
        operation: str,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.system = system
        self.operation = operation
        self.status = status
        self.request_id = request_id
        self.detail = message
        parts = [f"{system} {operation} failed"]
        if status is not None:
            parts[0] += f" ({status})"
        parts.append(message)
        text = ": ".join(parts)
        if request_id:
            text += f" [request id {request_id}]"
        super().__init__(text)


class AuthError(ServiceError):
    hint = "check the credentials in the settings"


class RateLimitError(ServiceError):
    hint = "the system's rate limit was reached; wait a minute or lower the request rate setting"


class UnavailableError(ServiceError):
    hint = "check that the system is up and reachable from this server"


class NotFoundError(ServiceError):
    hint = "check the record's ID"


class BadResponseError(ServiceError):
    hint = "the system sent something unreadable; try again, and report it if it persists"


class RejectedError(ServiceError):
    hint = "the system refused the request; see its message"


class AccessDenied(ThroughlineError):
    """The signed-in user's role does not allow this action; nothing was done."""
