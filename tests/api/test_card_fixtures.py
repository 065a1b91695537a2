"""The React card's test answers (hubspot-app/src/app/cards/fixtures/*.json) are the API's real answers.

Each fixture is what the API answers for one demo deal (the demo sandbox: 300 deals, seed 7, analysed as of
2026-11-01), as `python -m sandbox.hubspot.signing card --deal <id> --crm <HubSpot sandbox>` prints it (the
card sends the deal's contacts, so the answer names no contact: the card shows the name HubSpot gives it):
in the demo for card-demo, card-at-risk; for a sales viewer (sam@acme.test) for card-sales and card-not-won.
This test asks the API again and compares everything but the read times, so the card is tested on the shape
and values the API sends; when the API's answer changes on purpose, regenerate the fixtures:
`THROUGHLINE_REGENERATE_CARD_FIXTURES=1 pytest tests/api/test_card_fixtures.py` writes each answer over its
fixture (and the test then fails, to say so).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.hubspot.signing import call_card, seen_contacts
from tests.api.conftest import BASE, api_settings, served
from tests.sandbox_fixture import ROOT, RunningSandbox

FIXTURES = ROOT / "hubspot-app" / "src" / "app" / "cards" / "fixtures"
SALES = "sam@acme.test"


def timeless(card: dict[str, Any]) -> dict[str, Any]:
    """The answer without when each source was read (it changes with every read)."""
    freshness = [{k: v for k, v in s.items() if k not in ("read_at", "age_s")} for s in card["freshness"]]
    return card | {"freshness": freshness}


@pytest.fixture(scope="module")
def apis(demo: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, TestClient]]:
    folder = tmp_path_factory.mktemp("fixtures")
    sales = api_settings(demo, folder / "sales.sqlite", access={"mode": "oidc", "roles": {SALES: "sales"}})
    with served(api_settings(demo, folder / "demo.sqlite")) as open_demo, served(sales) as signed_in:
        yield {"demo": open_demo, "sales": signed_in}


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_each_fixture_is_what_the_api_answers(
    demo: RunningSandbox, apis: dict[str, TestClient], name: str
) -> None:
    fixture = json.loads((FIXTURES / name).read_text())
    view = "demo" if fixture["access"]["demo"] else fixture["access"]["role"]
    deal = fixture["deal"]["crm_deal_id"]
    contacts = seen_contacts(demo.crm_url, deal)  # as the card sends them: the answer names no contact
    answer = call_card(BASE, deal, user_email=SALES, contacts=contacts, client=apis[view])
    assert answer.status_code == 200
    if os.environ.get("THROUGHLINE_REGENERATE_CARD_FIXTURES"):
        # the read times stay as they were: the card's tests assert the ages they show
        fresh = answer.json() | {"freshness": fixture["freshness"]}
        (FIXTURES / name).write_text(json.dumps(fresh, indent=2, ensure_ascii=False) + "\n")
        pytest.fail(f"regenerated {name}: review the diff, then run the test again without the variable")
    assert timeless(answer.json()) == timeless(fixture)


def test_the_fixtures_cover_each_view_of_the_card() -> None:
    cards = [json.loads(p.read_text()) for p in FIXTURES.glob("*.json")]
    assert any(c["access"]["financials"] and c["findings"] for c in cards)
    assert any(c["access"]["role"] == "sales" and c["deal"]["deal_is_won"] for c in cards)
    assert any(not c["deal"]["deal_is_won"] for c in cards)
