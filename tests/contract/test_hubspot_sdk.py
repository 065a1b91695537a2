"""Contract: HubSpot's official Python SDK (hubspot-api-client 12.0.0) against the HubSpot sandbox.

If the SDK can read and write the sandbox and gets back the values seeded in tests/hubspot_fixture.py, the
sandbox speaks HubSpot's wire format closely enough for any client written against the real API.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hubspot import HubSpot
from hubspot.crm.associations.v4 import BatchInputPublicFetchAssociationsBatchRequest
from hubspot.crm.associations.v4 import PublicFetchAssociationsBatchRequest as FetchRequest
from hubspot.crm.deals import (
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    Filter,
    FilterGroup,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInput,
    SimplePublicObjectId,
)
from hubspot.crm.deals.exceptions import NotFoundException, UnauthorizedException
from hubspot.crm.objects import Filter as ObjectFilter
from hubspot.crm.objects import FilterGroup as ObjectFilterGroup
from hubspot.crm.objects import PublicObjectSearchRequest as ObjectSearchRequest
from hubspot.crm.objects import SimplePublicObjectInputForCreate

from tests.hubspot_fixture import DEALS, TOKEN, hubspot_portal


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded portal, shared by the read-only tests of this module."""
    with hubspot_portal(tmp_path_factory.mktemp("hubspot-sdk")) as url:
        yield url


@pytest.fixture
def fresh_portal(tmp_path: Path) -> Iterator[str]:
    """A portal of its own, for a test that writes."""
    with hubspot_portal(tmp_path) as url:
        yield url


def sdk(url: str, token: str = TOKEN) -> HubSpot:
    return HubSpot(access_token=token, host=url)


def test_get_all_deals_returns_every_live_deal_with_properties_and_associations(portal: str) -> None:
    deals = sdk(portal).crm.deals.get_all(
        properties=["dealname", "amount", "erp_project_id"], associations=["companies", "line_items"]
    )
    by_id = {deal.id: deal for deal in deals}
    assert sorted(by_id) == ["1001", "1002", "1003", "1004", "1005"]  # 1006 is archived
    assert by_id["1001"].properties["amount"] == "48000"
    assert by_id["1001"].properties["erp_project_id"] == "PRJ-001"
    assert by_id["1004"].properties["dealname"] == "Globex analytics"
    assert by_id["1005"].properties["amount"] is None  # defined but unset
    assert by_id["1003"].properties["erp_project_id"] is None
    assert by_id["1001"].created_at == datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
    companies = by_id["1001"].associations["companies"].results
    assert {a.id for a in companies} == {"201"}
    assert {a.type for a in companies} == {"deal_to_company", "deal_to_company_unlabeled"}
    assert {a.id for a in by_id["1004"].associations["line items"].results} == {"402"}
    assert "line items" not in (by_id["1002"].associations or {})


def test_get_by_id_with_id_property_reads_the_deal_holding_that_project_id(portal: str) -> None:
    deal = sdk(portal).crm.deals.basic_api.get_by_id(
        "PRJ-004", id_property="erp_project_id", properties=["dealname", "erp_project_id"]
    )
    assert deal.id == "1004"
    assert deal.properties["dealname"] == "Globex analytics"
    assert deal.properties["hs_object_id"] == "1004"


def test_filtered_search_returns_the_matching_deals_and_total(portal: str) -> None:
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(property_name="dealstage", operator="EQ", value="closedwon"),
                    Filter(property_name="amount", operator="GT", value="10000"),
                ]
            )
        ],
        properties=["dealname", "amount"],
        limit=10,
    )
    page = sdk(portal).crm.deals.search_api.do_search(public_object_search_request=request)
    assert page.total == 2
    assert [deal.id for deal in page.results] == ["1001", "1004"]  # 9,500 and the open deals are out
    assert page.results[1].properties["amount"] == "15000.50"
    assert page.paging is None


def test_search_filter_groups_are_ored(portal: str) -> None:
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(filters=[Filter(property_name="dealstage", operator="EQ", value="contractsent")]),
            FilterGroup(filters=[Filter(property_name="amount", operator="LT", value="10000")]),
        ],
        sorts=[{"propertyName": "amount", "direction": "DESCENDING"}],
    )
    page = sdk(portal).crm.deals.search_api.do_search(public_object_search_request=request)
    assert [deal.id for deal in page.results] == ["1003", "1002"]  # 120,000 then 9,500


def test_batch_update_then_read_shows_the_new_values(fresh_portal: str) -> None:
    client = sdk(fresh_portal)
    update = BatchInputSimplePublicObjectBatchInput(
        inputs=[
            SimplePublicObjectBatchInput(id="1003", properties={"erp_project_id": "PRJ-003"}),
            SimplePublicObjectBatchInput(id="1005", properties={"amount": "2500", "dealstage": "closedwon"}),
        ]
    )
    written = client.crm.deals.batch_api.update(batch_input_simple_public_object_batch_input=update)
    assert written.status == "COMPLETE"
    assert {r.id: r.properties.get("erp_project_id") for r in written.results}["1003"] == "PRJ-003"
    read = client.crm.deals.batch_api.read(
        batch_read_input_simple_public_object_id=BatchReadInputSimplePublicObjectId(
            inputs=[SimplePublicObjectId(id="1003"), SimplePublicObjectId(id="1005")],
            properties=["erp_project_id", "amount", "dealstage", "hs_deal_stage_probability"],
        )
    )
    values = {r.id: r.properties for r in read.results}
    assert values["1003"]["erp_project_id"] == "PRJ-003"
    assert values["1003"]["amount"] == DEALS[1003]["amount"]  # untouched
    assert values["1005"]["amount"] == "2500"
    assert values["1005"]["hs_deal_stage_probability"] == "1.0"  # HubSpot derives it from the stage
    assert read.results[0].updated_at > datetime(2025, 12, 2, tzinfo=UTC)


def test_custom_object_is_readable_by_p_name_and_by_object_type_id(portal: str) -> None:
    client = sdk(portal)
    projects = client.crm.objects.get_all("p_projects", properties=["project_name", "erp_project_id"])
    assert {p.id: p.properties["erp_project_id"] for p in projects} == {"701": "PRJ-001", "702": "PRJ-004"}
    page = client.crm.objects.basic_api.get_page("2-3210987", properties=["project_name"])
    assert [p.properties["project_name"] for p in page.results] == ["Acme ERP rollout", "Globex analytics"]
    assert "hs_createdate" in page.results[0].properties  # custom objects get hs_createdate, not createdate
    request = ObjectSearchRequest(
        filter_groups=[
            ObjectFilterGroup(
                filters=[ObjectFilter(property_name="project_status", operator="EQ", value="completed")]
            )
        ]
    )
    found = client.crm.objects.search_api.do_search("p_projects", public_object_search_request=request)
    assert found.total == 1
    assert found.results[0].id == "702"


def test_v4_association_batch_read_gives_targets_types_and_207_errors(portal: str) -> None:
    batch = sdk(portal).crm.associations.v4.batch_api
    request = BatchInputPublicFetchAssociationsBatchRequest(
        inputs=[FetchRequest(id="1001"), FetchRequest(id="1005")]
    )
    page = batch.get_page("deals", "contacts", batch_input_public_fetch_associations_batch_request=request)
    assert [row._from.id for row in page.results] == ["1001"]
    target = page.results[0].to[0]
    assert target.to_object_id == "301"
    labels = {(t.type_id, t.category, t.label) for t in target.association_types}
    assert labels == {(3, "HUBSPOT_DEFINED", None), (903, "USER_DEFINED", "Primary contact")}
    assert page.num_errors == 1  # deal 1005 has no contact: HubSpot answers 207
    assert page.errors[0].sub_category == "crm.associations.NO_ASSOCIATIONS_FOUND"
    assert page.errors[0].context["fromObjectId"] == ["1005"]


def test_owners_page_and_email_filter(portal: str) -> None:
    owners = sdk(portal).crm.owners.owners_api
    first = owners.get_page(limit=2)
    assert [o.email for o in first.results] == ["alice@example.com", "bob@example.com"]
    assert first.paging.next.after == "103"
    rest = owners.get_page(limit=2, after=first.paging.next.after)
    assert [o.id for o in rest.results] == ["103"]  # 104 is archived
    assert rest.paging is None
    carol = owners.get_page(email="carol@example.com").results
    assert [(o.id, o.user_id, o.teams[0].name) for o in carol] == [("103", 9003, "Delivery")]


def test_pipelines_list_the_default_deal_stages(portal: str) -> None:
    pipelines = sdk(portal).crm.pipelines.pipelines_api.get_all("deals").results
    assert [p.id for p in pipelines] == ["default"]
    stages = {s.id: s for s in pipelines[0].stages}
    assert len(stages) == 7
    assert stages["closedwon"].metadata == {"isClosed": "true", "probability": "1.0"}
    assert stages["contractsent"].metadata == {"isClosed": "false", "probability": "0.9"}
    assert pipelines[0].created_at == datetime(1970, 1, 1, tzinfo=UTC)


def test_properties_and_schema_describe_the_portal(portal: str) -> None:
    client = sdk(portal)
    deal_props = {p.name: p for p in client.crm.properties.core_api.get_all("deals").results}
    assert deal_props["erp_project_id"].has_unique_value is True
    assert deal_props["dealname"].has_unique_value is False
    assert [o.value for o in deal_props["dealstage"].options][-2:] == ["closedwon", "closedlost"]
    schemas = client.crm.schemas.core_api.get_all().results
    assert [(s.object_type_id, s.fully_qualified_name) for s in schemas] == [
        ("2-3210987", "p146000777_projects")
    ]
    deal_to_project = [a for a in schemas[0].associations if a.from_object_type_id == "0-3"]
    assert [a.id for a in deal_to_project] == ["901"]


def test_new_project_record_associated_with_a_deal_reads_back(fresh_portal: str) -> None:
    client = sdk(fresh_portal)
    created = client.crm.objects.basic_api.create(
        "p_projects",
        simple_public_object_input_for_create=SimplePublicObjectInputForCreate(
            properties={"project_name": "Globex data migration", "erp_project_id": "PRJ-003"}
        ),
    )
    assert created.properties["erp_project_id"] == "PRJ-003"
    client.crm.associations.v4.basic_api.create_default("deals", "1003", "p_projects", created.id)
    links = client.crm.associations.v4.basic_api.get_page("deals", "1003", "p_projects").results
    assert [(link.to_object_id, link.association_types[0].type_id) for link in links] == [(created.id, 901)]
    back = client.crm.associations.v4.basic_api.get_page("p_projects", created.id, "deals").results
    assert [link.to_object_id for link in back] == ["1003"]


def test_wrong_token_raises_the_sdks_401(portal: str) -> None:
    with pytest.raises(UnauthorizedException) as caught:
        sdk(portal, token="pat-na1-wrong").crm.deals.basic_api.get_page()
    assert caught.value.status == 401
    assert "INVALID_AUTHENTICATION" in caught.value.body
    assert "pat-na1-wrong" not in caught.value.body
    assert caught.value.headers["x-hubspot-auth-failure"] == "401 Unauthorized"


def test_unknown_id_raises_the_sdks_404(portal: str) -> None:
    with pytest.raises(NotFoundException) as caught:
        sdk(portal).crm.deals.basic_api.get_by_id("999999")
    assert caught.value.status == 404
    assert '"category":"OBJECT_NOT_FOUND"' in caught.value.body
