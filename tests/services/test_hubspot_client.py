"""The HubSpot client against the running HubSpot-compatible sandbox, over real HTTP."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.errors import AuthError, BadResponseError, UnavailableError
from services.hubspot import HubSpotClient
from tests.sandbox_fixture import TOKEN, RunningSandbox, running_sandbox

FAST_WAITS = {"TEN_SECONDLY_ROLLING": 0.2, "SECONDLY": 0.2}


def test_snapshot_reads_every_deal_with_its_associations(crm: HubSpotClient, demo: RunningSandbox) -> None:
    snapshot = crm.fetch_snapshot()
    assert len(snapshot.deals) == demo.deals
    won = [d for d in snapshot.deals if d.is_won]
    assert 0.6 * demo.deals < len(won) < 0.8 * demo.deals
    # every won deal is associated with its company, and most have a project record
    assert all(d.company_ids for d in won)
    with_record = sum(1 for d in won if d.project_record_ids)
    assert with_record > 0.8 * len(won)
    # the project records point back at their deals
    by_id = {d.crm_deal_id: d for d in snapshot.deals}
    for record in snapshot.projects:
        assert record.deal_ids
        assert all(record.project_record_id in by_id[i].project_record_ids for i in record.deal_ids)
    assert len(snapshot.owners) >= 10


def test_missing_ids_in_the_manifest_are_missing_in_the_read(
    crm: HubSpotClient, demo: RunningSandbox
) -> None:
    deals = {d.crm_deal_id: d for d in crm.fetch_snapshot().deals}
    manifest = demo.manifest()
    for problem in manifest:
        if problem["kind"] == "missing":
            assert deals[problem["crm_deal_id"]].raw_project_id is None
        if problem["kind"] == "malformed":
            assert deals[problem["crm_deal_id"]].raw_project_id == problem["raw_id"]


def test_requests_stay_within_page_sizes(crm: HubSpotClient, demo: RunningSandbox) -> None:
    demo.reset_stats()
    snapshot = crm.fetch_snapshot()
    # deals: ceil(300/100) pages; associations: 6 types x ceil(300/1000) batch reads, and the primary
    # contact's label read once through the labels API; other: owners, deal and ticket pipelines
    stats = demo.stats("crm")
    assert stats.get("associations", 0) == 6 + 1
    assert stats.get("other", 0) == 3
    assert snapshot.requests == sum(stats.values())


def test_a_429_burst_is_waited_out(crm: HubSpotClient, demo: RunningSandbox) -> None:
    demo.faults("crm", rate_limit_next=3, path_contains="/crm/owners/")
    started = time.monotonic()
    owners = crm.fetch_owners()
    assert len(owners) >= 10
    assert time.monotonic() - started >= 0.6  # three policy waits of 0.2 s


def test_retry_after_is_honoured(crm: HubSpotClient, demo: RunningSandbox) -> None:
    demo.faults("crm", rate_limit_next=1, retry_after_s=1.0, path_contains="/crm/owners/")
    started = time.monotonic()
    crm.fetch_owners()
    assert time.monotonic() - started >= 1.0


def test_repeated_500s_end_in_a_clear_error(demo: RunningSandbox) -> None:
    demo.faults("crm", fail_next=10, error_status=500)
    with (
        HubSpotClient(demo.crm_url, TOKEN, max_retries=2) as client,
        pytest.raises(UnavailableError) as caught,
    ):
        client.fetch_owners()
    demo.reset()
    assert caught.value.status == 500
    assert client.requests == 3  # one try and two retries
    assert str(caught.value).startswith("HubSpot list owners failed (500)")


def test_a_timeout_becomes_unavailable(demo: RunningSandbox) -> None:
    demo.faults("crm", timeout_next=5, hang_s=3)
    with HubSpotClient(demo.crm_url, TOKEN, timeout=0.5, max_retries=1) as client:
        with pytest.raises(UnavailableError, match=r"no answer from .* within the timeout"):
            client.fetch_owners()
    demo.reset()


def test_a_malformed_body_raises_the_projects_error(demo: RunningSandbox) -> None:
    demo.faults("crm", malformed_next=1)
    with (
        HubSpotClient(demo.crm_url, TOKEN) as client,
        pytest.raises(BadResponseError, match="not valid JSON"),
    ):
        client.fetch_owners()
    demo.reset()


def test_a_wrong_token_says_what_to_check(demo: RunningSandbox) -> None:
    with HubSpotClient(demo.crm_url, "pat-na1-wrong-secret") as client, pytest.raises(AuthError) as caught:
        client.fetch_owners()
    assert "check the HubSpot token setting" in str(caught.value)
    assert "wrong-secret" not in str(caught.value)


def test_the_client_stays_under_its_rate_limit(demo: RunningSandbox) -> None:
    # 12 requests with a budget of 10 per 10 s: the 11th must wait for the window to move on
    with HubSpotClient(demo.crm_url, TOKEN, requests_per_10s=10) as client:
        started = time.monotonic()
        for _ in range(12):
            client.fetch_stages()
        elapsed = time.monotonic() - started
    assert elapsed >= 9.0


def test_batch_update_writes_and_reports_partial_failures(crm: HubSpotClient, demo: RunningSandbox) -> None:
    deals = [d for d in crm.fetch_snapshot().deals if not d.is_won][:3]
    ids = [d.crm_deal_id for d in deals]
    before = crm.read_field("deal.project_id", ids)
    demo.faults("crm", batch_fail_ids=[ids[1]])
    result = crm.write_field("deal.project_id", {i: f"PRJ-9{n:04d}" for n, i in enumerate(ids)})
    assert set(result.written) == {ids[0], ids[2]}
    assert set(result.failed) == {ids[1]}
    values = crm.read_field("deal.project_id", ids)
    assert values[ids[0]] == "PRJ-90000"
    assert values[ids[1]] == before[ids[1]]
    assert values[ids[2]] == "PRJ-90002"
    demo.reset()
    crm.write_field("deal.project_id", before)  # the shared demo sandbox ends as it began
    assert crm.read_field("deal.project_id", ids) == before


@pytest.mark.slow
def test_full_pagination_at_5000_deals(tmp_path: Path) -> None:
    with running_sandbox(tmp_path / "big.sqlite", deals=5000, seed=11) as big:
        with HubSpotClient(big.crm_url, TOKEN, requests_per_10s=1000) as client:
            snapshot = client.fetch_snapshot()
        manifest = big.manifest()
    ids = [d.crm_deal_id for d in snapshot.deals]
    assert len(ids) == 5000 == len(set(ids))
    deal_problems = {p["crm_deal_id"] for p in manifest if p["crm_deal_id"]}
    assert deal_problems <= set(ids)
    missing = {p["crm_deal_id"] for p in manifest if p["kind"] == "missing"}
    assert missing == {
        d.crm_deal_id for d in snapshot.deals if d.crm_deal_id in missing and d.raw_project_id is None
    }
