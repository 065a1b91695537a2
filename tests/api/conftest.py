"""Fixtures for the card's API: its settings pointed at a sandbox, and the app served in-process.

The API reads the sandbox over real HTTP through the service clients, as `make run` has it; the tests call
the API itself in-process (Starlette's TestClient, an httpx client) except where a test says it runs
`python -m dashboard.api` as a server. Requests are signed as HubSpot signs them (sandbox/hubspot/signing.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from dashboard.api import create_app
from dashboard.settings import Settings, load_settings
from tests.sandbox_fixture import AS_OF, RunningSandbox

SECRET = "sandbox-app-secret"
"""The demo's client secret (THROUGHLINE_SANDBOX__APP_CLIENT_SECRET's default)."""
BASE = "http://testserver"
"""Where TestClient's requests arrive (its Host header), i.e. the URL a signer must sign."""


def port(url: str) -> int:
    """The port of a sandbox URL."""
    return int(url.rsplit(":", 1)[1])


def api_settings(
    sandbox: RunningSandbox,
    store: Path,
    *,
    crm_port: int | None = None,
    erp_port: int | None = None,
    **overrides: Any,
) -> Settings:
    """The settings of a deployment reading `sandbox` (or other ports), its store in the file `store`."""
    return load_settings(
        sandbox={
            "crm_port": crm_port or port(sandbox.crm_url),
            "erp_port": erp_port or port(sandbox.erp_url),
        },
        store={"database_url": f"sqlite:///{store}"},
        **overrides,
    )


@contextmanager
def served(settings: Settings) -> Iterator[TestClient]:
    """The API on `settings`, in-process, with the analysis dated as the sandbox's portfolio."""
    with TestClient(create_app(settings, as_of=AS_OF)) as client:
        yield client


def requests_to(sandbox: RunningSandbox) -> int:
    """How many requests both sandbox servers have answered since their last reset."""
    return sum(sandbox.stats("crm").values()) + sum(sandbox.stats("erp").values())
