"""A small OpenID Connect provider on 127.0.0.1 for the sign-in browser test.

It speaks just enough of the authorization-code flow for Streamlit's st.login (Authlib) and st.logout:
discovery, an authorize endpoint that signs the fixed user in at once and redirects back with a code, a
token endpoint that checks the client and the code and issues an RS256 ID token (signed with a key made at
start), the JWKS, userinfo and an end-session endpoint. It records what was called, so a test can check
that sign-out reached the provider.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.server import free_port


@dataclass
class FakeIdP:
    client_id: str
    client_secret: str
    user: dict[str, Any]
    """The claims of the one person this provider signs in (email, name, ...)."""
    port: int = field(default_factory=free_port)
    calls: list[str] = field(default_factory=list)
    _key: RSAKey = field(init=False)
    _codes: dict[str, dict[str, Any]] = field(default_factory=dict, init=False)
    _tokens: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self._key = RSAKey.generate_key(2048, parameters={"kid": "fake-idp-1", "use": "sig", "alg": "RS256"})

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
                Route("/userinfo", self.userinfo),
                Route("/logout", self.end_session),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        self.calls.append("discovery")
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "end_session_endpoint": f"{self.issuer}/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            }
        )

    async def authorize(self, request: Request) -> Response:
        """Sign the fixed user in without a form and send the browser back with a one-time code."""
        self.calls.append("authorize")
        q = request.query_params
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return PlainTextResponse("unknown client or response type", status_code=400)
        code = secrets.token_urlsafe(16)
        self._codes[code] = {"redirect_uri": q.get("redirect_uri"), "nonce": q.get("nonce")}
        query = urlencode({"code": code, "state": q.get("state") or ""})
        return RedirectResponse(f"{q['redirect_uri']}?{query}", status_code=302)

    async def token(self, request: Request) -> Response:
        """Exchange a code for tokens, after checking the client's secret and the redirect URI."""
        self.calls.append("token")
        form = await request.form()
        client_id, client_secret = _client_credentials(request, form)
        if (client_id, client_secret) != (self.client_id, self.client_secret):
            return JSONResponse({"error": "invalid_client"}, status_code=401)
        grant = self._codes.pop(str(form.get("code")), None)
        if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": "fake-user-1",
            "iat": now,
            "exp": now + 3600,
            "auth_time": now,
            **({"nonce": grant["nonce"]} if grant["nonce"] else {}),
            **self.user,
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "fake-idp-1"}, claims, self._key)
        access_token = secrets.token_urlsafe(24)
        self._tokens.add(access_token)
        return JSONResponse(
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "id_token": id_token,
                "scope": "openid email profile",
            }
        )

    async def jwks(self, request: Request) -> Response:
        self.calls.append("jwks")
        return JSONResponse({"keys": [self._key.as_dict(private=False)]})

    async def userinfo(self, request: Request) -> Response:
        self.calls.append("userinfo")
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self._tokens:
            return JSONResponse({"error": "invalid_token"}, status_code=401)
        return JSONResponse({"sub": "fake-user-1", **self.user})

    async def end_session(self, request: Request) -> Response:
        """OIDC RP-initiated logout: forget the tokens and return to the app's post-logout URI."""
        self.calls.append("end_session")
        self._tokens.clear()
        target = request.query_params.get("post_logout_redirect_uri")
        if not target:
            return PlainTextResponse("signed out")
        return RedirectResponse(target, status_code=302)


def _client_credentials(request: Request, form: Any) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return unquote(user), unquote(password)
    return form.get("client_id"), form.get("client_secret")


@contextmanager
def running_idp(client_id: str, client_secret: str, user: dict[str, Any]) -> Iterator[FakeIdP]:
    """The fake provider served by uvicorn in a thread until the block ends."""
    idp = FakeIdP(client_id=client_id, client_secret=client_secret, user=user)
    server = uvicorn.Server(
        uvicorn.Config(idp.app(), host="127.0.0.1", port=idp.port, log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the fake OIDC provider did not start")
        time.sleep(0.05)
    try:
        yield idp
    finally:
        server.should_exit = True
        thread.join(timeout=10)
