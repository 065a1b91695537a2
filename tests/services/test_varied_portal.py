"""The audit, figures and corrections on a portal set up otherwise than the dashboard's defaults
(`python -m sandbox serve --portal varied`): other property names, another label word under other type ids, a
second ticket pipeline with its own stage ids, partner companies listed before the customer, association
pages of 100, unique project IDs on the project object, search that shows a write only after a delay. The
settings come from `python -m sandbox env --portal varied`, as a person would take them; the oracle is the
default portal holding the same portfolio, and the manifest."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import pytest

from dashboard import columns as c
from dashboard.analysis import Analysis, analyze, params_from_settings
from dashboard.roles import Actor
from dashboard.settings import load_settings
from dashboard.snapshot import Snapshot, refresh_snapshot
from dashboard.transforms.corrections import propose_fixes, raw_ids
from dashboard.writeback import apply_corrections
from sandbox.demo import DemoOptions, dashboard_env
from services.hubspot import HubSpotClient, PortalNames
from services.models import CrmDealId, CrmSnapshot, NewProjectRecord
from services.odoo import OdooClient
from services.store import Store
from tests.corrections_support import deal_value, first, new_store, project_record
from tests.sandbox_fixture import AS_OF, ODOO, ROOT, TOKEN, RunningSandbox, running_sandbox
from tests.services.test_doctor import doctor

AUTH = {"Authorization": f"Bearer {TOKEN}"}
OPS = Actor("olga.ops@example.com", "ops")
INDEX_DELAY = timedelta(seconds=2)
"""How late search shows a write here (the varied portal's own 5 s, shortened to keep the tests fast)."""


PREFIX = "THROUGHLINE_HUBSPOT__"


def portal_settings(portal: str) -> dict[str, str]:
    """The portal's THROUGHLINE_HUBSPOT__* lines of `python -m sandbox env --portal ...`."""
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "env", "--portal", portal],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    pairs = (line.split("=", 1) for line in out.splitlines() if line.startswith(PREFIX))
    return dict(pairs)


def portal_names(portal: str) -> PortalNames:
    """The portal's names, as the settings `python -m sandbox env --portal ...` prints give them."""
    return PortalNames(**{k.removeprefix(PREFIX).lower(): v for k, v in portal_settings(portal).items()})


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    db = tmp_path_factory.mktemp("varied") / "sandbox.sqlite"
    delay = ("--search-index-delay-s", str(INDEX_DELAY.total_seconds()))
    with running_sandbox(db, extra=("--portal", "varied", *delay)) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def names() -> PortalNames:
    return portal_names("varied")


def read(sandbox: RunningSandbox, names: PortalNames | None) -> tuple[Snapshot, Analysis]:
    with (
        HubSpotClient(sandbox.crm_url, TOKEN, names=names) as crm,
        OdooClient(sandbox.erp_url, **ODOO) as erp,
    ):
        snapshot = refresh_snapshot(crm, erp)
    return snapshot, analyze(snapshot, params_from_settings(load_settings(), as_of=AS_OF))


@pytest.fixture(scope="module")
def on_varied(varied: RunningSandbox, names: PortalNames) -> tuple[Snapshot, Analysis]:
    return read(varied, names)


@pytest.fixture(scope="module")
def on_default(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Snapshot, Analysis]]:
    """The same portfolio on the default portal, on a sandbox of its own (the session's demo is written
    to by other tests)."""
    with running_sandbox(tmp_path_factory.mktemp("default") / "sandbox.sqlite") as sandbox:
        yield read(sandbox, None)


def crm(snapshot: Snapshot) -> CrmSnapshot:
    assert snapshot.crm is not None
    return snapshot.crm


def _key(kind: str, deal: str | None, project: str | None) -> tuple[str, str | None]:
    return (kind, project) if kind == "orphan" else (kind, deal)


def test_the_audit_equals_the_manifest(varied: RunningSandbox, on_varied: tuple[Snapshot, Analysis]) -> None:
    manifest = varied.manifest()
    expected = {_key(p["kind"], p.get("crm_deal_id"), p.get("erp_project_id")) for p in manifest}
    found = {_key(f.kind, f.crm_deal_id, f.erp_project_id) for f in on_varied[1].findings}
    print(
        f"\naudit on the varied portal: recall {len(expected & found) / len(expected):.0%}, "
        f"precision {len(expected & found) / len(found):.0%} ({len(manifest)} problems)"
    )
    assert found == expected


def test_figures_equal_those_of_the_same_portfolio_on_the_default_portal(
    on_varied: tuple[Snapshot, Analysis], on_default: tuple[Snapshot, Analysis]
) -> None:
    def figures(analysis: Analysis) -> pd.DataFrame:
        return analysis.figures.sort_values(c.ERP_PROJECT_ID).reset_index(drop=True)

    def deals(analysis: Analysis) -> pd.DataFrame:
        return analysis.deals.sort_values(c.CRM_DEAL_ID).reset_index(drop=True)

    pd.testing.assert_frame_equal(figures(on_varied[1]), figures(on_default[1]))
    # the deals as the pages show them: customer, primary contact, open incidents and change requests...
    pd.testing.assert_frame_equal(deals(on_varied[1]), deals(on_default[1]))


def test_customer_and_primary_contact_are_right_on_every_deal(
    varied: RunningSandbox, on_varied: tuple[Snapshot, Analysis], on_default: tuple[Snapshot, Analysis]
) -> None:
    def people(snapshot: Snapshot) -> dict[str, tuple[str | None, str | None]]:
        return {
            d.crm_deal_id: (d.company_ids[0] if d.company_ids else None, d.primary_contact_id)
            for d in crm(snapshot).deals
        }

    assert people(on_varied[0]) == people(on_default[0])
    with_partner = [d for d in crm(on_varied[0]).deals if len(d.company_ids) == 2]
    assert len(with_partner) == 75  # every 4th of 300 deals
    # HubSpot lists the partner (a lower id) first on most of them; the customer still comes first here
    ids = [d.crm_deal_id for d in with_partner]
    body = httpx.post(
        f"{varied.crm_url}/crm/v4/associations/deals/companies/batch/read",
        json={"inputs": [{"id": i} for i in ids]},
        headers=AUTH,
    ).json()
    listed_first = {r["from"]["id"]: str(r["to"][0]["toObjectId"]) for r in body["results"]}
    partner_first = [d for d in with_partner if listed_first[d.crm_deal_id] != d.company_ids[0]]
    assert len(partner_first) > 60


def test_open_tickets_are_those_at_an_open_stage_of_either_pipeline(
    varied: RunningSandbox, on_varied: tuple[Snapshot, Analysis]
) -> None:
    pipelines = httpx.get(f"{varied.crm_url}/crm/v3/pipelines/tickets", headers=AUTH).json()["results"]
    open_stages = {s["id"] for p in pipelines for s in p["stages"] if s["metadata"]["ticketState"] == "OPEN"}
    stages: dict[str, str] = {}
    after: str | None = None
    while True:
        params = {"limit": 100, "properties": "hs_pipeline_stage", **({"after": after} if after else {})}
        page = httpx.get(f"{varied.crm_url}/crm/v3/objects/tickets", params=params, headers=AUTH).json()
        stages |= {t["id"]: t["properties"]["hs_pipeline_stage"] for t in page["results"]}
        after = (page.get("paging") or {}).get("next", {}).get("after")
        if not after:
            break
    assert len(pipelines) == 2
    assert sum(1 for s in stages.values() if s == "31337203") > 50  # closed in the second pipeline
    tickets = crm(on_varied[0]).tickets
    assert {t.ticket_id for t in tickets if t.is_open} == {i for i, s in stages.items() if s in open_stages}


def test_a_correction_writes_the_portals_own_property(
    varied: RunningSandbox, names: PortalNames, on_varied: tuple[Snapshot, Analysis], tmp_path: Path
) -> None:
    finding = first(on_varied[1].findings, "malformed")
    assert finding.crm_deal_id is not None
    proposals = propose_fixes([finding], raw_ids(on_varied[1].deals))
    store: Store = new_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    with HubSpotClient(varied.crm_url, TOKEN, names=names) as client:
        report = apply_corrections(client, store, proposals, actor=OPS)
    store.close()
    assert report.applied == (finding.crm_deal_id,)
    assert deal_value(varied, finding.crm_deal_id, "delivery_project_ref") == finding.suggested_id
    assert deal_value(varied, finding.crm_deal_id, "erp_project_id") is None  # not a property here


def test_a_project_record_with_a_project_id_another_record_holds_is_refused(
    varied: RunningSandbox, names: PortalNames, on_varied: tuple[Snapshot, Analysis]
) -> None:
    taken = next(p.raw_project_id for p in crm(on_varied[0]).projects if p.raw_project_id)
    response = httpx.post(
        f"{varied.crm_url}/crm/v3/objects/p_projects",
        json={"properties": {"engagement_name": "Copy", "delivery_code": taken}},
        headers=AUTH,
    )
    assert response.status_code == 409
    assert taken in response.json()["message"]
    assert "delivery_code" in response.json()["message"]
    # with every input traced (objectWriteTraceId), HubSpot fails the conflicting one and creates the rest
    records = [
        NewProjectRecord(crm_deal_id=CrmDealId("21000000001"), name="Copy", project_id=taken),
        NewProjectRecord(crm_deal_id=CrmDealId("21000000003"), name="New one", project_id="PRJ-99001"),
    ]
    with HubSpotClient(varied.crm_url, TOKEN, names=names) as client:
        result = client.create_project_records(records)
    assert list(result.failed) == ["21000000001"]
    assert f"delivery_code {taken} already exists" in result.failed["21000000001"]
    made = result.written["21000000003"]["id"]
    assert made is not None
    assert project_record(varied, made, ["delivery_code"])["delivery_code"] == "PRJ-99001"


def test_a_batch_update_with_one_unique_conflict_still_writes_the_others(
    varied: RunningSandbox, names: PortalNames, on_varied: tuple[Snapshot, Analysis]
) -> None:
    first_record, second, third = (p for p in crm(on_varied[0]).projects[-3:])
    updates = {
        first_record.project_record_id: {"delivery_code": second.raw_project_id},  # another record's ID
        third.project_record_id: {"engagement_name": "Renamed in the same batch"},
    }
    with HubSpotClient(varied.crm_url, TOKEN, names=names) as client:
        result = client._update("p_projects", updates, "engagement_name")
    assert list(result.failed) == [first_record.project_record_id]
    assert "already exists" in result.failed[first_record.project_record_id]
    assert list(result.written) == [third.project_record_id]
    held = project_record(varied, third.project_record_id, ["engagement_name"])
    assert held["engagement_name"] == "Renamed in the same batch"


def test_the_portal_check_passes_with_the_portals_settings_and_not_without(varied: RunningSandbox) -> None:
    done = doctor(varied, **portal_settings("varied"))
    assert done.returncode == 0, done.stdout
    assert "OK   deals.delivery_project_ref (project ID): string" in done.stdout
    assert "OK   deal -> contact label 'Sponsor': type id 1207" in done.stdout
    defaults = doctor(varied)
    assert defaults.returncode == 2
    assert "FIX  deals.erp_project_id (project ID): no property 'erp_project_id' on deals" in defaults.stdout


def test_a_refresh_sees_an_association_change_that_did_not_touch_the_deal(
    varied: RunningSandbox, names: PortalNames
) -> None:
    with HubSpotClient(varied.crm_url, TOKEN, names=names) as client:
        started = datetime.now(UTC)
        before = client.fetch_snapshot()
        deal = next(d for d in before.deals if d.contact_ids and d.company_ids)
        other = next(c.contact_id for c in before.contacts if c.contact_id not in deal.contact_ids)
        url = (
            f"{varied.crm_url}/crm/v4/objects/deals/{deal.crm_deal_id}/associations/default/contacts/{other}"
        )
        httpx.put(url, headers=AUTH).raise_for_status()
        read = httpx.get(f"{varied.crm_url}/crm/v3/objects/deals/{deal.crm_deal_id}", headers=AUTH)
        stamp = read.json()["properties"]["hs_lastmodifieddate"]
        assert datetime.fromisoformat(stamp.replace("Z", "+00:00")) == deal.updated_at  # not moved
        after = client.fetch_changes(before, started)
        full = client.fetch_snapshot()
    assert after is not None
    changed = next(d for d in after.deals if d.crm_deal_id == deal.crm_deal_id)
    assert other in changed.contact_ids
    assert after.deals == full.deals


def searched_name(sandbox: RunningSandbox, deal_id: str) -> str | None:
    """The deal's name as HubSpot's search answers it now (None when search does not list the deal).

    The client's own searches may have used this second's five (HubSpot's search limit, policy SECONDLY):
    a 429 is waited out, as HubSpot asks, and the search sent again."""
    one = {"filters": [{"propertyName": "hs_object_id", "operator": "EQ", "value": deal_id}]}
    for _ in range(5):
        answer = httpx.post(
            f"{sandbox.crm_url}/crm/v3/objects/deals/search",
            json={"filterGroups": [one], "properties": ["dealname"]},
            headers=AUTH,
        )
        if answer.status_code != 429:
            break
        time.sleep(1.0)
    body = answer.raise_for_status().json()
    return str(body["results"][0]["properties"]["dealname"]) if body["results"] else None


@pytest.mark.parametrize(
    ("look_back", "kept"),
    [(INDEX_DELAY, True), (timedelta(0), False)],
    ids=["look-back-equal-to-the-delay", "no-look-back"],
)
def test_a_change_search_shows_late_is_kept_by_a_look_back_that_covers_the_delay(
    varied: RunningSandbox,
    names: PortalNames,
    on_varied: tuple[Snapshot, Analysis],
    look_back: timedelta,
    kept: bool,
) -> None:
    deal = crm(on_varied[0]).deals[10 if kept else 11]
    renamed = f"{deal.name} (renamed)"
    with HubSpotClient(varied.crm_url, TOKEN, names=names, change_lag=look_back) as client:
        started = datetime.now(UTC)
        before = client.fetch_snapshot()
        varied.patch("deals", {deal.crm_deal_id: {"dealname": renamed}})
        changed = time.monotonic()
        # a read by id shows the change at once, search only once it has indexed it
        assert deal_value(varied, deal.crm_deal_id, "dealname") == renamed
        searched = searched_name(varied, deal.crm_deal_id)
        if time.monotonic() - changed < INDEX_DELAY.total_seconds():  # (a slow machine may take longer)
            assert searched == deal.name
        started_again = datetime.now(UTC)
        first = client.fetch_changes(before, started)
        if time.monotonic() - changed < INDEX_DELAY.total_seconds():  # its searches ran before indexing
            assert first is not None
            assert next(d.name for d in first.deals if d.crm_deal_id == deal.crm_deal_id) == deal.name
        time.sleep(max(0.0, INDEX_DELAY.total_seconds() - (time.monotonic() - changed)) + 0.1)
        assert searched_name(varied, deal.crm_deal_id) == renamed
        second = client.fetch_changes(first or before, started_again)
        full = client.fetch_snapshot()
    assert second is not None
    refreshed = next(d.name for d in second.deals if d.crm_deal_id == deal.crm_deal_id)
    if kept:  # the next refresh looks back past the missed change and finds it
        assert refreshed == renamed
        assert second.deals == full.deals
    else:  # the change predates the refresh that missed it: lost until the next full read
        assert refreshed == deal.name
        assert next(d.name for d in full.deals if d.crm_deal_id == deal.crm_deal_id) == renamed


def test_a_deal_deleted_while_search_still_lists_it_drops_out_on_the_next_refresh(
    varied: RunningSandbox, names: PortalNames, on_varied: tuple[Snapshot, Analysis]
) -> None:
    deal = crm(on_varied[0]).deals[12]
    url = f"{varied.crm_url}/crm/v3/objects/deals/{deal.crm_deal_id}"
    with HubSpotClient(varied.crm_url, TOKEN, names=names, change_lag=INDEX_DELAY) as client:
        started = datetime.now(UTC)
        before = client.fetch_snapshot()
        httpx.delete(url, headers=AUTH).raise_for_status()
        deleted = time.monotonic()
        assert httpx.get(url, headers=AUTH).status_code == 404
        assert searched_name(varied, deal.crm_deal_id) == deal.name  # not yet out of the index
        started_again = datetime.now(UTC)
        first = client.fetch_changes(before, started)
        if time.monotonic() - deleted < INDEX_DELAY.total_seconds():  # search still counted the deal
            assert first is not None
            assert deal.crm_deal_id in {d.crm_deal_id for d in first.deals}
        time.sleep(max(0.0, INDEX_DELAY.total_seconds() - (time.monotonic() - deleted)) + 0.1)
        assert searched_name(varied, deal.crm_deal_id) is None
        second = client.fetch_changes(first or before, started_again)
        full = client.fetch_snapshot()
    assert second is not None
    assert deal.crm_deal_id not in {d.crm_deal_id for d in second.deals}
    assert second.deals == full.deals


def test_a_deal_created_before_search_lists_it_comes_in_on_the_next_refresh(
    varied: RunningSandbox, names: PortalNames
) -> None:
    with HubSpotClient(varied.crm_url, TOKEN, names=names, change_lag=INDEX_DELAY) as client:
        started = datetime.now(UTC)
        before = client.fetch_snapshot()
        made = httpx.post(
            f"{varied.crm_url}/crm/v3/objects/deals",
            json={"properties": {"dealname": "Made just now", "dealstage": before.deals[0].stage}},
            headers=AUTH,
        )
        made.raise_for_status()
        created, deal_id = time.monotonic(), str(made.json()["id"])
        assert searched_name(varied, deal_id) is None  # not yet indexed
        started_again = datetime.now(UTC)
        first = client.fetch_changes(before, started)
        if time.monotonic() - created < INDEX_DELAY.total_seconds():  # its searches ran before indexing
            assert first is not None
            assert deal_id not in {d.crm_deal_id for d in first.deals}
        time.sleep(max(0.0, INDEX_DELAY.total_seconds() - (time.monotonic() - created)) + 0.1)
        second = client.fetch_changes(first or before, started_again)
        full = client.fetch_snapshot()
    assert second is not None
    assert next(d.name for d in second.deals if d.crm_deal_id == deal_id) == "Made just now"
    assert second.deals == full.deals


def test_the_demo_points_the_dashboard_at_the_varied_portal_with_its_names() -> None:
    options = DemoOptions(deals=300, seed=7, db=Path("unused.sqlite"), serve_args=("--portal", "varied"))
    env = dashboard_env(options)
    assert env["THROUGHLINE_HUBSPOT__PROJECT_ID_PROPERTY"] == "delivery_project_ref"
    assert {k: v for k, v in env.items() if k.startswith(PREFIX)} == portal_settings("varied")
    plain = dashboard_env(DemoOptions(deals=300, seed=7, db=Path("unused.sqlite")))
    assert not any(k.startswith(PREFIX) for k in plain)
