"""A sandbox of the adversarial tests' own (they write bad values into it through the APIs), and helpers
that write those values the way a careless user or a hostile record would: HubSpot's batch update, Odoo's
`execute_kw` — plain HTTP, never the client under test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.analysis import Analysis
from tests.sandbox_fixture import ODOO, ROOT, RunningSandbox, running_sandbox
from tests.ui.conftest import oracle_of, read_snapshot

APP = ROOT / "dashboard" / "app.py"


@pytest.fixture(scope="module")
def adv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """80 demo deals, written to by the cases (each puts back what it changed)."""
    with running_sandbox(tmp_path_factory.mktemp("adversarial") / "sandbox.sqlite", deals=80, seed=5) as sb:
        yield sb


@pytest.fixture
def app_env(adv: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """The dashboard's settings pointed at the adversarial sandbox, a fresh store, fresh caches."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("THROUGHLINE_SANDBOX__CRM_PORT", adv.crm_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_SANDBOX__ERP_PORT", adv.erp_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_STORE__DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("THROUGHLINE_ACCESS__MODE", "none")
    adv.reset()
    st.cache_resource.clear()
    st.cache_data.clear()
    yield adv
    adv.reset()
    st.cache_resource.clear()
    st.cache_data.clear()


def page(name: str, **query: str) -> AppTest:
    """A page of the dashboard, run once (the entrypoint first, as a browser would)."""
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    at.switch_page(f"../pages/{name}.py")
    at.query_params.update(query)
    at.run()
    return at


def analysis_of(sandbox: RunningSandbox) -> Analysis:
    """What the analytics core makes of the sandbox now."""
    return oracle_of(read_snapshot(sandbox))


def odoo(sandbox: RunningSandbox, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """One `execute_kw` call over Odoo's JSON-RPC, as any script would make it."""

    def rpc(service: str, name: str, arguments: list[Any]) -> Any:
        body = {"jsonrpc": "2.0", "method": "call", "id": 1,
                "params": {"service": service, "method": name, "args": arguments}}  # fmt: skip
        return httpx.post(f"{sandbox.erp_url}/jsonrpc", json=body, timeout=30).json()

    uid = rpc("common", "authenticate", [ODOO["database"], ODOO["login"], ODOO["api_key"], {}])["result"]
    answer = rpc(
        "object", "execute_kw", [ODOO["database"], uid, ODOO["api_key"], model, method, [*args], kwargs]
    )
    if "error" in answer:
        raise AssertionError(answer["error"])
    return answer["result"]


def deal_properties(sandbox: RunningSandbox, deal_id: str, *names: str) -> dict[str, Any]:
    """A deal's properties now, over HubSpot's v3 path."""
    response = httpx.get(
        f"{sandbox.crm_url}/crm/v3/objects/deals/{deal_id}",
        params={"properties": ",".join(names)},
        headers={"Authorization": "Bearer sandbox-token"},
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json()["properties"])


def env_for(sandbox: RunningSandbox, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a `python -m dashboard ...` process pointed at the sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHLINE_")}
    return env | {
        "THROUGHLINE_SANDBOX__CRM_PORT": sandbox.crm_url.rsplit(":", 1)[1],
        "THROUGHLINE_SANDBOX__ERP_PORT": sandbox.erp_url.rsplit(":", 1)[1],
        "THROUGHLINE_STORE__DATABASE_URL": f"sqlite:///{tmp_path / 'report-store.sqlite'}",
        **extra,
    }
