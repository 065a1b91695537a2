"""Who sees what on the card: the viewer HubSpot names gets a role by the dashboard's rules (the allow-list
with OIDC, the account with local sign-in); a role without the Margin page (sales) gets the delivery part
only; a viewer the dashboard would not let in gets a 403 and nothing is read; the demo shows everything to
everyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from sandbox.hubspot.signing import call_card
from services.store import Store
from tests.api.conftest import BASE, api_settings, requests_to, served
from tests.sandbox_fixture import RunningSandbox

WON = "21000000001"
ALLOW_LIST = {"sam@acme.test": "sales", "@acme.test": "owner", "ops@acme.test": "ops"}
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="module")
def signed_in(demo: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API of a deployment with OIDC sign-in and an allow-list."""
    store = tmp_path_factory.mktemp("roles") / "store.sqlite"
    settings = api_settings(demo, store, access={"mode": "oidc", "roles": ALLOW_LIST})
    with served(settings) as client:
        yield client


def card(client: TestClient, email: str | None, deal: str = WON) -> dict[str, Any]:
    response = call_card(BASE, deal, user_email=email, client=client)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_sales_gets_the_delivery_part_and_no_figures(signed_in: TestClient) -> None:
    seen = card(signed_in, "sam@acme.test")
    assert seen["access"] == {
        "role": "sales",
        "demo": False,
        "financials": False,
        "parts": ["delivery", "handover", "link"],
    }
    assert seen["figures"] is None
    assert seen["findings"] is None  # the ID audit page is not a sales page either
    assert seen["delivery"]["milestones_total"] >= 1
    assert seen["handover"] is not None
    assert not any(key.endswith("_amount") for part in ("scope", "delivery") for key in seen[part])


def test_an_owner_by_domain_gets_the_figures(signed_in: TestClient) -> None:
    seen = card(signed_in, "Olivia@ACME.test")
    assert seen["access"]["role"] == "owner"
    assert seen["access"]["financials"] is True
    assert seen["figures"]["contract_value_amount"] > 0
    assert seen["findings"] is not None


def test_the_same_deal_shows_sales_the_same_delivery_as_ops(signed_in: TestClient) -> None:
    assert card(signed_in, "sam@acme.test")["delivery"] == card(signed_in, "ops@acme.test")["delivery"]


def test_a_viewer_not_on_the_allow_list_is_refused_and_nothing_is_read(
    demo: RunningSandbox, tmp_path: Path
) -> None:
    settings = api_settings(demo, tmp_path / "store.sqlite", access={"mode": "oidc", "roles": ALLOW_LIST})
    with served(settings) as cold:
        before = requests_to(demo)
        for email, says in (
            ("mallory@elsewhere.test", "mallory@elsewhere.test has no Throughline role"),
            ("@acme.test", "has no Throughline role"),
            (None, "HubSpot did not say who is viewing this deal"),
        ):
            response = call_card(BASE, WON, user_email=email, client=cold)
            assert response.status_code == 403
            error = response.json()["error"]
            assert error["code"] == "no_access"
            assert says in error["message"]
        assert requests_to(demo) == before


def test_local_accounts_give_the_role_with_local_sign_in(demo: RunningSandbox, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    store = Store(url, hasher=FAST)
    store.migrate()
    store.add_user("sam@acme.test", "correct horse battery", "sales")
    store.add_user("ann@acme.test", "correct horse battery", "admin")
    store.close()
    settings = api_settings(demo, tmp_path / "store.sqlite", access={"mode": "local", "roles": ALLOW_LIST})
    with served(settings) as local:
        assert card(local, "SAM@acme.test")["figures"] is None
        assert card(local, "ann@acme.test")["figures"]["currency"]
        # the allow-list is not what local sign-in reads: a domain entry lets nobody in
        assert call_card(BASE, WON, user_email="olivia@acme.test", client=local).status_code == 403


@pytest.fixture(scope="module")
def open_demo(demo: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The API as `make run` has it: no sign-in configured."""
    with served(api_settings(demo, tmp_path_factory.mktemp("open") / "store.sqlite")) as client:
        yield client


@pytest.mark.parametrize("email", ["sam@acme.test", "nobody@nowhere.test", None])
def test_the_demo_shows_everything_to_every_viewer(open_demo: TestClient, email: str | None) -> None:
    seen = card(open_demo, email)
    assert seen["access"]["demo"] is True
    assert seen["access"]["parts"] == ["delivery", "figures", "findings", "handover", "link"]
    assert seen["figures"]["contract_value_amount"] > 0
