"""The server log: structured events (structlog), JSON lines on stderr, and no secret ever written.

Who logs what (one event name per kind, so an operator can filter on `event`):

    startup             the process started: mode (sandbox or live), CRM and ERP adapters, log level
    settings.invalid    the settings were refused at start-up; the message names the setting
    source.read         one read of a source: system, operation (full or incremental), requests, seconds,
                        outcome (ok or failed) and, when failed, the error
    service.retry       one retried call: system, operation, status, the wait before the next attempt
    service.failure     a call that failed for good: system, operation, status, the system's request or
                        correlation id, the error's class and text
    unexpected          an exception Throughline did not foresee, with its traceback (what users are told
                        to find "in the server log")
    write.apply / write.undo / write.create / write.settle
                        every write to the CRM or ERP: who, which batch, how many records and each record's
                        outcome
    finding.accept / finding.unaccept   who accepted which finding, and why
    api.request         one request to the card's API (dashboard/api): method, path, deal, status, seconds,
                        role, request id and, when refused, why
    quickbooks.token_refresh    a QuickBooks access token was refreshed: the company, whether the refresh
                        token rotated (never a token)

Why structlog: a key-value event per line is what log shippers read (JSON when stderr is not a terminal,
readable columns when it is), and its processor chain is the one place the redaction below can sit.

Secrets: every value the settings mark secret is registered here when the settings load (`register_secret`),
and the last processor replaces any registered value, and anything that looks like a credential (a HubSpot
token, a bearer header, a password inside a URL, `key=`/`token=` query values), with `[redacted]` in every
string of the event, tracebacks included. The error messages of `services.errors` are already written
without secrets; this is the second line of defence.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable, MutableMapping
from typing import Any, Literal, TextIO

import structlog

LogFormat = Literal["auto", "json", "console"]
REDACTED = "[redacted]"
_PATTERNS = (  # each keeps group 1 and redacts the rest of the match
    re.compile(r"()pat-[a-z0-9]{2,4}-[0-9a-f-]{8,}", re.IGNORECASE),  # HubSpot private-app tokens
    re.compile(r"(\b(?:bearer|basic|session) )\S+", re.IGNORECASE),  # authorization header values
    re.compile(r"(://[^/\s:@]+:)[^/\s@]+(?=@)"),  # the password of user:password@ inside a URL
    re.compile(r"([?&](?:key|token|api_key|apikey|password|secret|access_token|refresh_token)=)[^&\s]+"),
)
_MIN_SECRET = 4  # shorter values would redact ordinary words
_secrets: set[str] = set()
_lock = threading.Lock()
_configured = False


def register_secret(*values: str | None) -> None:
    """Remember secret values so that no log line ever carries them."""
    with _lock:
        _secrets.update(v for v in values if v and len(v) >= _MIN_SECRET)


def redact(text: str) -> str:
    """`text` with every registered secret and credential-looking value replaced by [redacted]."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return (
            type(value)(_scrub(v) for v in value)
            if not isinstance(value, set)
            else [_scrub(v) for v in value]
        )
    if isinstance(value, BaseException):
        return redact(f"{type(value).__name__}: {value}")
    return value


def _redact_processor(
    _logger: Any, _method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    return {key: _scrub(value) for key, value in event.items()}


class _Stderr:
    """Whatever `sys.stderr` is when a line is written (a test runner swaps it); a failed write never
    fails the work that logged."""

    def write(self, text: str) -> int:
        try:
            return sys.stderr.write(text)
        except (OSError, ValueError):
            return 0

    def flush(self) -> None:
        try:
            sys.stderr.flush()
        except (OSError, ValueError):
            pass

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure(level: str = "INFO", fmt: LogFormat = "auto", stream: TextIO | None = None) -> None:
    """Send Throughline's events to `stream` (stderr): JSON lines, or columns when it is a terminal."""
    global _configured
    _configured = True
    out: Any = stream or _Stderr()
    as_json = fmt == "json" or (fmt == "auto" and not (hasattr(out, "isatty") and out.isatty()))
    renderer: Any = structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            _redact_processor,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(_level_number(level)),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )


def _level_number(level: str) -> int:
    number = logging.getLevelNamesMapping().get(level.strip().upper())
    if number is None:
        raise ValueError(f"log level {level!r} is unknown; use DEBUG, INFO, WARNING or ERROR")
    return number


def get(name: str) -> Any:
    """A logger for one module (its name goes into every event as `component`).

    Until an entrypoint calls `configure`, events go to stderr with the same redaction: structlog's own
    default would print them unredacted to stdout."""
    global _configured
    if not _configured:
        configure()
    return structlog.get_logger(component=name)


def known_secrets() -> Iterable[str]:
    """The registered secrets (for tests that check none leaked)."""
    with _lock:
        return tuple(_secrets)
