"""Helpers for the corrections tests: the analysis as the pages compute it, and the sandbox read directly.

The direct reads go over plain HTTP to the sandbox's v3/v4 paths, not through HubSpotClient, so a test
checks what the CRM holds without trusting the client under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from dashboard.analysis import Analysis, analyze, params_from_settings
from dashboard.settings import load_settings
from dashboard.snapshot import Snapshot, refresh_snapshot
from dashboard.transforms.audit import Finding
from services.hubspot import HubSpotClient
from services.odoo import OdooClient
from services.store import Store
from tests.sandbox_fixture import AS_OF, ODOO, TOKEN, RunningSandbox

AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROPERTY = "erp_project_id"
PROJECTS = "p_projects"


@contextmanager
def clients(sandbox: RunningSandbox) -> Iterator[tuple[HubSpotClient, OdooClient]]:
    """The real clients on the sandbox, with short waits after an injected 429."""
    with (
        HubSpotClient(
            sandbox.crm_url, TOKEN, policy_waits={"TEN_SECONDLY_ROLLING": 0.2, "SECONDLY": 0.2}
        ) as crm,
        OdooClient(sandbox.erp_url, ODOO["database"], ODOO["login"], ODOO["api_key"]) as erp,
    ):
        yield crm, erp


def read_analysis(
    crm: HubSpotClient, erp: OdooClient, accepted: frozenset[str] = frozenset()
) -> tuple[Snapshot, Analysis]:
    """A fresh snapshot and its analysis, as the dashboard computes them (the oracle of these tests)."""
    snap = refresh_snapshot(crm, erp)
    return snap, analyze(snap, params_from_settings(load_settings(), AS_OF), accepted_keys=accepted)


def first(findings: list[Finding], kind: str, band: str = "apply") -> Finding:
    """The first open finding of a kind and band that names a deal."""
    return next(f for f in findings if f.kind == kind and f.band == band and f.crm_deal_id)


def new_store(url: str) -> Store:
    """A migrated store at `url`."""
    store = Store(url)
    store.migrate()
    return store


def deal_value(sandbox: RunningSandbox, deal_id: str, prop: str = PROPERTY) -> str | None:
    """What the sandbox deal holds in `prop` now (None when empty)."""
    response = httpx.get(
        f"{sandbox.crm_url}/crm/v3/objects/deals/{deal_id}", params={"properties": prop}, headers=AUTH
    )
    response.raise_for_status()
    return response.json()["properties"].get(prop) or None


def set_deal_value(sandbox: RunningSandbox, deal_id: str, value: str, prop: str = PROPERTY) -> None:
    """Change a deal in the sandbox as someone in HubSpot would."""
    response = httpx.patch(
        f"{sandbox.crm_url}/crm/v3/objects/deals/{deal_id}", json={"properties": {prop: value}}, headers=AUTH
    )
    response.raise_for_status()


def deal_projects(sandbox: RunningSandbox, deal_id: str) -> list[str]:
    """The ids of the project records the sandbox associates with a deal."""
    response = httpx.get(
        f"{sandbox.crm_url}/crm/v4/objects/deals/{deal_id}/associations/{PROJECTS}", headers=AUTH
    )
    response.raise_for_status()
    return [str(row["toObjectId"]) for row in response.json()["results"]]


def project_record(sandbox: RunningSandbox, record_id: str, props: list[str]) -> dict[str, Any]:
    """A project record's properties, read from the sandbox."""
    response = httpx.get(
        f"{sandbox.crm_url}/crm/v3/objects/{PROJECTS}/{record_id}",
        params={"properties": ",".join(props)},
        headers=AUTH,
    )
    response.raise_for_status()
    return dict(response.json()["properties"])
