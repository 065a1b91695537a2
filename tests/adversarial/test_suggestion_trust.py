"""Suggestions people apply in bulk must be right: measured on demo portfolios of other seeds, 1,000 deals.

The sandbox's manifest says which project ID each problem deal should hold (`expected_id`). Every finding
in the "apply" band (offered to apply in bulk, without reading) is checked against it; the rate per seed
is printed. A duplicate pair is an original deal and a later phase of the same customer's work that
reused its ID: the original keeps the ID, the later phase moves to its own project.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.analysis import Analysis, analyze, params_from_settings
from dashboard.settings import load_settings
from dashboard.snapshot import refresh_snapshot
from dashboard.transforms.corrections import propose_apply_band, raw_ids
from services.hubspot import HubSpotClient
from services.odoo import OdooClient
from tests.sandbox_fixture import AS_OF, ODOO, TOKEN, RunningSandbox, running_sandbox

SEEDS = (11, 23, 31)


@pytest.fixture(scope="module", params=SEEDS)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningSandbox, Analysis]]:
    db = Path(tmp_path_factory.mktemp(f"seed{request.param}")) / "sandbox.sqlite"
    with running_sandbox(db, deals=1000, seed=request.param) as sandbox:
        with (
            HubSpotClient(sandbox.crm_url, TOKEN, requests_per_10s=1000) as crm,
            OdooClient(sandbox.erp_url, **ODOO) as erp,
        ):
            snapshot = refresh_snapshot(crm, erp)
        yield sandbox, analyze(snapshot, params_from_settings(load_settings(), as_of=AS_OF))


def test_every_apply_band_suggestion_is_the_right_id(seeded: tuple[RunningSandbox, Analysis]) -> None:
    sandbox, analysis = seeded
    expected = {p["crm_deal_id"]: p["expected_id"] for p in sandbox.manifest() if p["crm_deal_id"]}
    band = propose_apply_band(analysis.findings, raw_ids(analysis.deals))
    right = [p for p in band if expected.get(p.record_id) == p.after]
    wrong = [p for p in band if expected.get(p.record_id) != p.after]
    pairs = [f for f in analysis.findings if f.kind == "duplicate"]
    pair_band = [f for f in pairs if f.band == "apply" and f.suggested_id != f.raw_id]
    pair_right = [f for f in pair_band if expected.get(str(f.crm_deal_id)) == f.suggested_id]
    print(
        f"\nseed {sandbox.seed}, {sandbox.deals} deals: apply band {len(right)}/{len(band)} right"
        f" ({len(right) / max(1, len(band)):.0%}); duplicate-pair findings {len(pairs)}, in the apply band "
        f"{len(pair_band)}, right {len(pair_right)}"
    )
    assert band, "the apply band is empty: nothing was measured"
    assert [(p.label, p.before, p.after, expected.get(p.record_id)) for p in wrong] == []
