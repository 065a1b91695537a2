"""The deal card with QuickBooks as the ERP: won deals' figures equal the dashboard's to the cent.

QuickBooks cannot read one project's figures alone (its query language filters no line fields, so every
bill and purchase is read to find a project's), so the card shares one full read among all deals for the
dashboard's time (dashboard/api/reader.py `SharedErpRead`): the first card pays for it, the others read only
HubSpot. The expected figures are the dashboard's own analysis of the full snapshot of the same sandbox
(`refresh_snapshot` + `analyze`, as `python -m dashboard report figures` prints them: `report.table`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dashboard.analysis import analyze, params_from_settings
from dashboard.report import records, table
from dashboard.snapshot import refresh_snapshot
from dashboard.wiring import build_clients
from sandbox.hubspot.signing import call_card
from tests.api.conftest import BASE, served
from tests.quickbooks_fixture import AS_OF, settings_for
from tests.sandbox_fixture import RunningSandbox

SAMPLE = 4
"""Every 4th won deal: the Odoo card test reads every one; here what differs is the ERP side, and one card
costs the analysis of the whole company, so a quarter of them keeps the suite quick."""


def spent(sandbox: RunningSandbox) -> tuple[int, int]:
    """Requests the HubSpot and the QuickBooks sandbox have answered since their last reset."""
    return sum(sandbox.stats("crm").values()), sum(sandbox.stats("erp").values())


@pytest.fixture(scope="module")
def report_rows(qbo_demo: RunningSandbox) -> list[dict[str, Any]]:
    """The dashboard's figures for the full snapshot, as `report figures --format json` has them."""
    settings = settings_for(qbo_demo)
    clients = build_clients(settings)
    try:
        snapshot = refresh_snapshot(clients.crm, clients.erp)
    finally:
        clients.close()
    assert snapshot.crm_source.error is None
    assert snapshot.erp_source.error is None
    analysis = analyze(snapshot, params_from_settings(settings, as_of=AS_OF))
    return [row for row in records(table(analysis, "figures")) if row["crm_deal_id"]]


@pytest.fixture(scope="module")
def cold(qbo_demo: RunningSandbox, report_rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every won deal's card read once, with the requests each cost (HubSpot, QuickBooks)."""
    settings = settings_for(qbo_demo).model_copy(update={"cache_ttl_s": 3600})
    out: dict[str, Any] = {}
    won = {row["crm_deal_id"] for row in report_rows}
    first = next(f"{21000000000 + n}" for n in range(1, 301) if f"{21000000000 + n}" not in won)
    with served(settings) as api:
        # a deal not won first: it pays for what is read once (HubSpot's stages and owners, QuickBooks)
        before = spent(qbo_demo)
        assert call_card(BASE, first, client=api).status_code == 200
        after = spent(qbo_demo)
        out["first"] = (None, after[0] - before[0], after[1] - before[1])
        for row in report_rows[::SAMPLE]:
            before = spent(qbo_demo)
            response = call_card(BASE, row["crm_deal_id"], client=api)
            assert response.status_code == 200, response.text
            after = spent(qbo_demo)
            out[row["crm_deal_id"]] = (response.json(), after[0] - before[0], after[1] - before[1])
        yield out


def test_every_won_deals_card_has_the_dashboards_figures_on_quickbooks(
    cold: dict[str, Any], report_rows: list[dict[str, Any]]
) -> None:
    assert len(report_rows) >= 150
    differ = {}
    for row in report_rows[::SAMPLE]:
        figures = cold[row["crm_deal_id"]][0]["figures"]
        wrong = {key: (figures.get(key), value) for key, value in row.items() if figures.get(key) != value}
        if wrong:
            differ[row["crm_deal_id"]] = wrong
    assert differ == {}
    assert any(row["invoiced_amount"] for row in report_rows)


def test_quickbooks_is_read_once_for_every_card(cold: dict[str, Any]) -> None:
    _, _, first = cold["first"]
    crm = [n for deal, (_, n, _) in cold.items() if deal != "first"]
    erp = [n for deal, (_, _, n) in cold.items() if deal != "first"]
    assert first > 4  # the first card reads the whole company
    assert erp == [0] * len(erp)  # the others share that read
    assert max(crm) <= 8
    print(
        f"\nQuickBooks: first card {first} requests, the next {len(erp)} none; HubSpot {min(crm)}-{max(crm)}"
    )
