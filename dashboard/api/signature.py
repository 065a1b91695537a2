"""HubSpot's v3 request signature, checked before the API reads anything.

HubSpot signs every request an app card's `hubspot.fetch` (and a webhook) sends to the app's backend: it adds
`X-HubSpot-Request-Timestamp` (milliseconds since the epoch) and `X-HubSpot-Signature-v3`, the base64 of an
HMAC-SHA256, keyed with the app's client secret, over `method + URI + body + timestamp` in UTF-8. The receiver
refuses a timestamp older than five minutes and compares in constant time. Sources: the developer changelog
"Introducing version 3 of webhook signatures"
(https://developers.hubspot.com/changelog/introducing-version-3-of-webhook-signatures) and "Validating
requests" (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation),
whose v3 steps also say which percent-encoded characters of the URI to decode first (`DECODED` below).

The URI is the whole address HubSpot called: scheme, host, path and query, as sent. Behind a reverse proxy
the API sees another address than HubSpot called, so the public one comes from the settings
(THROUGHLINE_API__PUBLIC_URL); unset, the address as received is used (local development, where `hs project
dev` signs the local address it forwards to).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
MAX_AGE_MS = 5 * 60 * 1000
"""HubSpot: "Reject the request if the timestamp is older than 5 minutes"."""

DECODED = {
    "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$",
    "%27": "'", "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";",
}  # fmt: skip
"""The encoded characters the v3 steps say to decode in the URI before hashing (the docs' table); any other
escape, such as %20 or %2B, stays as it was sent."""
_ESCAPE = re.compile("|".join(re.escape(code) for code in DECODED), re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """Whether a request carries a valid v3 signature and, when not, why (said to the caller and logged)."""

    valid: bool
    reason: str = ""


def signed_uri(uri: str) -> str:
    """The URI as HubSpot hashes it: the characters of `DECODED` decoded, every other escape kept."""
    return _ESCAPE.sub(lambda match: DECODED[match.group(0).upper()], uri)


def request_uri(public_url: str | None, received_url: str, raw_path: str, query: str) -> str:
    """The address HubSpot called: the public base URL with the received path and query, else as received."""
    if public_url is None:
        return received_url
    return f"{public_url.rstrip('/')}{raw_path}" + (f"?{query}" if query else "")


def signature(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """The v3 signature of one request: base64(HMAC-SHA256(secret, method + URI + body + timestamp))."""
    message = f"{method.upper()}{signed_uri(uri)}".encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def verify(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature_header: str | None,
    timestamp_header: str | None,
    now_ms: int,
) -> Verdict:
    """HubSpot's request or not: both headers, a timestamp at most 5 minutes old, an equal signature."""
    if not signature_header or not timestamp_header:
        return Verdict(False, f"the request lacks {SIGNATURE_HEADER} or {TIMESTAMP_HEADER}")
    if not timestamp_header.isascii() or not timestamp_header.isdigit():
        return Verdict(False, f"{TIMESTAMP_HEADER} is not a time in milliseconds")
    # One-sided, as HubSpot's steps and its SDKs: a timestamp from the future is covered by the signature,
    # so only HubSpot could have sent it.
    if now_ms - int(timestamp_header) > MAX_AGE_MS:
        return Verdict(False, "the signature is older than 5 minutes (or this server's clock is wrong)")
    expected = signature(secret, method, uri, body, timestamp_header).encode()
    if not hmac.compare_digest(expected, signature_header.encode("utf-8", "replace")):
        return Verdict(False, "the signature does not match (check THROUGHLINE_HUBSPOT__APP_CLIENT_SECRET)")
    return Verdict(True)
