"""HubSpot's v3 signature on every request to the API: signed by HubSpot -> answered; anything else -> 401 and
nothing read. The official SDK's helper (`hubspot.utils.signature.Signature`) judges every case the same way.

Each case signs one request as HubSpot would (sandbox/hubspot/signing.py) and then sends it, altered or not.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hubspot.exceptions import InvalidSignatureTimestampError
from hubspot.utils.signature import Signature

from dashboard.api.signature import request_uri, signature, signed_uri, verify
from sandbox.hubspot.signing import signature_v2, signed_headers, v3_uri
from tests.api.conftest import BASE, SECRET, api_settings, requests_to, served
from tests.sandbox_fixture import RunningSandbox

DEAL = "21000000001"
CARD = f"{BASE}/hubspot/deal-card?dealId={DEAL}&userId=7&userEmail=ae%40acme.example&portalId=99&appId=5"
MINUTE_MS = 60_000


@dataclass(frozen=True)
class Call:
    """One request: what is sent, and what HubSpot signed (None: nothing signed, no headers)."""

    method: str
    url: str
    body: bytes = b""


@dataclass(frozen=True)
class Case:
    name: str
    signed: Call | None
    sent: Call
    age_ms: int = 0
    """How long before sending HubSpot signed it."""
    secret: str = SECRET
    timestamp_shift_ms: int = 0
    """Added to the timestamp header after signing (an altered timestamp)."""
    expected: int = 401


GET = Call("GET", CARD)
WITH_BODY = Call("GET", CARD, b'{"note": "signed body"}')
CASES = [
    Case("valid", GET, GET, expected=200),
    Case("valid, 4 minutes old", GET, GET, age_ms=4 * MINUTE_MS, expected=200),
    Case("valid, with a body", WITH_BODY, WITH_BODY, expected=200),
    Case("body altered", WITH_BODY, replace(WITH_BODY, body=b'{"note": "signed bodY"}')),
    Case("body added", GET, replace(GET, body=b"{}")),
    Case("URI altered: another deal", GET, replace(GET, url=CARD.replace(DEAL, "21000000002"))),
    Case("URI altered: another viewer", GET, replace(GET, url=CARD.replace("ae%40", "boss%40"))),
    Case("URI altered: a parameter added", GET, replace(GET, url=CARD + "&dealId=21000000002")),
    Case(
        "URI altered: signed for another host",
        replace(GET, url=CARD.replace(BASE, "https://evil.example")),
        GET,
    ),
    Case("method altered", GET, replace(GET, method="POST")),
    Case("timestamp altered", GET, GET, timestamp_shift_ms=1),
    Case("older than 5 minutes", GET, GET, age_ms=5 * MINUTE_MS + 1_000),
    Case("an hour old", GET, GET, age_ms=60 * MINUTE_MS),
    Case("forged: another secret", GET, GET, secret="not-the-app-secret"),
    Case("unsigned", None, GET),
]


def headers_for(case: Case, now_ms: int) -> dict[str, str]:
    """The signature headers the case's request carries."""
    if case.signed is None:
        return {}
    signed = case.signed
    headers = signed_headers(
        case.secret, signed.method, signed.url, signed.body, timestamp=now_ms - case.age_ms
    )
    stamp = int(headers["X-HubSpot-Request-Timestamp"]) + case.timestamp_shift_ms
    return headers | {"X-HubSpot-Request-Timestamp": str(stamp)}


def sdk_verdict(sent: Call, headers: dict[str, str]) -> bool:
    """The official Python SDK's verdict on the request as received (it leaves the URI decoding to the caller;
    the docs' decoding is applied as the sandbox reads it)."""
    try:
        return Signature.is_valid(
            signature=headers.get("X-HubSpot-Signature-v3", ""),
            client_secret=SECRET,
            request_body=sent.body.decode(),
            http_uri=v3_uri(sent.url),
            http_method=sent.method,
            signature_version="v3",
            timestamp=headers.get("X-HubSpot-Request-Timestamp"),
        )
    except InvalidSignatureTimestampError:
        return False


@pytest.fixture(scope="module")
def api(demo: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = tmp_path_factory.mktemp("signature") / "store.sqlite"
    with served(api_settings(demo, store)) as client:
        yield client


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_service_and_the_official_sdk_agree_on_each_request(api: TestClient, case: Case) -> None:
    now_ms = int(time.time() * 1000)
    headers = headers_for(case, now_ms)
    response = api.request(case.sent.method, case.sent.url, content=case.sent.body or None, headers=headers)
    assert response.status_code == case.expected, response.text
    assert sdk_verdict(case.sent, headers) == (case.expected != 401)
    if case.expected == 401:
        error = response.json()["error"]
        assert error["code"] == "unauthorized"
        assert error["message"].startswith("Not a request signed by HubSpot")
        assert SECRET not in response.text


def test_a_refused_request_reads_nothing(demo: RunningSandbox, tmp_path: Path) -> None:
    # A new API has nothing cached: had a refused request been let through, it would have read both systems.
    with served(api_settings(demo, tmp_path / "store.sqlite")) as cold:
        before = requests_to(demo)
        now_ms = int(time.time() * 1000)
        for case in (c for c in CASES if c.expected == 401):
            sent = case.sent
            response = cold.request(
                sent.method, sent.url, content=sent.body or None, headers=headers_for(case, now_ms)
            )
            assert response.status_code == 401
        assert requests_to(demo) == before
        assert not (tmp_path / "store.sqlite").exists(), "the store was opened for a refused request"


def test_the_public_address_is_what_hubspot_signs_behind_a_proxy(
    demo: RunningSandbox, tmp_path: Path
) -> None:
    public = "https://throughline.acme.example/api"
    settings = api_settings(demo, tmp_path / "store.sqlite", api={"public_url": public + "/"})
    as_hubspot_calls = CARD.replace(BASE, public)
    with served(settings) as behind_proxy:
        signed_public = signed_headers(SECRET, "GET", as_hubspot_calls)
        assert behind_proxy.get(CARD, headers=signed_public).status_code == 200
        signed_local = signed_headers(SECRET, "GET", CARD)
        assert behind_proxy.get(CARD, headers=signed_local).status_code == 401


def test_the_uri_is_hashed_with_the_docs_table_of_characters_decoded() -> None:
    assert signed_uri("https://x.example/a%2Fb?e=ae%40acme.example&t=%3a%20%2B") == (
        "https://x.example/a/b?e=ae@acme.example&t=:%20%2B"
    )
    # the same request, with or without the table's characters encoded, carries the same signature
    encoded = signature(SECRET, "GET", "https://x.example/c?e=ae%40b.example", b"", "1700000000000")
    plain = signature(SECRET, "GET", "https://x.example/c?e=ae@b.example", b"", "1700000000000")
    assert encoded == plain
    assert signature(SECRET, "GET", "https://x.example/c?e=a%20b", b"", "1") != signature(
        SECRET, "GET", "https://x.example/c?e=a b", b"", "1"
    )


def test_the_service_signature_is_the_official_sdks_for_the_same_request() -> None:
    uri, body, stamp = "https://example.com/hubspot/webhook", b'{"eventId":1}', "1700000000000"
    sdk = Signature.get_signature(SECRET, body.decode(), "v3", uri, "POST", stamp)
    assert signature(SECRET, "post", uri, body, stamp) == sdk
    assert verify(SECRET, "POST", uri, body, sdk, stamp, now_ms=1700000000000 + 299_000).valid


def test_the_sandbox_signs_v2_as_hubspots_documented_example() -> None:
    # "v2 request validation", example for a GET request: the docs print this hash.
    docs_secret = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
    assert signature_v2(docs_secret, "GET", "https://www.example.com/webhook_uri", b"") == (
        "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"
    )


def test_verdicts_say_why_a_request_was_refused() -> None:
    now = 1700000000000
    good = signature(SECRET, "GET", CARD, b"", str(now))
    assert verify(SECRET, "GET", CARD, b"", None, str(now), now).reason.startswith("the request lacks")
    assert "milliseconds" in verify(SECRET, "GET", CARD, b"", good, "yesterday", now).reason
    assert "older than 5 minutes" in verify(SECRET, "GET", CARD, b"", good, str(now), now + 300_001).reason
    assert verify(SECRET, "GET", CARD, b"", good, str(now), now + 300_000).valid
    assert "does not match" in verify("other", "GET", CARD, b"", good, str(now), now).reason
    assert request_uri(None, CARD, "/ignored", "x=1") == CARD
    assert request_uri("https://a.example/base", CARD, "/hubspot/deal-card", "dealId=1") == (
        "https://a.example/base/hubspot/deal-card?dealId=1"
    )
