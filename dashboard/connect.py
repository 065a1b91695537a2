"""`python -m dashboard connect quickbooks`: connect a QuickBooks Online company, once, by an administrator.

Intuit's authorization-code flow with its own intuit-oauth library (developer.intuit.com, develop/
authentication-and-authorization/oauth-2.0): the command prints (and opens) Intuit's consent page for the
app's keys and the accounting scope; the administrator signs in, picks the company and approves; Intuit
sends the browser back to the app's redirect URI (THROUGHLINE_QUICKBOOKS__REDIRECT_URI, registered on
developer.intuit.com). Intuit accepts http://localhost only for development keys (develop/authentication-
and-authorization/set-redirect-uri): there this command listens for that one request itself. Production
keys need an https address; the browser lands there (it needs to serve nothing) and the administrator
pastes the address it landed on. Either way the command checks the `state` it sent (so no other page can
hand it a code), trades the code for tokens, and saves the refresh token in the store, encrypted with
THROUGHLINE_QUICKBOOKS__TOKEN_KEY (services/store/tokens.py). The access token is not kept: the dashboard
refreshes its own. Nothing secret is printed, and the log's redaction knows every token the moment it
arrives.

On the sandbox (no QuickBooks configured, THROUGHLINE_SANDBOX__ERP=quickbooks), the same flow runs against
the sandbox's consent page, which approves at once.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError

from dashboard.settings import ConnectSettings, Settings, load_connect_settings
from services import log
from services.errors import ConfigError, ThroughlineError, explain
from services.quickbooks import auth_client
from services.store import RefreshTokens

USAGE = "usage: python -m dashboard connect quickbooks [--no-browser] [--timeout SECONDS]"
PAGE = (
    "<!doctype html><meta charset='utf-8'><title>Throughline</title>"
    "<p style='font-family:sans-serif'>{message}</p>"
)


@dataclass(frozen=True)
class Connection:
    """What the consent flow needs: the app, where Intuit's endpoints are described, the store."""

    client_id: str
    client_secret: str
    environment: str
    """'production', 'sandbox', or the URL of a discovery document (the local sandbox)."""
    redirect_uri: str
    realm_id: str | None
    store_url: str
    token_key: str


@dataclass(frozen=True)
class Connected:
    realm_id: str
    store: str


def connection_from(settings: Settings | ConnectSettings) -> Connection:
    """The app and store of the configured QuickBooks company, or of the QuickBooks sandbox."""
    q, s = settings.quickbooks, settings.sandbox
    store = settings.store.database_url.get_secret_value()
    if settings.sandbox_mode and s.erp == "quickbooks":
        if not (s.quickbooks_client_id and s.quickbooks_client_secret and s.quickbooks_token_key):
            raise ConfigError(
                "set the sandbox's settings first: python -m sandbox env --erp quickbooks prints them"
            )
        discovery = f"{s.erp_url}/.well-known/openid_configuration"
        return Connection(
            s.quickbooks_client_id, s.quickbooks_client_secret, discovery, q.redirect_uri,
            s.quickbooks_realm_id, store, s.quickbooks_token_key,
        )  # fmt: skip
    if not (q.client_id and q.client_secret and q.token_key):
        raise ConfigError(
            "connecting QuickBooks needs THROUGHLINE_QUICKBOOKS__CLIENT_ID and __CLIENT_SECRET (the app's "
            "keys on developer.intuit.com) and __TOKEN_KEY (a Fernet key; see the README)"
        )
    return Connection(
        q.client_id, q.client_secret.get_secret_value(), q.environment, q.redirect_uri, q.realm_id, store,
        q.token_key.get_secret_value(),
    )  # fmt: skip


class _Callback(HTTPServer):
    """A one-request server on the redirect URI that keeps the query Intuit sends back."""

    def __init__(self, redirect_uri: str) -> None:
        parts = urlsplit(redirect_uri)
        self.path = parts.path or "/"
        self.query: dict[str, str] | None = None
        try:
            super().__init__((parts.hostname or "localhost", parts.port or 80), _Handler)
        except OSError as error:
            raise ConfigError(f"cannot listen on {redirect_uri} ({error.strerror}); free the port or change "
                              "THROUGHLINE_QUICKBOOKS__REDIRECT_URI") from None  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    server: _Callback

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != self.server.path:
            self.send_error(404)
            return
        self.server.query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        ok = "code" in self.server.query
        message = "Throughline is now connected to QuickBooks; you can close this tab." if ok else (
            "QuickBooks did not grant access; see the terminal."
        )  # fmt: skip
        body = PAGE.format(message=message).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # the query holds the code: never printed
        return


def listens_locally(redirect_uri: str) -> bool:
    """Whether Intuit's answer can come straight to this command (http://localhost, development keys)."""
    parts = urlsplit(redirect_uri)
    return parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")


def connect_quickbooks(
    connection: Connection,
    *,
    open_url: Callable[[str], Any],
    say: Callable[[str], None] = print,
    ask: Callable[[str], str] = input,
    timeout_s: float = 300.0,
) -> Connected:
    """Run the consent flow: open Intuit's page, take Intuit's answer (at the local redirect, or pasted),
    save the refresh token."""
    local = listens_locally(connection.redirect_uri)
    callback = _Callback(connection.redirect_uri) if local else None
    try:
        client = auth_client(
            connection.client_id, connection.client_secret, connection.redirect_uri, connection.environment
        )
        state = secrets.token_urlsafe(24)
        url = client.get_authorization_url([Scopes.ACCOUNTING], state_token=state)
        say(
            "Open this address, sign in to QuickBooks, choose the company and approve Throughline:\n\n"
            f"  {url}\n"
        )
        if callback is not None:
            waiter = threading.Thread(target=_wait, args=(callback, timeout_s), daemon=True)
            waiter.start()
            open_url(url)
            waiter.join(timeout_s + 1)
            query = callback.query
        else:  # production keys redirect to an https address: the browser lands there, the person pastes it
            open_url(url)
            landed = ask(f"Paste the address your browser landed on ({connection.redirect_uri}?code=...): ")
            query = {k: v[0] for k, v in parse_qs(urlsplit(landed.strip()).query).items()} or None
    finally:
        if callback is not None:
            callback.server_close()
    if query is None:
        raise ConfigError(f"no answer came back from QuickBooks within {timeout_s:.0f} s; run again")
    if "error" in query:
        raise ConfigError(
            f"QuickBooks answered {query['error']!r}: the connection was not approved; run again"
        )
    if not secrets.compare_digest(query.get("state", ""), state):
        raise ConfigError(
            "the answer's state does not match the request: it did not come from this connect; run again"
        )
    realm_id = query.get("realmId", "")
    try:
        client.get_bearer_token(query.get("code", ""), realm_id=realm_id)
    except AuthClientError as error:
        raise ConfigError(
            f"Intuit refused the authorization code (HTTP {error.status_code}); check the app's keys and "
            "that THROUGHLINE_QUICKBOOKS__REDIRECT_URI is registered on developer.intuit.com, then run again"
        ) from None
    refresh = str(client.refresh_token or "")
    log.register_secret(refresh, str(client.access_token or ""))
    if not refresh:
        raise ConfigError("Intuit's answer held no refresh token; run again")
    tokens = RefreshTokens(connection.store_url, connection.token_key)
    try:
        tokens.migrate()
        tokens.save_refresh_token(realm_id, refresh)
    finally:
        tokens.close()
    if connection.realm_id and connection.realm_id != realm_id:
        say(
            f"Note: the settings name company {connection.realm_id}, but company {realm_id} was approved; "
            f"set THROUGHLINE_QUICKBOOKS__REALM_ID={realm_id} to read it."
        )
    return Connected(realm_id, tokens.masked_url)


def _wait(callback: _Callback, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while callback.query is None and (left := deadline - time.monotonic()) > 0:
        callback.timeout = left  # a request to another path (a favicon) keeps it waiting
        callback.handle_request()


def main(argv: list[str]) -> int:
    """`connect quickbooks`: 0 when connected, 2 with a message saying what to fix."""
    parser = argparse.ArgumentParser(prog="python -m dashboard connect", usage=USAGE)
    parser.add_argument("system", choices=["quickbooks"])
    parser.add_argument("--no-browser", action="store_true", help="print the address without opening it")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the approval")
    args = parser.parse_args(argv)
    try:
        settings = load_connect_settings()
        log.configure(settings.log.level, settings.log.format)
        opener = (lambda _url: None) if args.no_browser else webbrowser.open
        done = connect_quickbooks(
            connection_from(settings), open_url=opener, say=lambda text: print(text, flush=True),
            timeout_s=args.timeout,
        )  # fmt: skip
    except ThroughlineError as error:
        print(explain(error), file=sys.stderr)
        return 2
    print(
        f"Connected QuickBooks company {done.realm_id}. Its refresh token is saved, encrypted, in the store "
        f"({done.store}); the dashboard renews it on every refresh."
    )
    return 0
