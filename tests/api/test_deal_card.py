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
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.hubspot.signing import call_card, seen_contacts
from sandbox.server import free_port
from services.store import Store
from tests.api.conftest import BASE, api_settings, port, served
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
    # kept an hour, so that reading every card again is all warm
    with served(api_settings(demo, store, cache_ttl_s=3600)) as client:
        yield client


@pytest.fixture(scope="module")
def figures_report(demo: RunningSandbox, store: Path) -> list[dict[str, Any]]:
    return report(demo, "figures", store)


@pytest.fixture(scope="module")
def won(figures_report: list[dict[str, Any]]) -> list[str]:
    """Every won deal of the demo (the report has one row per won deal, and one per ERP-only project)."""
    return [row["crm_deal_id"] for row in figures_report if row["crm_deal_id"]]


def spent(demo: RunningSandbox) -> tuple[int, int]:
    """Requests the HubSpot and the ERP sandbox have answered since their last reset."""
    return sum(demo.stats("crm").values()), sum(demo.stats("erp").values())


def not_won(won: list[str]) -> str:
    """A deal of the demo that is not won (the demo's deals are 21000000001 ...)."""
    return next(f"{21000000000 + n}" for n in range(1, 301) if f"{21000000000 + n}" not in won)


@pytest.fixture(scope="module")
def seen(demo: RunningSandbox, won: list[str]) -> dict[str, str | None]:
    """What the card sends of each won deal's contacts, as HubSpot's front end shows them to it (uncounted:
    HubSpot reads them for the viewer, not with the app's token)."""
    return {deal: seen_contacts(demo.crm_url, deal) for deal in won}


@pytest.fixture(scope="module")
def cold(
    api: TestClient, demo: RunningSandbox, won: list[str], seen: dict[str, str | None]
) -> dict[str, tuple[dict[str, Any], int, int]]:
    """The card of every won deal, as HubSpot opens it (with the contacts the card sends), each read cold,
    with the HubSpot and ERP requests it cost. A deal not won is opened first: what a server asks once (the
    portal's stages, owners and labels, the ERP's version and fields) is asked then."""
    assert call_card(BASE, not_won(won), client=api).status_code == 200
    out = {}
    for deal in won:
        crm_before, erp_before = spent(demo)
        response = call_card(BASE, deal, contacts=seen[deal], client=api)
        assert response.status_code == 200, response.text
        crm_after, erp_after = spent(demo)
        out[deal] = (response.json(), crm_after - crm_before, erp_after - erp_before)
    return out


@pytest.fixture(scope="module")
def cards(cold: dict[str, tuple[dict[str, Any], int, int]]) -> dict[str, dict[str, Any]]:
    """The card of every won deal."""
    return {deal: card for deal, (card, _, _) in cold.items()}


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
    deal = not_won(won)
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


def test_a_card_read_costs_a_handful_of_requests_cold_and_none_warm(
    api: TestClient,
    demo: RunningSandbox,
    cold: dict[str, tuple[dict[str, Any], int, int]],
    seen: dict[str, str | None],
) -> None:
    crm = {deal: n for deal, (_, n, _) in cold.items()}
    erp = {deal: n for deal, (_, _, n) in cold.items()}
    # HubSpot: the deal with its associations, the search for the deals sharing its ID, the companies' types
    # (of those deals, and of the deal when it has several), then companies, tickets and project records;
    # the card sent the contacts' types (services/hubspot/deal.py). Odoo: projects, line sums, invoices and
    # their lines.
    assert {deal: n for deal, n in crm.items() if n > 6} == {}
    assert {deal: n for deal, n in erp.items() if n > 4} == {}
    shared = {
        deal for deal, (card, _, _) in cold.items() if any(f["kind"] == "duplicate" for f in card["findings"])
    }
    assert shared  # the demo's shared IDs are among the deals read, at 6 requests at most too
    before = spent(demo)
    for deal, (card, _, _) in cold.items():
        again = call_card(BASE, deal, contacts=seen[deal], client=api).json()
        assert again["figures"] == card["figures"]
        assert again["freshness"][0]["read_at"] == card["freshness"][0]["read_at"]
    assert spent(demo) == before  # warm: no request at all
    print(
        f"\n{len(cold)} won deals read cold, deals per request count: HubSpot "
        f"{dict(sorted(Counter(crm.values()).items()))}, Odoo {dict(sorted(Counter(erp.values()).items()))}; "
        "warm 0"
    )


def test_a_card_past_the_dashboards_time_is_read_again(demo: RunningSandbox, tmp_path: Path) -> None:
    with served(api_settings(demo, tmp_path / "store.sqlite", cache_ttl_s=0)) as always:
        call_card(BASE, "21000000001", client=always)
        before = spent(demo)
        call_card(BASE, "21000000001", client=always)
        crm, erp = (after - was for after, was in zip(spent(demo), before, strict=True))
    assert 1 <= crm <= 8
    assert 1 <= erp <= 4


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


def test_an_erp_failing_after_a_read_leaves_the_deals_last_figures_marked_stale(
    demo: RunningSandbox, won: list[str], tmp_path: Path
) -> None:
    with served(api_settings(demo, tmp_path / "store.sqlite", cache_ttl_s=0)) as api:
        first = call_card(BASE, won[0], client=api).json()
        demo.faults("erp", error_rate=1.0, error_status=400)
        try:
            again = call_card(BASE, won[0], client=api).json()
        finally:
            demo.reset()
    erp = again["freshness"][1]
    assert erp["stale"] is True
    assert "400" in erp["error"]
    assert erp["read_at"] == first["freshness"][1]["read_at"]  # the last good read, kept
    assert again["freshness"][0]["stale"] is False  # HubSpot read again
    assert again["figures"] == first["figures"]
    assert first["figures"]["invoiced_amount"] is not None


def test_without_the_cards_contacts_a_card_reads_them_itself_and_shows_the_same(
    demo: RunningSandbox, cold: dict[str, tuple[dict[str, Any], int, int]], tmp_path: Path
) -> None:
    """A caller that sends no contacts (an older card; the CLI without --crm) gets the same card, the
    primary contact named by the API, for the contacts' labels and the primary contact's read."""
    shared = [
        deal for deal, (card, _, _) in cold.items() if any(f["kind"] == "duplicate" for f in card["findings"])
    ]
    alone = next(deal for deal in cold if deal not in shared)
    with served(api_settings(demo, tmp_path / "store.sqlite", cache_ttl_s=3600)) as api:
        assert call_card(BASE, not_won(list(cold)), client=api).status_code == 200  # the portal's set-up
        for deal in [*shared, alone]:
            card, crm, _ = cold[deal]
            before = spent(demo)[0]
            plain = call_card(BASE, deal, client=api).json()
            # the contacts' labels, and the primary contact when there is one
            assert spent(demo)[0] - before == crm + (2 if card["scope"]["primary_contact_id"] else 1), deal
            for part in ("figures", "handover", "findings", "delivery", "project"):
                assert plain[part] == card[part], (deal, part)
            assert plain["scope"] == card["scope"] | {
                "primary_contact_name": plain["scope"]["primary_contact_name"]
            }
            assert (plain["scope"]["primary_contact_name"] is not None) == (
                card["scope"]["primary_contact_id"] is not None
            )


def test_contacts_a_card_sends_change_only_that_cards_primary_contact(
    demo: RunningSandbox, cards: dict[str, dict[str, Any]], seen: dict[str, str | None], tmp_path: Path
) -> None:
    deal = next(
        d
        for d, contacts in seen.items()
        if contacts and "_" in contacts and cards[d]["scope"]["primary_contact_id"]
    )
    honest = seen[deal]
    assert honest is not None
    primary = cards[deal]["scope"]["primary_contact_id"]
    entries = {entry.split(".", 1)[0]: entry.partition(".")[2] for entry in honest.split("_")}
    other = next(contact for contact in entries if contact != primary)
    # the same contacts with the primary contact's association types moved to another contact
    swapped = entries | {primary: entries[other], other: entries[primary]}
    forged = "_".join(f"{contact}.{types}".rstrip(".") for contact, types in swapped.items())
    with served(api_settings(demo, tmp_path / "store.sqlite", cache_ttl_s=3600)) as api:
        mine = call_card(BASE, deal, contacts=forged, client=api).json()
        assert mine["scope"]["primary_contact_id"] == other  # the types are the card's word: its own card
        assert mine["figures"] == cards[deal]["figures"]  # no figure depends on them
        before = spent(demo)
        theirs = call_card(BASE, deal, contacts=honest, client=api).json()
        assert theirs["scope"]["primary_contact_id"] == primary  # another card's read is not reused
        assert spent(demo) != before
        # contacts the deal does not have are not taken: the API reads them itself
        unknown = call_card(BASE, deal, contacts=f"{honest}_999.903", client=api).json()
        assert unknown["scope"]["primary_contact_id"] == primary
        assert unknown["scope"]["primary_contact_name"]
        refused = call_card(BASE, deal, contacts="41000000104:903", client=api)
    assert refused.status_code == 400
    assert refused.json()["error"]["message"].startswith("contacts must be contact ids")
