"""Portal semantics read from the portal, on the hand-checkable portal of tests/hubspot_fixture.py: each
record's associations paged to the end, the primary company by its type id, the primary contact by the
portal's own label, open tickets by their stage's ticketState. Over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.hubspot import HubSpotLimits
from sandbox.hubspot.portal import Portal
from services.errors import RateLimitError
from services.hubspot import HubSpotClient, PortalNames
from tests.hubspot_fixture import TOKEN, hubspot_portal

AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture portal answering one association per record and page, with two more links: deal 1003
    also has contact 301, and deal 1004 has company 201 as a partner (unlabeled, type 341), listed
    before its primary company 202; ticket 501 is moved to the Closed stage ("4")."""
    with (
        hubspot_portal(tmp_path_factory.mktemp("hubspot-portal"), portal=Portal(association_page=1)) as url,
        httpx.Client(base_url=url, headers=AUTH, timeout=10) as api,
    ):
        api.put("/crm/v4/objects/deals/1003/associations/default/contacts/301").raise_for_status()
        partner = [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 341}]
        api.put("/crm/v4/objects/deals/1004/associations/companies/201", json=partner).raise_for_status()
        closed = {"inputs": [{"id": "501", "properties": {"hs_pipeline_stage": "4"}}]}
        api.post("/crm/v3/objects/tickets/batch/update", json=closed).raise_for_status()
        yield url


def test_each_records_associations_are_paged_to_the_end(portal: str) -> None:
    with HubSpotClient(portal, TOKEN) as client:
        start = client.requests
        links = client.read_associations("deals", "contacts", ["1001", "1003"])
        # one contact per page: 1003's second contact needs a second request, for 1003 alone
        assert client.requests - start == 2
    assert sorted(target for target, _ in links["1003"]) == ["301", "302"]
    assert [target for target, _ in links["1001"]] == ["301"]


def test_the_customer_is_the_primary_company_not_the_first_listed(portal: str) -> None:
    with HubSpotClient(portal, TOKEN) as client:
        listed = client.read_associations("deals", "companies", ["1004"])["1004"]
        deals = {d.crm_deal_id: d for d in client.fetch_snapshot().deals}
    assert [target for target, _ in listed] == ["201", "202"]  # HubSpot lists the partner first
    assert deals["1004"].company_ids == ("202", "201")


@pytest.mark.parametrize(
    ("label", "primary"), [("Primary contact", "301"), ("PRIMARY CONTACT", "301"), ("Main contact", None)]
)
def test_the_primary_contact_is_the_portals_label_resolved_to_its_type(
    portal: str, label: str, primary: str | None
) -> None:
    names = PortalNames(primary_contact_label=label)
    with HubSpotClient(portal, TOKEN, names=names) as client:
        deals = {d.crm_deal_id: d for d in client.fetch_snapshot().deals}
    assert deals["1001"].primary_contact_id == primary
    assert deals["1003"].primary_contact_id is None  # 301 is only a plain contact of 1003


def test_a_ticket_is_open_as_its_stages_ticket_state_says(portal: str) -> None:
    with HubSpotClient(portal, TOKEN) as client:
        assert client.ticket_states() == {"1": True, "2": True, "3": True, "4": False}
        tickets = client.fetch_snapshot().tickets
    assert [(t.ticket_id, t.is_open) for t in tickets] == [("501", False)]


def test_the_daily_quota_is_read_and_reading_stops_before_it_is_gone(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with (
        hubspot_portal(tmp_path / "a", limits=HubSpotLimits(daily=1000)) as url,
        HubSpotClient(url, TOKEN) as client,
    ):
        snapshot = client.fetch_snapshot()
    assert (snapshot.quota_left, snapshot.quota_limit) == (1000 - snapshot.requests, 1000)
    with (
        hubspot_portal(tmp_path / "b", limits=HubSpotLimits(daily=30)) as url,
        HubSpotClient(url, TOKEN, daily_reserve=25) as client,
    ):
        with pytest.raises(RateLimitError, match="only 25 of the portal's 30 daily API requests are left"):
            client.fetch_snapshot()
        assert client.daily is not None
        left = client.daily[0]
        # the requests in flight when the reserve was reached land; none goes out after, so the quota
        # is never spent (HubSpot would refuse every call until midnight)
        assert 0 < left <= 25
        assert client.requests == 30 - left
