"""OAuth 2.0 for one QuickBooks company, with Intuit's own `intuit-oauth` library: access tokens and the
rotating refresh token.

Intuit's tokens (developer.intuit.com, develop/authentication-and-authorization/oauth-2.0; the 2024 blog
"OAuth token management done the right way"): an access token lives an hour; the refresh token lives 100
days, rolling, and a refresh may hand back a *new* refresh token, after which only the new one works. So
every refresh saves the refresh token it returns, at once and before anything else, in the store (encrypted
there); losing it means reconnecting. Refreshes of one company are serialised (two refreshes racing with
the same token would spend it twice), and a refresh asked for by a request that saw an access token which
another thread has already replaced is skipped. When Intuit refuses the saved token and the store meanwhile
holds a newer one (another process sharing the store rotated it), the newer one is tried once.

Only the access token is kept in memory; the first request of a process refreshes once to get one
(`intuit-oauth` fetches Intuit's discovery document when it is built, so that happens lazily too). Every
token is registered with the log's redaction the moment it is known.

A refused refresh token (HTTP 400 `invalid_grant`: revoked when someone disconnected the app, expired
after 100 idle days or after the five-year limit of the 2025 policy, or already used) means an
administrator must connect again: `ReconnectRequired` says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

from intuitlib.client import AuthClient
from intuitlib.exceptions import AuthClientError

from services import log
from services.errors import AuthError, UnavailableError
from services.quickbooks.faults import RECONNECT, SYSTEM, ReconnectRequired

_log = log.get("services.quickbooks")


class RefreshTokenStore(Protocol):
    """Where a company's refresh token is kept between runs (the store, encrypted)."""

    def load_refresh_token(self, realm_id: str) -> str | None:
        """The saved refresh token of the company, or None when none is saved."""
        ...

    def save_refresh_token(self, realm_id: str, token: str) -> None:
        """Save the company's newest refresh token (replacing the previous one)."""
        ...


class _TimedAuthClient(AuthClient):  # type: ignore[misc]
    """intuit-oauth's client (a requests Session) with a timeout on every request, which it sets none of."""

    timeout_s = 30.0

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.timeout_s)
        return super().request(method, url, **kwargs)


def auth_client(
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    environment: str,
    *,
    timeout: float = 30.0,
    refresh_token: str | None = None,
    realm_id: str | None = None,
) -> AuthClient:
    """intuit-oauth's AuthClient with a request timeout; `environment` is 'production', 'sandbox' or the URL
    of a discovery document (the local sandbox). Building it fetches the discovery document."""
    _TimedAuthClient.timeout_s = timeout
    try:
        return _TimedAuthClient(
            client_id,
            client_secret,
            redirect_uri,
            environment,
            refresh_token=refresh_token,
            realm_id=realm_id,
        )
    except AuthClientError as error:
        raise UnavailableError(
            SYSTEM,
            "read Intuit's OAuth discovery document",
            f"Intuit answered HTTP {error.status_code}; check THROUGHLINE_QUICKBOOKS__ENVIRONMENT",
            status=error.status_code,
            request_id=error.intuit_tid,
        ) from None
    except OSError as error:  # requests' connection errors are OSErrors
        raise UnavailableError(
            SYSTEM,
            "read Intuit's OAuth discovery document",
            f"cannot reach Intuit's OAuth service ({type(error).__name__}); check this server's internet "
            "access",
        ) from None


class QuickBooksAuth:
    """The access token of one company, refreshed with intuit-oauth; the rotated refresh token saved."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        realm_id: str,
        store: RefreshTokenStore,
        *,
        environment: str = "production",
        redirect_uri: str = "http://localhost",
        timeout: float = 30.0,
        client_factory: Callable[[], AuthClient] | None = None,
    ) -> None:
        self.realm_id = realm_id
        self._store = store
        self._factory = client_factory or (
            lambda: auth_client(client_id, client_secret, redirect_uri, environment, timeout=timeout)
        )
        self._client: AuthClient | None = None
        self._access: str | None = None
        self._lock = threading.Lock()
        self.refreshes = 0
        """Token refreshes made by this object (each is one request to Intuit's token endpoint)."""
        log.register_secret(client_secret)

    def access_token(self) -> str:
        """The current access token; the first call refreshes to get one."""
        token = self._access
        return token if token is not None else self.refresh(stale=None)

    def refresh(self, *, stale: str | None) -> str:
        """A fresh access token, unless the current one is already newer than `stale` (another request
        refreshed meanwhile); the rotated refresh token is saved before the new access token is used."""
        with self._lock:
            if self._access is not None and self._access != stale:
                return self._access
            saved = self._store.load_refresh_token(self.realm_id)
            if not saved:
                raise ReconnectRequired(
                    SYSTEM,
                    "refresh the access token",
                    f"no QuickBooks connection is saved for company {self.realm_id}; {RECONNECT}",
                )
            client = self._client = self._client or self._factory()
            try:
                try:
                    client.refresh(refresh_token=saved)
                except AuthClientError as error:
                    # Another process sharing the store (a report next to the dashboard) may have rotated the
                    # token since it was loaded: then the newer one is tried, once.
                    newer = self._store.load_refresh_token(self.realm_id)
                    if int(error.status_code) != 400 or not newer or newer == saved:
                        raise
                    saved = newer
                    client.refresh(refresh_token=saved)
            except AuthClientError as error:
                raise _refresh_error(error) from None
            except OSError as error:
                raise UnavailableError(
                    SYSTEM,
                    "refresh the access token",
                    f"cannot reach Intuit's token endpoint ({type(error).__name__}); check this server's "
                    "internet access",
                ) from None
            self.refreshes += 1
            access, rotated = str(client.access_token or ""), str(client.refresh_token or saved)
            log.register_secret(access, rotated, saved)
            if rotated != saved:
                self._store.save_refresh_token(self.realm_id, rotated)
            _log.info("quickbooks.token_refresh", realm_id=self.realm_id, rotated=rotated != saved)
            if not access:
                raise AuthError(SYSTEM, "refresh the access token", "Intuit's answer held no access token")
            self._access = access
            return access


def _refresh_error(error: AuthClientError) -> AuthError | UnavailableError:
    """Intuit's token-endpoint answer in words (its body names the error, never a token)."""
    status = int(error.status_code)
    body = bytes(error.content or b"").decode("utf-8", "replace")
    if status >= 500:
        return UnavailableError(
            SYSTEM, "refresh the access token", "Intuit's token endpoint had an error; try again",
            status=status, request_id=error.intuit_tid,
        )  # fmt: skip
    if "invalid_client" in body or status == 401:
        return AuthError(
            SYSTEM,
            "refresh the access token",
            "Intuit rejected the app's client ID or secret: check THROUGHLINE_QUICKBOOKS__CLIENT_ID and "
            "THROUGHLINE_QUICKBOOKS__CLIENT_SECRET (the app's keys on developer.intuit.com)",
            status=status,
            request_id=error.intuit_tid,
        )
    return ReconnectRequired(
        SYSTEM,
        "refresh the access token",
        "QuickBooks refused the saved refresh token (revoked when the app was disconnected, expired, or "
        f"already used); {RECONNECT}",
        status=status,
        request_id=error.intuit_tid,
    )
