"""Intuit's OAuth 2.0 server, as the QuickBooks sandbox plays it: consent, tokens, rotation, revocation.

What it imitates (developer.intuit.com, develop/authentication-and-authorization/oauth-2.0; intuit-oauth
1.2.6 `intuitlib/client.py` for the wire shapes):

- a discovery document naming the authorization, token, revocation, userinfo and JWKS endpoints
  (intuit-oauth fetches it when its client is built and reads those six keys);
- `GET /connect/oauth2?client_id&response_type=code&scope&redirect_uri&state`: the consent page. The
  sandbox approves at once, as the company's administrator clicking Connect would, and redirects to the
  registered redirect URI with `code`, `state` and `realmId`; an unregistered redirect URI is refused;
- `POST /oauth2/v1/tokens/bearer`, form-encoded, HTTP Basic client credentials: `authorization_code`
  (a code works once) or `refresh_token`. The answer is `{"token_type": "bearer", "access_token",
  "refresh_token", "expires_in": 3600, "x_refresh_token_expires_in": 8726400}` and no `id_token` (the
  sandbox serves no signing keys). Errors are HTTP 400 `{"error": "invalid_grant"}` (401
  `invalid_client` for wrong app keys) with an `intuit_tid` header;
- refresh tokens rotate: every refresh returns a new one and the one used stops working (Intuit says to
  always keep the newest, since the value changes; the sandbox takes the strict reading, so a client that
  fails to save the new token finds out at once). A grant idle longer than the refresh lifetime expires;
- `POST /oauth2/v1/tokens/revoke` with `{"token": ...}` ends the whole grant, as disconnecting the app in
  QuickBooks does;
- access tokens live `access_ttl_s` (3600 s at Intuit); an expired, revoked or unknown one gets HTTP 401
  with the lower-camel `fault` envelope (code 3200, type AUTHENTICATION), a token without the accounting
  scope HTTP 403 (code 3100), a token of another company HTTP 403 ApplicationAuthorizationFailed.

Grants persist in the sandbox database, so a restarted sandbox still knows the newest refresh token.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sandbox.quickbooks.store import EntityStore

ACCOUNTING = "com.intuit.quickbooks.accounting"
REFRESH_TTL_S = 8_726_400  # 101 days, the x_refresh_token_expires_in of Intuit's samples


@dataclass(frozen=True)
class AppKeys:
    """The sandbox's app and company: what `python -m sandbox env` prints and the tokens it starts with."""

    client_id: str
    client_secret: str
    realm_id: str
    refresh_token: str
    redirect_uris: tuple[str, ...]


def app_keys(seed: int, redirect_uris: tuple[str, ...] = ("http://localhost:8725/callback",)) -> AppKeys:
    """The sandbox app's keys, company id and first refresh token, derived from the seed (so `env` can print
    them without the server)."""
    digest = hashlib.sha256(f"throughline-qbo-sandbox:{seed}".encode()).hexdigest()
    return AppKeys(
        client_id=f"ABqbo{digest[:42]}",
        client_secret=f"{digest[42:]}{digest[:8]}",
        realm_id=str(9130350000000000 + int(digest[:8], 16) % 10_000_000),
        refresh_token=f"AB11{hashlib.sha256(f'refresh:{digest}'.encode()).hexdigest()[:46]}",
        redirect_uris=redirect_uris,
    )


def fault_401(detail: str) -> dict[str, Any]:
    """The 401 body of ej2/python-quickbooks issue #250: lower-camel `fault` inside the response wrapper."""
    return _wrapped("AuthenticationFailed", "003200", 401, "3200", "AUTHENTICATION", detail)


def fault_403(message: str, detail: str | None) -> dict[str, Any]:
    """The 403 body of intuit/oauth-jsclient issue #2 (code 3100, type SERVICE)."""
    return _wrapped(message, "003100", 403, "3100", "SERVICE", detail)


def _wrapped(
    name: str, long_code: str, status: int, code: str, kind: str, detail: str | None
) -> dict[str, Any]:
    error = {"message": f"message={name}; errorCode={long_code}; statusCode={status}", "detail": detail,
             "code": code, "element": None}  # fmt: skip
    return {
        "warnings": None, "intuitObject": None, "fault": {"error": [error], "type": kind}, "report": None,
        "queryResponse": None, "batchItemResponse": [], "attachableResponse": [], "syncErrorResponse": None,
        "requestId": None, "time": int(time.time() * 1000), "status": None, "cdcresponse": [],
    }  # fmt: skip


class OAuthServer:
    """Grants, codes and tokens of the sandbox app."""

    def __init__(self, store: EntityStore, keys: AppKeys, *, access_ttl_s: float = 3600.0) -> None:
        self.store, self.keys, self.access_ttl_s = store, keys, access_ttl_s
        self._lock = threading.Lock()
        self.refreshes = 0
        self._expire_after: int | None = None
        state = store.state("oauth")
        if state is None:
            state = {"grants": {}, "access": {}, "codes": {}, "issued": []}
            self._grant(state, keys.refresh_token, [ACCOUNTING, "openid"])
            store.set_state("oauth", state)
        self._state = state

    def _save(self) -> None:
        self.store.set_state("oauth", self._state)

    def _grant(self, state: dict[str, Any], refresh: str, scopes: list[str]) -> str:
        grant_id = f"g{len(state['grants']) + 1}"
        state["grants"][grant_id] = {
            "realm": self.keys.realm_id, "scopes": scopes, "refresh": refresh, "revoked": False,
            "used_at": time.time(),
        }  # fmt: skip
        state["issued"].append(refresh)
        return grant_id

    def discovery(self, base: str) -> dict[str, Any]:
        """Intuit's discovery document, pointing at this server."""
        return {
            "issuer": f"{base}/op/v1",
            "authorization_endpoint": f"{base}/connect/oauth2",
            "token_endpoint": f"{base}/oauth2/v1/tokens/bearer",
            "userinfo_endpoint": f"{base}/v1/openid_connect/userinfo",
            "revocation_endpoint": f"{base}/oauth2/v1/tokens/revoke",
            "jwks_uri": f"{base}/op/v1/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone", ACCOUNTING],
        }

    def authorize(self, params: dict[str, str]) -> tuple[int, str]:
        """(status, redirect location or error text) for the consent page."""
        if params.get("client_id") != self.keys.client_id:
            return 400, "The client_id is not that of an app on this server."
        redirect = params.get("redirect_uri", "")
        if redirect not in self.keys.redirect_uris:
            return 400, f"The redirect_uri {redirect!r} is not one of the app's redirect URIs."
        if params.get("response_type") != "code":
            return 400, "response_type must be code."
        code = secrets.token_urlsafe(24)
        with self._lock:
            scopes = params.get("scope", "").split()
            self._state["codes"][code] = {"redirect": redirect, "scopes": scopes, "at": time.time()}
            self._save()
        query = urlencode({"code": code, "state": params.get("state", ""), "realmId": self.keys.realm_id})
        return 302, f"{redirect}?{query}"

    def token(self, authorization: str | None, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The token endpoint: (status, JSON body)."""
        if not self._client_ok(authorization):
            return 401, {"error": "invalid_client"}
        grant_type = form.get("grant_type")
        with self._lock:
            state = self._state
            if grant_type == "authorization_code":
                code = state["codes"].pop(form.get("code", ""), None)
                if (
                    code is None
                    or code["redirect"] != form.get("redirect_uri")
                    or time.time() - code["at"] > 300
                ):
                    self._save()
                    return 400, {"error": "invalid_grant"}
                grant_id = self._grant(state, _refresh_token(), code["scopes"])
            elif grant_type == "refresh_token":
                grant_id = self._live_grant(form.get("refresh_token", ""))
                if grant_id is None:
                    return 400, {
                        "error": "invalid_grant",
                        "error_description": "Incorrect or invalid refresh token",
                    }
                grant = state["grants"][grant_id]
                grant["refresh"] = _refresh_token()
                state["issued"].append(grant["refresh"])
                self.refreshes += 1
            else:
                return 400, {"error": "unsupported_grant_type"}
            grant = state["grants"][grant_id]
            grant["used_at"] = time.time()
            access = f"eyJlbmMiOiJBMTI4Q0JDLUhTMjU2{secrets.token_urlsafe(48)}"
            state["access"][access] = {"grant": grant_id, "expires": time.time() + self.access_ttl_s}
            state["issued"].append(access)
            self._save()
        return 200, {
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": grant["refresh"],
            "expires_in": int(self.access_ttl_s),
            "x_refresh_token_expires_in": REFRESH_TTL_S,
        }

    def revoke(self, authorization: str | None, token: str) -> int:
        """Revoke the grant a refresh or access token belongs to: HTTP status."""
        if not self._client_ok(authorization):
            return 401
        with self._lock:
            grant_id = self._live_grant(token) or (self._state["access"].get(token) or {}).get("grant")
            if grant_id is None:
                return 400
            self._state["grants"][grant_id]["revoked"] = True
            self._save()
        return 200

    def check(self, authorization: str | None, realm: str) -> tuple[int, dict[str, Any]] | None:
        """None when the bearer token may read this company; else the error (status, body)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or len(token) < 20:
            return 401, fault_401("Malformed bearer token: too short or too long")
        with self._lock:
            if self._expire_after is not None:
                self._expire_after -= 1
                if self._expire_after < 0:  # the access tokens of the past reached their hour, now
                    for entry in self._state["access"].values():
                        entry["expires"] = min(entry["expires"], time.time())
                    self._expire_after = None
            access = self._state["access"].get(token)
            grant = self._state["grants"].get(access["grant"]) if access else None
            if access is None or grant is None:
                return 401, fault_401("Token invalid")
            if grant["revoked"]:
                return 401, fault_401("Token revoked")
            if access["expires"] <= time.time():
                return 401, fault_401("Token expired")
        if grant["realm"] != realm:
            return 403, fault_403("ApplicationAuthorizationFailed", None)
        if ACCOUNTING not in grant["scopes"]:
            return 403, fault_403("AuthorizationFailed", "The access token does not have sufficient scope")
        return None

    def expire_after(self, requests: int) -> None:
        """Every access token issued so far expires after the next `requests` API requests."""
        with self._lock:
            self._expire_after = requests

    def issued(self) -> list[str]:
        """Every token this server ever issued (for tests that check none leaked)."""
        with self._lock:
            return list(self._state["issued"])

    def current_refresh_token(self) -> str | None:
        """The newest refresh token of the first live grant (for tests)."""
        with self._lock:
            live = [g for g in self._state["grants"].values() if not g["revoked"]]
            return live[-1]["refresh"] if live else None

    def _live_grant(self, refresh: str) -> str | None:
        for grant_id, grant in self._state["grants"].items():
            if grant["refresh"] == refresh and refresh:
                expired = time.time() - grant["used_at"] > REFRESH_TTL_S
                return None if grant["revoked"] or expired else grant_id
        return None

    def _client_ok(self, authorization: str | None) -> bool:
        scheme, _, encoded = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(client_id, self.keys.client_id) and secrets.compare_digest(
            secret, self.keys.client_secret
        )


def _refresh_token() -> str:
    return f"AB11{secrets.token_hex(23)}"
