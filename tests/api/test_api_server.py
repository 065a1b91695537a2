"""`python -m dashboard.api` as a server: a card request over real HTTP, signed as HubSpot signs it, with its
log; and a deployment without the app's client secret refused at start with the setting to fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from sandbox.hubspot.signing import SANDBOX_SECRET, call, call_card
from sandbox.server import free_port
from tests.api.conftest import BASE, api_settings, port, served
from tests.sandbox_fixture import ROOT, RunningSandbox

SECRET = "api-server-test-secret-5c1f"
DEAL = "21000000001"
AS_OF_FREE = ("contract_value_amount", "invoiced_amount", "outstanding_amount", "actual_cost_amount")
"""Figures that do not depend on the day they are computed (the server computes as of today)."""


@dataclass
class Server:
    url: str
    log: Path
    process: subprocess.Popen[bytes]


def clean_env(**settings: str) -> dict[str, str]:
    """This process's environment without any THROUGHLINE_ setting, plus `settings`."""
    return {k: v for k, v in os.environ.items() if not k.startswith("THROUGHLINE_")} | settings


@pytest.fixture(scope="module")
def server(demo: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("api_server")
    api_port = free_port()
    env = clean_env(
        THROUGHLINE_SANDBOX__CRM_PORT=str(port(demo.crm_url)),
        THROUGHLINE_SANDBOX__ERP_PORT=str(port(demo.erp_url)),
        THROUGHLINE_STORE__DATABASE_URL=f"sqlite:///{folder / 'store.sqlite'}",
        THROUGHLINE_HUBSPOT__APP_CLIENT_SECRET=SECRET,
        THROUGHLINE_API__PORT=str(api_port),
        THROUGHLINE_API__DASHBOARD_URL="https://dashboard.acme.test",
        THROUGHLINE_LOG__FORMAT="json",
    )
    log = folder / "api.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "dashboard.api"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{api_port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the API did not answer within 60 s"
                time.sleep(0.2)
        yield Server(url, log, process)
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def in_process(demo: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store = tmp_path_factory.mktemp("api_in_process") / "store.sqlite"
    with served(api_settings(demo, store)) as client:
        yield client


def test_a_card_request_over_http_gets_the_cards_data(server: Server, in_process: TestClient) -> None:
    response = call_card(server.url, DEAL, secret=SECRET)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    card = response.json()
    expected = call_card(BASE, DEAL, client=in_process).json()
    assert {k: card["figures"][k] for k in AS_OF_FREE} == {k: expected["figures"][k] for k in AS_OF_FREE}
    project_id = expected["project"]["erp_project_id"]
    assert card["links"]["dashboard"] == f"https://dashboard.acme.test/project?project={project_id}"


def test_over_http_only_the_configured_secret_is_accepted(server: Server) -> None:
    assert httpx.get(f"{server.url}/hubspot/deal-card?dealId={DEAL}").status_code == 401
    assert call_card(server.url, DEAL, secret=SANDBOX_SECRET).status_code == 401


def test_no_address_redirects_since_hubspot_fetch_follows_none(server: Server) -> None:
    response = call("GET", f"{server.url}/hubspot/deal-card/?dealId={DEAL}", SECRET)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_each_request_is_logged_once_without_the_secret(server: Server) -> None:
    marker = call_card(server.url, DEAL, secret=SECRET).headers["X-Request-Id"]
    refused = call_card(server.url, DEAL, secret="wrong-secret").headers["X-Request-Id"]
    time.sleep(0.3)
    lines = server.log.read_text().splitlines()
    assert len([line for line in lines if marker in line]) == 1
    (ok,) = (line for line in lines if marker in line)
    assert '"event": "api.request"' in ok
    assert '"status": 200' in ok
    assert f'"deal": "{DEAL}"' in ok
    (no,) = (line for line in lines if refused in line)
    assert '"status": 401' in no
    assert "the signature does not match" in no
    assert SECRET not in server.log.read_text()


def test_a_deployment_without_the_apps_client_secret_does_not_start(tmp_path: Path) -> None:
    live = clean_env(
        THROUGHLINE_HUBSPOT__TOKEN="pat-na1-11111111-2222-3333-4444-555555555555",
        THROUGHLINE_ODOO__URL="http://127.0.0.1:1",
        THROUGHLINE_ODOO__DATABASE="acme",
        THROUGHLINE_ODOO__LOGIN="throughline@acme.test",
        THROUGHLINE_ODOO__API_KEY="odoo-key-0123456789",
        THROUGHLINE_ACCESS__MODE="local",
        THROUGHLINE_STORE__DATABASE_URL=f"sqlite:///{tmp_path / 'store.sqlite'}",
    )
    for secret, says in ((None, "is not set"), ("changeme", "holds a placeholder")):
        env = live if secret is None else live | {"THROUGHLINE_HUBSPOT__APP_CLIENT_SECRET": secret}
        out = subprocess.run(
            [sys.executable, "-m", "dashboard.api", "--port", str(free_port())],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 2
        assert f"THROUGHLINE_HUBSPOT__APP_CLIENT_SECRET {says}" in out.stderr
        assert "Traceback" not in out.stderr
        assert "odoo-key-0123456789" not in out.stderr
