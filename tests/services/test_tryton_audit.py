"""The audit on the Tryton portfolio: HubSpot sandbox deals against a real, seeded Tryton server."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.analysis import analyze, params_from_settings
from dashboard.settings import load_settings
from dashboard.snapshot import refresh_snapshot
from sandbox.tryton import portfolio
from sandbox.tryton.server import TrytonServer
from services.hubspot import HubSpotClient
from services.tryton import TrytonClient
from tests.sandbox_fixture import AS_OF, TOKEN, running_sandbox

pytestmark = pytest.mark.tryton


def test_the_audit_finds_the_seeded_id_problems(tryton_server: TrytonServer, tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    manifest = portfolio.write_crm_records(db, today=AS_OF)
    deals = len(portfolio.crm_deals())
    with running_sandbox(db, deals=deals, seed=portfolio.CRM_SEED) as crm_sandbox:
        with (
            HubSpotClient(crm_sandbox.crm_url, TOKEN) as crm,
            TrytonClient(
                tryton_server.url, tryton_server.database, tryton_server.user, tryton_server.password
            ) as erp,
        ):
            snapshot = refresh_snapshot(crm, erp)
    assert snapshot.crm_source.error is None
    assert snapshot.erp_source.error is None
    analysis = analyze(snapshot, params_from_settings(load_settings(), as_of=AS_OF))
    found = {(f.kind, f.erp_project_id if f.kind == "orphan" else f.crm_deal_id) for f in analysis.findings}
    expected = {
        (p["kind"], p["erp_project_id"] if p["kind"] == "orphan" else p["crm_deal_id"]) for p in manifest
    }
    assert found == expected
    by_deal = {f.crm_deal_id: f for f in analysis.findings}
    for problem in manifest:
        if problem["kind"] in ("malformed", "missing", "dangling"):
            assert by_deal[problem["crm_deal_id"]].suggested_id == problem["expected_id"]
