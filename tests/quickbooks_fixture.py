"""QuickBooks sandboxes for tests: `python -m sandbox serve --erp quickbooks` on free ports, the dashboard's
settings for it as `python -m sandbox env` prints them, and the sandbox's own record of issued tokens."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from dashboard.settings import Settings, load_settings
from sandbox.quickbooks.oauth import app_keys
from tests.sandbox_fixture import AS_OF, ROOT, RunningSandbox, running_sandbox


@contextmanager
def quickbooks_sandbox(
    db: Path, *, deals: int = 300, seed: int = 7, extra: tuple[str, ...] = ()
) -> Iterator[RunningSandbox]:
    """A sandbox whose ERP port speaks QuickBooks Online (the demo portfolio in QuickBooks terms)."""
    with running_sandbox(db, deals=deals, seed=seed, extra=("--erp", "quickbooks", *extra)) as sandbox:
        yield sandbox


def env_settings(sandbox: RunningSandbox, *, extra: tuple[str, ...] = ()) -> dict[str, str]:
    """`python -m sandbox env --erp quickbooks` for this sandbox, as a user would run it: NAME -> value."""
    crm_port, erp_port = sandbox.crm_url.rsplit(":", 1)[1], sandbox.erp_url.rsplit(":", 1)[1]
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "env", "--erp", "quickbooks", "--crm-port", crm_port, "--erp-port",
         erp_port, "--seed", str(sandbox.seed), *extra],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout  # fmt: skip
    return dict(line.split("=", 1) for line in out.splitlines() if line)


def settings_for(
    sandbox: RunningSandbox, store: Path | None = None, *, extra: tuple[str, ...] = (), **quickbooks: Any
) -> Settings:
    """The dashboard's settings pointing at this sandbox. The store defaults to one beside the sandbox's
    database, shared by every client of that sandbox: the refresh token rotates, so they must share it."""
    store = store or sandbox.db.parent / "store.sqlite"
    nested: dict[str, dict[str, Any]] = {"sandbox": {}, "quickbooks": dict(quickbooks)}
    for name, value in env_settings(sandbox, extra=extra).items():
        section, _, field = name.removeprefix("THROUGHLINE_").partition("__")
        nested[section.lower()][field.lower()] = value
    nested["quickbooks"].update(quickbooks)
    # a throttled request in a test waits a second, not Intuit's minute (the wait itself is not under test)
    nested["quickbooks"].setdefault("throttle_wait_s", 1.0)
    return load_settings(**nested, store={"database_url": f"sqlite:///{store}"})


def tokens(sandbox: RunningSandbox) -> dict[str, Any]:
    """Every token the sandbox ever issued, its refresh count and the newest refresh token."""
    return dict(httpx.get(f"{sandbox.erp_url}/__sandbox__/quickbooks/tokens", timeout=5).json())


def expire_access_tokens(sandbox: RunningSandbox, after_requests: int) -> None:
    """Every access token issued so far expires after the next `after_requests` API requests."""
    httpx.post(
        f"{sandbox.erp_url}/__sandbox__/quickbooks/expire", json={"after_requests": after_requests}, timeout=5
    ).raise_for_status()


__all__ = [
    "AS_OF",
    "Bookkeeper",
    "env_settings",
    "expire_access_tokens",
    "quickbooks_sandbox",
    "settings_for",
    "tokens",
]


class Bookkeeper:
    """Someone working in the sandbox company through the Accounting API with a grant of their own (as a
    person in QuickBooks, or another app, changes the books while the dashboard reads them)."""

    def __init__(self, sandbox: RunningSandbox) -> None:
        keys = app_keys(sandbox.seed)
        self.base = f"{sandbox.erp_url}/v3/company/{keys.realm_id}"
        consent = httpx.get(
            f"{sandbox.erp_url}/connect/oauth2",
            params={"client_id": keys.client_id, "response_type": "code", "state": "bookkeeper",
                    "scope": "com.intuit.quickbooks.accounting", "redirect_uri": keys.redirect_uris[0]},
            timeout=10,
        )  # fmt: skip
        code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
        token = httpx.post(
            f"{sandbox.erp_url}/oauth2/v1/tokens/bearer",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": keys.redirect_uris[0]},
            auth=(keys.client_id, keys.client_secret),
            timeout=10,
        ).json()["access_token"]
        self.http = httpx.Client(
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}, timeout=30
        )

    def _post(self, path: str, **kwargs: Any) -> httpx.Response:
        """One request, again after a second when the company's 10 a second are used up (the sandbox has
        one app, so the dashboard's reads count against the same limit)."""
        for _ in range(10):
            time.sleep(0.11)
            response = self.http.post(f"{self.base}/{path}", **kwargs)
            if response.status_code != 429:
                response.raise_for_status()
                return response
            time.sleep(1.0)
        raise AssertionError(f"still throttled after 10 tries: POST {path}")

    def query(self, select: str) -> list[dict[str, Any]]:
        """The rows of one query (one page)."""
        response = self._post("query", content=select, headers={"Content-Type": "application/text"})
        body = response.json()["QueryResponse"]
        return next((v for v in body.values() if isinstance(v, list)), [])

    def save(self, entity: str, row: dict[str, Any]) -> dict[str, Any]:
        """Create (no Id) or update (Id and SyncToken) one entity; QuickBooks' answer."""
        return dict(self._post(entity.lower(), json=row).json()[entity])

    def delete(self, entity: str, row: dict[str, Any]) -> None:
        """Delete one entity (Id and SyncToken)."""
        self._post(
            entity.lower(),
            params={"operation": "delete"},
            json={"Id": row["Id"], "SyncToken": row["SyncToken"]},
        )
