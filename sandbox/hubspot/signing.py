"""HubSpot's side of a signed call: sign a request to an app's backend as HubSpot does, and make the call.

HubSpot signs every request it sends to an app's backend (an app card's `hubspot.fetch`, a webhook, a
workflow action) with the app's client secret, so the backend can tell it came from HubSpot:

* v3, per the developer changelog "Introducing version 3 of webhook signatures"
  (https://developers.hubspot.com/changelog/introducing-version-3-of-webhook-signatures) and "Validating
  requests" (https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/
  request-validation): `X-HubSpot-Request-Timestamp` is the time in milliseconds, and
  `X-HubSpot-Signature-v3` is base64(HMAC-SHA256(client secret, UTF-8 of method + URI + body + timestamp)).
  The URI is the full URL called, with the characters of the page's table decoded (`V3_DECODED` below: a
  receiver decodes them before hashing, so HubSpot's hash is over the decoded form). The receiver refuses a
  timestamp older than 5 minutes.
* v2 alongside, "for backwards compatibility" (same page; "v2 request validation",
  https://developers.hubspot.com/docs/faq/v2-request-validation): `X-HubSpot-Signature` is
  sha256hex(client secret + method + URI + body), with `X-HubSpot-Signature-Version: v2`.

For an app card, the card's own URL carries what the card sends (`dealId`, and `contacts`: the deal's
contacts with their association type ids, which the card reads with HubSpot's `useAssociations`;
`seen_contacts` gets them from the sandbox as HubSpot's front end gives them to the card); HubSpot appends
who is viewing and where: `userId`, `userEmail`, `portalId`, `appId` (the legacy CRM-card fetch documents
`userId, userEmail, associatedObjectId, associatedObjectType, portalId`; /work/shared/reference/hubspot-api.md
§5).
The local `hs project dev` proxy signs the same way with `@hubspot/api-client`'s Signature.getSignature.

`python -m sandbox.hubspot.signing card --api http://127.0.0.1:8502 --deal 21000000001 [--crm
http://127.0.0.1:8001]` plays HubSpot opening a deal's card (with `--crm`, sending the contacts as the card
does); `call_card` does the same for a test. This file does not share code with the API's check
(dashboard/api/signature.py), on purpose: two readings of the same documentation.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import sys
import time
from urllib.parse import urlencode

import httpx

SANDBOX_SECRET = "sandbox-app-secret"
"""The client secret of the sandbox's app (THROUGHLINE_SANDBOX__APP_CLIENT_SECRET's default)."""
V3_DECODED = (
    ("%3A", ":"), ("%2F", "/"), ("%3F", "?"), ("%40", "@"), ("%21", "!"), ("%24", "$"),
    ("%27", "'"), ("%28", "("), ("%29", ")"), ("%2A", "*"), ("%2C", ","), ("%3B", ";"),
)  # fmt: skip
"""The encoded characters the v3 steps list for decoding in the URI, with what each stands for."""


def now_ms() -> int:
    """The time as HubSpot puts it in X-HubSpot-Request-Timestamp: milliseconds since the epoch."""
    return int(time.time() * 1000)


def v3_uri(url: str) -> str:
    """The URL as HubSpot hashes it for v3: the table's encoded characters decoded."""
    for encoded, character in V3_DECODED:
        url = url.replace(encoded, character).replace(encoded.lower(), character)
    return url


def signature_v3(secret: str, method: str, url: str, body: bytes, timestamp: int) -> str:
    """X-HubSpot-Signature-v3 of one request."""
    source = method.upper().encode() + v3_uri(url).encode() + body + str(timestamp).encode()
    return base64.b64encode(hmac.new(secret.encode(), source, hashlib.sha256).digest()).decode()


def signature_v2(secret: str, method: str, url: str, body: bytes) -> str:
    """X-HubSpot-Signature (version v2) of one request."""
    return hashlib.sha256(secret.encode() + method.upper().encode() + url.encode() + body).hexdigest()


def signed_headers(
    secret: str, method: str, url: str, body: bytes = b"", *, timestamp: int | None = None
) -> dict[str, str]:
    """The headers HubSpot adds to a request to an app's backend (v3, and v2 for backwards compatibility)."""
    stamp = now_ms() if timestamp is None else timestamp
    return {
        "X-HubSpot-Request-Timestamp": str(stamp),
        "X-HubSpot-Signature-v3": signature_v3(secret, method, url, body, stamp),
        "X-HubSpot-Signature": signature_v2(secret, method, url, body),
        "X-HubSpot-Signature-Version": "v2",
    }


CARD_PAGE_LENGTH = 100
"""The contacts the card asks HubSpot for at once (ProjectCard.jsx `CONTACTS_PAGE_LENGTH`)."""


def seen_contacts(crm_url: str, deal_id: str | int, *, client: httpx.Client | None = None) -> str | None:
    """The `contacts` the card sends for a deal (ProjectCard.jsx `seenContacts`): each contact HubSpot's
    front end lists for the deal's `useAssociations`, as its id and type ids joined by `.`, joined by `_`;
    None when HubSpot says more follow (the card then sends none). Read on the sandbox's control path,
    uncounted: HubSpot reads it for the viewer, not with the app's token (sandbox/hubspot/associations.py
    `card_associations`)."""
    url = f"{crm_url.rstrip('/')}/__sandbox__/ui-extensions/deals/{deal_id}/associations/contacts"
    params = {"pageLength": str(CARD_PAGE_LENGTH), "properties": "firstname,lastname,email"}
    own = client or httpx.Client(timeout=30)
    try:
        answer = own.get(url, params=params)
    finally:
        if client is None:
            own.close()
    answer.raise_for_status()
    body = answer.json()
    if body["hasMore"]:
        return None
    return "_".join(
        ".".join([str(r["toObjectId"]), *(str(t["typeId"]) for t in r["associationTypes"])])
        for r in body["results"]
    )


def card_url(
    api: str,
    deal_id: str | int,
    *,
    contacts: str | None = None,
    user_email: str | None = "demo@throughline.local",
    user_id: int = 1,
    portal_id: int = 1,
    app_id: int = 1,
    path: str = "/hubspot/deal-card",
) -> str:
    """The deal card's URL as HubSpot calls it: the card's `dealId`, then HubSpot's viewer and portal."""
    params: list[tuple[str, str]] = [("dealId", str(deal_id))]
    if contacts is not None:
        params.append(("contacts", contacts))
    params.append(("userId", str(user_id)))
    if user_email is not None:
        params.append(("userEmail", user_email))
    params += [("portalId", str(portal_id)), ("appId", str(app_id))]
    return f"{api.rstrip('/')}{path}?{urlencode(params)}"


def call(
    method: str,
    url: str,
    secret: str,
    body: bytes = b"",
    *,
    timestamp: int | None = None,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """Send one request signed as HubSpot signs it (the URL is sent exactly as given)."""
    headers = signed_headers(secret, method, url, body, timestamp=timestamp)
    if body:
        headers["Content-Type"] = "application/json"
    if client is not None:
        return client.request(method, url, content=body or None, headers=headers)
    with httpx.Client(timeout=60) as own:
        return own.request(method, url, content=body or None, headers=headers)


def call_card(
    api: str,
    deal_id: str | int,
    *,
    secret: str = SANDBOX_SECRET,
    user_email: str | None = "demo@throughline.local",
    contacts: str | None = None,
    client: httpx.Client | None = None,
) -> httpx.Response:
    """HubSpot opening one deal's card: the signed GET the card's `hubspot.fetch` makes (`contacts`: what the
    card sends of the deal's contacts, `seen_contacts`)."""
    url = card_url(api, deal_id, user_email=user_email, contacts=contacts)
    return call("GET", url, secret, client=client)


def main(argv: list[str] | None = None) -> int:
    """`card`: call the card's API for one deal as HubSpot would and print the answer."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.hubspot.signing", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    card = commands.add_parser("card", help="open one deal's card as HubSpot would")
    card.add_argument("--api", default="http://127.0.0.1:8502", help="the API's address")
    card.add_argument("--deal", required=True, help="the HubSpot deal id")
    card.add_argument("--email", default="demo@throughline.local", help="the viewer HubSpot names")
    card.add_argument("--secret", default=SANDBOX_SECRET, help="the app's client secret")
    card.add_argument(
        "--crm", help="the HubSpot sandbox's address: send the deal's contacts as the card does"
    )
    args = parser.parse_args(argv)
    contacts = seen_contacts(args.crm, args.deal) if args.crm else None
    response = call_card(args.api, args.deal, secret=args.secret, user_email=args.email, contacts=contacts)
    print(f"HTTP {response.status_code}", file=sys.stderr)  # noqa: T201
    try:
        print(json.dumps(response.json(), indent=2, ensure_ascii=False))  # noqa: T201
    except ValueError:
        print(response.text)  # noqa: T201
    return 0 if response.is_success else 1


if __name__ == "__main__":
    sys.exit(main())
