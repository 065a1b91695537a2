"""The deal card's data on the demo portfolio: the dashboard's figures for every won deal, to the cent, with
the deal's ID findings, handover gaps, freshness and link; kept for the dashboard's time; JSON errors a card
shows.

The expected figures come from `python -m dashboard report figures` (what a person can run) over the same
sandbox; the expected findings from the sandbox's manifest of the deliberate ID problems.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.hubspot.signing import call_card
from sandbox.server import free_port
from services.store import Store
from tests.api.conftest import BASE, api_settings, port, requests_to, served
from tests.sandbox_fixture import AS_OF, ROOT, RunningSandbox

DASHBOARD = "http://127.0.0.1:8501"


def report(demo: RunningSandbox, what: str, store: Path) -> list[dict[str, Any]]:
    """`python -m dashboard report <what> --format json` over the demo sandbox, as a person runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHLINE_")} | {
        "THROUGHLINE_SANDBOX__CRM_PORT": str(port(demo.crm_url)),
        "THROUGHLINE_SANDBOX__ERP_PORT": str(port(demo.erp_url)),
        "THROUGHLINE_STORE__DATABASE_URL": f"sqlite:///{store}",
    }
    out = subprocess.run(
        [sys.executable, "-m", "dashboard", "report", what, "--format", "json", "--as-of", AS_OF.isoformat()],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=True,
    )
    return list(json.loads(out.stdout))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("card") / "store.sqlite"


@pytest.fixture(scope="module")
def api(demo: RunningSandbox, store: Path) -> Iterator[TestClient]:
    with served(api_settings(demo, store)) as client:
        yield client


@pytest.fixture(scope="module")
def figures_report(demo: RunningSandbox, store: Path) -> list[dict[str, Any]]:
    return report(demo, "figures", store)


@pytest.fixture(scope="module")
def won(figures_report: list[dict[str, Any]]) -> list[str]:
    """Every won deal of the demo (the report has one row per won deal, and one per ERP-only project)."""
    return [row["crm_deal_id"] for row in figures_report if row["crm_deal_id"]]


@pytest.fixture(scope="module")
def cards(api: TestClient, won: list[str]) -> dict[str, dict[str, Any]]:
    """The card of every won deal, as HubSpot opens it."""
    answers = {deal: call_card(BASE, deal, client=api) for deal in won}
    assert {deal: r.status_code for deal, r in answers.items() if r.status_code != 200} == {}
    return {deal: r.json() for deal, r in answers.items()}


def cents(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def test_every_won_deals_card_has_the_reports_figures_to_the_cent(
    cards: dict[str, dict[str, Any]], figures_report: list[dict[str, Any]]
) -> None:
    rows = [row for row in figures_report if row["crm_deal_id"]]
    assert len(rows) >= 150  # the demo's 300 deals: most are won
    differ = {}
    for row in rows:
        figures = cards[row["crm_deal_id"]]["figures"]
        wrong = {key: (figures.get(key), value) for key, value in row.items() if figures.get(key) != value}
        if wrong:
            differ[row["crm_deal_id"]] = wrong
    assert differ == {}
    money = [key for key in rows[0] if key.endswith("_amount")]
    assert len(money) >= 15
    for row in rows:
        figures = cards[row["crm_deal_id"]]["figures"]
        assert {key: cents(figures[key]) for key in money} == {key: cents(row[key]) for key in money}
    print(f"\n{len(rows)} won deals: every card's {len(row)} report figures equal the report's")


def test_each_card_carries_its_deals_handover_gaps_as_the_report_lists_them(
    demo: RunningSandbox, cards: dict[str, dict[str, Any]], store: Path
) -> None:
    handover = {row["crm_deal_id"]: row for row in report(demo, "handover", store)}
    assert set(handover) == set(cards)
    for deal, card in cards.items():
        gaps = card["handover"]
        assert "; ".join(gaps["missing_items"]) == handover[deal]["missing_items"]
        assert gaps["handover_score"] == handover[deal]["handover_score"]
        assert gaps["handover_overdue"] == handover[deal]["handover_overdue"]


def test_the_cards_show_exactly_the_deliberate_id_problems_of_their_deals(
    demo: RunningSandbox, cards: dict[str, dict[str, Any]]
) -> None:
    manifest = [p for p in demo.manifest() if p["kind"] != "orphan"]  # an orphan has no deal, so no card
    assert {p["crm_deal_id"] for p in manifest} <= set(cards)
    shown = {(f["kind"], deal) for deal, card in cards.items() for f in card["findings"]}
    assert shown == {(p["kind"], p["crm_deal_id"]) for p in manifest}
    for problem in (p for p in manifest if p["kind"] == "malformed"):
        (finding,) = cards[problem["crm_deal_id"]]["findings"]
        assert finding["suggested_id"] == problem["expected_id"]
        assert finding["raw_id"] == problem["raw_id"]


def test_the_card_links_to_the_dashboards_project_page(cards: dict[str, dict[str, Any]]) -> None:
    linked = next(card for card in cards.values() if card["project"]["match"] == "linked")
    project_id = linked["project"]["erp_project_id"]
    assert linked["links"]["dashboard"] == f"{DASHBOARD}/project?project={project_id}"
    unlinked = next(card for card in cards.values() if card["project"]["erp_project_id"] is None)
    deal = unlinked["deal"]["crm_deal_id"]
    assert unlinked["links"]["dashboard"] == f"{DASHBOARD}/project?project={deal}"


def test_the_card_says_when_each_source_was_read(cards: dict[str, dict[str, Any]]) -> None:
    card = next(iter(cards.values()))
    assert [(f["source"], f["system"], f["stale"], f["error"]) for f in card["freshness"]] == [
        ("HubSpot sandbox", "crm", False, None),
        ("Odoo sandbox", "erp", False, None),
    ]
    assert all(f["age_s"] >= 0 and f["read_at"] for f in card["freshness"])


def test_a_deal_not_won_yet_has_no_project_part(api: TestClient, won: list[str]) -> None:
    deal = next(f"{21000000000 + n}" for n in range(1, 301) if f"{21000000000 + n}" not in won)
    card = call_card(BASE, deal, client=api).json()
    assert card["deal"]["crm_deal_id"] == deal
    assert card["deal"]["deal_is_won"] is False
    assert card["project"] is None
    assert card["figures"] is None
    assert card["delivery"] is None


def test_an_unknown_deal_is_a_404_the_card_can_show(api: TestClient) -> None:
    response = call_card(BASE, "123", client=api)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "deal_not_found"
    assert error["message"].startswith("deal 123 is not in the data read from HubSpot sandbox")
    assert error["request_id"] == response.headers["X-Request-Id"]


def test_a_card_is_read_from_the_cache_for_the_dashboards_time(demo: RunningSandbox, tmp_path: Path) -> None:
    deals = ("21000000001", "21000000002", "21000000003")
    with served(api_settings(demo, tmp_path / "store.sqlite", cache_ttl_s=3600)) as kept:
        before = requests_to(demo)
        assert call_card(BASE, deals[0], client=kept).status_code == 200
        cold = requests_to(demo) - before
        for deal in deals:
            assert call_card(BASE, deal, client=kept).status_code == 200
        assert requests_to(demo) - before == cold  # warm: no request at all
    with served(api_settings(demo, tmp_path / "store.sqlite", cache_ttl_s=0)) as always:
        call_card(BASE, deals[0], client=always)
        before = requests_to(demo)
        call_card(BASE, deals[1], client=always)
        assert requests_to(demo) > before  # expired at once: read again (only what changed)
    print(f"\ncard read over the whole demo snapshot: {cold} sandbox requests cold, 0 warm")


def test_an_accepted_finding_leaves_the_card_as_it_leaves_the_audit(
    demo: RunningSandbox, cards: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    deal, card = next((deal, card) for deal, card in cards.items() if len(card["findings"]) == 1)
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    store.migrate()
    with served(api_settings(demo, tmp_path / "store.sqlite")) as api:
        assert call_card(BASE, deal, client=api).json()["findings"] == card["findings"]
        store.accept(card["findings"][0]["key"], reason="known exception", user="ops@acme.test")
        assert call_card(BASE, deal, client=api).json()["findings"] == []


def test_an_erp_that_cannot_be_read_leaves_the_deal_side_and_says_so(
    demo: RunningSandbox, won: list[str], tmp_path: Path
) -> None:
    settings = api_settings(demo, tmp_path / "store.sqlite", erp_port=free_port())
    with served(settings) as api:
        response = call_card(BASE, won[0], client=api)
    assert response.status_code == 200
    card = response.json()
    erp = card["freshness"][1]
    assert erp["stale"] is True
    assert "cannot reach" in erp["error"]
    assert card["deal"]["crm_deal_id"] == won[0]
    assert card["figures"]["invoiced_amount"] is None


def test_a_crm_that_cannot_be_read_is_a_503_that_says_what_to_check(
    demo: RunningSandbox, tmp_path: Path
) -> None:
    down = free_port()
    settings = api_settings(demo, tmp_path / "store.sqlite", crm_port=down)
    with served(settings) as api:
        response = call_card(BASE, "21000000001", client=api)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert error["message"].startswith("HubSpot sandbox could not be read:")
    assert f"cannot reach http://127.0.0.1:{down}" in error["message"]
    assert "Traceback" not in response.text
    assert "sandbox-token" not in response.text
