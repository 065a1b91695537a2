"""QuickBooks connections over their life, against the sandbox's Intuit-style OAuth server: an access token
that expires mid-read is recovered by one refresh; the refresh token rotates and is kept encrypted; a
connection without the accounting scope, a throttled company and a revoked connection each say what to do,
the last with the last good data and its age; connecting again (`python -m dashboard connect quickbooks`,
through the local redirect) restores it. No token is ever in the log, an error or the command's output."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from intuitlib.enums import Scopes

from dashboard.connect import connect_quickbooks, connection_from
from dashboard.connect import main as connect_main
from dashboard.snapshot import refresh_snapshot
from dashboard.wiring import Clients, build_clients
from services import log
from services.errors import ConfigError, RateLimitError, explain
from services.quickbooks import InsufficientScope, QuickBooksClient, auth_client
from services.store import RefreshTokens
from tests.quickbooks_fixture import (
    env_settings,
    expire_access_tokens,
    quickbooks_sandbox,
    settings_for,
    tokens,
)
from tests.sandbox_fixture import ROOT, RunningSandbox

REDIRECT_PORT_FLAG = "--qbo-redirect-uri"


@pytest.fixture(scope="module")
def redirect_uri() -> str:
    from sandbox.server import free_port

    return f"http://localhost:{free_port()}/callback"


HTTPS_REDIRECT = "https://throughline.example/quickbooks/callback"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory, redirect_uri: str) -> Iterator[RunningSandbox]:
    db = tmp_path_factory.mktemp("qbo-tokens") / "sandbox.sqlite"
    uris = f"{redirect_uri},{HTTPS_REDIRECT}"  # a development one on this machine, a production-style one
    with quickbooks_sandbox(db, deals=40, seed=3, extra=(REDIRECT_PORT_FLAG, uris)) as box:
        yield box


@pytest.fixture(scope="module")
def logged() -> Iterator[io.StringIO]:
    """Everything the log writes while this module runs (JSON lines, as in production)."""
    buffer = io.StringIO()
    log.configure("DEBUG", "json", buffer)
    yield buffer
    log.configure()


@pytest.fixture
def clients(sandbox: RunningSandbox, redirect_uri: str, logged: io.StringIO) -> Iterator[Clients]:
    clients = build_clients(
        settings_for(
            sandbox, extra=(REDIRECT_PORT_FLAG, f"{redirect_uri},{HTTPS_REDIRECT}"), throttle_wait_s=0.05
        )
    )
    yield clients
    clients.close()


def erp_of(clients: Clients) -> QuickBooksClient:
    assert isinstance(clients.erp, QuickBooksClient)
    return clients.erp


def events(buffer: io.StringIO, name: str) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, buffer.getvalue().splitlines()) if e.get("event") == name]


def test_an_access_token_expiring_mid_read_is_recovered_by_one_refresh(
    sandbox: RunningSandbox, clients: Clients
) -> None:
    erp = erp_of(clients)
    first = erp.fetch_read().snapshot
    refreshed_before, sandbox_before = erp.auth.refreshes, tokens(sandbox)["refreshes"]
    expire_access_tokens(sandbox, after_requests=3)  # the hour ends three requests into the next read
    second = erp.fetch_read().snapshot
    assert erp.auth.refreshes - refreshed_before == 1
    assert tokens(sandbox)["refreshes"] - sandbox_before == 1
    assert second.actuals == first.actuals
    assert second.receivables == first.receivables


def saved_token(sandbox: RunningSandbox) -> str:
    """The refresh token the dashboard's store holds for the sandbox company, decrypted."""
    settings = settings_for(sandbox)
    vault = RefreshTokens(
        settings.store.database_url.get_secret_value(), str(settings.sandbox.quickbooks_token_key)
    )
    token = vault.load_refresh_token(str(settings.sandbox.quickbooks_realm_id))
    vault.close()
    assert token is not None
    return token


def test_the_refresh_token_rotates_and_is_kept_encrypted(sandbox: RunningSandbox, clients: Clients) -> None:
    erp_of(clients).fetch_read()
    settings = settings_for(sandbox)
    realm = str(settings.sandbox.quickbooks_realm_id)
    current = saved_token(sandbox)
    assert (
        current != settings.sandbox.quickbooks_refresh_token
    )  # the first one was spent on the first refresh
    assert current in tokens(sandbox)["issued"]
    store_file = sandbox.db.parent / "store.sqlite"
    with sqlite3.connect(store_file) as db:
        (ciphertext,) = db.execute(
            "SELECT ciphertext FROM quickbooks_token WHERE realm_id = ?", (realm,)
        ).fetchone()
    assert current not in ciphertext
    assert current.encode() not in store_file.read_bytes()
    other_key = "A" * 43 + "="
    with pytest.raises(ConfigError, match="THROUGHLINE_QUICKBOOKS__TOKEN_KEY"):
        RefreshTokens(settings.store.database_url.get_secret_value(), other_key).load_refresh_token(realm)


def test_a_connection_without_the_accounting_scope_says_so(
    sandbox: RunningSandbox, tmp_path: Path, redirect_uri: str
) -> None:
    settings = settings_for(
        sandbox, tmp_path / "store.sqlite", extra=(REDIRECT_PORT_FLAG, f"{redirect_uri},{HTTPS_REDIRECT}")
    )
    connection = connection_from(settings)
    client = auth_client(connection.client_id, connection.client_secret, redirect_uri, connection.environment)
    consent = httpx.get(client.get_authorization_url([Scopes.OPENID], state_token="s1"), timeout=10)
    code = httpx.URL(consent.headers["location"]).params["code"]
    client.get_bearer_token(code, realm_id=connection.realm_id)  # a grant for sign-in only
    vault = RefreshTokens(connection.store_url, connection.token_key)
    vault.migrate()
    vault.save_refresh_token(str(connection.realm_id), str(client.refresh_token))
    clients = build_clients(settings)
    try:
        with pytest.raises(InsufficientScope) as caught:
            clients.erp.fetch_read()
    finally:
        clients.close()
    message = explain(caught.value)
    assert "com.intuit.quickbooks.accounting" in message
    assert "python -m dashboard connect quickbooks" in message
    assert client.refresh_token not in message
    assert client.access_token not in message


def test_a_throttled_company_is_retried_after_the_wait_then_named(
    sandbox: RunningSandbox, clients: Clients, logged: io.StringIO
) -> None:
    erp = erp_of(clients)
    sandbox.faults("erp", rate_limit_next=2, path_contains="/query")
    try:
        assert erp.fetch_read().snapshot.projects  # two XML 429s, retried
        retries = [e for e in events(logged, "service.retry") if e.get("system") == "QuickBooks"]
        assert [e["status"] for e in retries[-2:]] == [429, 429]
        # the first throttle of a minute, with the minute's budget barely used, waits 2 s (a per-second or
        # at-once limit clears at once); the second within the minute waits the policy's wait (Intuit: 60 s)
        assert [e["wait_s"] for e in retries[-2:]] == [2.0, 0.05]
        impatient = build_clients(settings_for(sandbox, max_retries=0))
        sandbox.faults("erp", rate_limit_next=1, path_contains="/query")
        with pytest.raises(RateLimitError, match="throttling this company's requests"):
            impatient.erp.fetch_read()
        impatient.close()
    finally:
        sandbox.reset()


def test_a_revoked_connection_says_reconnect_keeps_the_last_good_data_and_connecting_restores_it(
    sandbox: RunningSandbox,
    clients: Clients,
    redirect_uri: str,
    logged: io.StringIO,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = refresh_snapshot(clients.crm, clients.erp)
    assert good.erp is not None
    assert good.erp_source.error is None
    settings = settings_for(sandbox, extra=(REDIRECT_PORT_FLAG, f"{redirect_uri},{HTTPS_REDIRECT}"))
    connection = connection_from(settings)
    # someone disconnects the app in QuickBooks: Intuit revokes the grant
    revoker = auth_client(
        connection.client_id, connection.client_secret, redirect_uri, connection.environment
    )
    assert revoker.revoke(token=saved_token(sandbox))
    expire_access_tokens(sandbox, after_requests=0)
    later = datetime.now(UTC) + timedelta(minutes=5)
    stale = refresh_snapshot(clients.crm, clients.erp, good, now=lambda: later)
    assert stale.erp_source.stale
    assert stale.erp == good.erp
    assert stale.erp_source.read_at == good.erp_source.read_at
    age = stale.erp_source.age_s(later)
    assert age is not None
    assert age >= 300
    assert stale.erp_source.error is not None
    assert "reconnect QuickBooks: run python -m dashboard connect quickbooks" in stale.erp_source.error

    said: list[str] = []
    opened = threading.Event()

    def approve(url: str) -> None:  # the administrator's browser: Intuit's page, then the redirect back
        httpx.get(url, follow_redirects=True, timeout=10).raise_for_status()
        opened.set()

    done = connect_quickbooks(connection, open_url=approve, say=said.append, timeout_s=30)
    assert opened.is_set()
    assert done.realm_id == connection.realm_id
    assert "connect/oauth2?client_id=" in said[0]
    assert "scope=com.intuit.quickbooks.accounting" in said[0]
    restored = build_clients(settings)
    try:
        fresh = refresh_snapshot(restored.crm, restored.erp)
    finally:
        restored.close()
    assert fresh.erp_source.error is None
    assert fresh.erp is not None
    assert fresh.erp.actuals == good.erp.actuals

    # every token the sandbox ever issued, and the app's secret: none in the log, an error or any output
    issued = [*tokens(sandbox)["issued"], connection.client_secret]
    text = logged.getvalue() + "".join(said) + str(stale.erp_source.error) + "".join(capsys.readouterr())
    assert events(logged, "quickbooks.token_refresh")  # the log did see the refreshes...
    assert [t for t in issued if t in text] == []  # ...and none of the tokens


def test_with_an_https_redirect_the_administrator_pastes_where_the_browser_landed(
    sandbox: RunningSandbox, redirect_uri: str
) -> None:
    settings = settings_for(
        sandbox, extra=(REDIRECT_PORT_FLAG, f"{redirect_uri},{HTTPS_REDIRECT}"), redirect_uri=HTTPS_REDIRECT
    )
    connection = connection_from(settings)
    opened: list[str] = []
    said: list[str] = []

    def landed(prompt: str) -> str:  # the browser went to Intuit, then to the https address: its URL, pasted
        said.append(prompt)
        return str(httpx.get(opened[0], timeout=10).headers["location"])

    done = connect_quickbooks(connection, open_url=opened.append, say=said.append, ask=landed, timeout_s=30)
    assert done.realm_id == connection.realm_id
    assert HTTPS_REDIRECT in said[1]
    clients = build_clients(settings)
    try:
        assert erp_of(clients).fetch_read().snapshot.projects  # the pasted connection reads
    finally:
        clients.close()
    with pytest.raises(ConfigError, match="state does not match"):
        connect_quickbooks(
            connection,
            open_url=lambda _url: None,
            say=said.append,
            ask=lambda _p: f"{HTTPS_REDIRECT}?code=x&state=y",
        )


def test_the_connect_command_connects_through_the_local_redirect(
    sandbox: RunningSandbox, redirect_uri: str, tmp_path: Path
) -> None:
    """`python -m dashboard connect quickbooks --no-browser`, as an administrator runs it, on the sandbox."""
    environment = {
        **os.environ,
        **env_settings(sandbox, extra=(REDIRECT_PORT_FLAG, f"{redirect_uri},{HTTPS_REDIRECT}")),
    }
    environment["THROUGHLINE_STORE__DATABASE_URL"] = f"sqlite:///{tmp_path / 'store.sqlite'}"
    command = [sys.executable, "-m", "dashboard", "connect", "quickbooks", "--no-browser", "--timeout", "60"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = next(line.strip() for line in process.stdout if "/connect/oauth2?" in line)
        httpx.get(url, follow_redirects=True, timeout=10).raise_for_status()  # the administrator approves
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, err
    realm = environment["THROUGHLINE_SANDBOX__QUICKBOOKS_REALM_ID"]
    assert f"Connected QuickBooks company {realm}" in out
    assert [t for t in tokens(sandbox)["issued"] if t in url + out + err] == []


def test_the_connect_command_says_what_to_set_when_nothing_is_configured(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("THROUGHLINE_SANDBOX__ERP", "THROUGHLINE_QUICKBOOKS__CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    assert connect_main(["quickbooks", "--no-browser", "--timeout", "1"]) == 2
    err = capsys.readouterr().err
    assert "THROUGHLINE_QUICKBOOKS__CLIENT_ID" in err
    assert "Traceback" not in err
