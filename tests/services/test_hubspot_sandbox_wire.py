"""Wire details of the HubSpot sandbox, checked with raw httpx: the parts an SDK hides or smooths over.

Values come from the portal in tests/hubspot_fixture.py (deals 1001-1005 live, 1006 archived).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from sandbox.db import CrmObject, create_schema, dumps_properties, make_engine
from sandbox.hubspot import HubSpotLimits, create_hubspot_app
from tests.hubspot_fixture import TOKEN, hubspot_portal, serving

AUTH = {"Authorization": f"Bearer {TOKEN}"}
DEALS = "/crm/v3/objects/deals"
LIVE = ["1001", "1002", "1003", "1004", "1005"]
CONTENT_TYPE = "application/json;charset=utf-8"


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The seeded portal, shared by the tests that only read (no search limit: they search a lot)."""
    unlimited = HubSpotLimits(search_per_s=None)
    with hubspot_portal(tmp_path_factory.mktemp("hubspot-wire"), limits=unlimited) as url:
        yield url


@pytest.fixture
def api(portal: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=portal, headers=AUTH, timeout=10) as client:
        yield client


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[httpx.Client]:
    """A client on a portal of its own, for tests that write."""
    with hubspot_portal(tmp_path) as url, httpx.Client(base_url=url, headers=AUTH, timeout=10) as client:
        yield client


@contextmanager
def limited(tmp_path: Path, **limits: Any) -> Iterator[httpx.Client]:
    """A client on a portal with these HubSpotLimits."""
    with (
        hubspot_portal(tmp_path, limits=HubSpotLimits(**limits)) as url,
        httpx.Client(base_url=url, headers=AUTH, timeout=10) as client,
    ):
        yield client


def ids(body: dict[str, Any]) -> list[str]:
    return [record["id"] for record in body["results"]]


def search(client: httpx.Client, body: dict[str, Any], object_type: str = "deals") -> httpx.Response:
    return client.post(f"/crm/v3/objects/{object_type}/search", json=body)


def one_filter(name: str, operator: str, **rest: Any) -> dict[str, Any]:
    return {"filterGroups": [{"filters": [{"propertyName": name, "operator": operator, **rest}]}]}


# -- records: properties, booleans, paging ----------------------------------------------------------


def test_defined_unset_properties_are_null_and_undefined_ones_omitted(api: httpx.Client) -> None:
    body = api.get(f"{DEALS}/1005", params={"properties": "amount,nosuch,dealname"}).json()
    assert body["properties"] == {
        "amount": None,
        "dealname": "Initech pilot",
        "createdate": "2025-10-05T09:00:00Z",  # zero milliseconds are dropped, as Java's Instant does
        "hs_lastmodifieddate": "2025-12-01T10:30:00.250Z",
        "hs_object_id": "1005",
    }
    assert body["createdAt"] == "2025-10-05T09:00:00Z"
    assert body["archived"] is False


def test_repeated_and_comma_joined_properties_are_the_same(api: httpx.Client) -> None:
    repeated = api.get(f"{DEALS}/1001", params=[("properties", "amount"), ("properties", "dealname")]).json()
    joined = api.get(f"{DEALS}/1001", params={"properties": "amount,dealname"}).json()
    assert repeated == joined
    assert repeated["properties"]["amount"] == "48000"


def test_without_properties_a_deal_has_hubspots_defaults(api: httpx.Client) -> None:
    props = api.get(f"{DEALS}/1001").json()["properties"]
    assert set(props) == {
        "dealname",
        "amount",
        "closedate",
        "pipeline",
        "dealstage",
        "createdate",
        "hs_lastmodifieddate",
        "hs_object_id",
    }


def test_booleans_are_case_insensitive(api: httpx.Client) -> None:
    assert ids(api.get(DEALS, params={"archived": "False"}).json()) == LIVE
    archived = api.get(DEALS, params={"archived": "TRUE"}).json()["results"]
    assert [r["id"] for r in archived] == ["1006"]
    assert archived[0]["archived"] is True
    wrong = api.get(DEALS, params={"archived": "maybe"})
    assert wrong.status_code == 400
    assert "archived" in wrong.json()["message"]


def test_list_paging_after_is_last_id_plus_one(api: httpx.Client) -> None:
    first = api.get(DEALS, params={"limit": 2}).json()
    assert ids(first) == ["1001", "1002"]
    assert first["paging"]["next"]["after"] == "1003"
    assert "after=1003" in first["paging"]["next"]["link"]
    second = api.get(DEALS, params={"limit": 2, "after": "1003"}).json()
    assert ids(second) == ["1003", "1004"]
    last = api.get(DEALS, params={"limit": 2, "after": second["paging"]["next"]["after"]}).json()
    assert ids(last) == ["1005"]
    assert "paging" not in last


def test_list_limit_above_100_is_a_400(api: httpx.Client) -> None:
    assert api.get(DEALS, params={"limit": 100}).status_code == 200
    response = api.get(DEALS, params={"limit": 101})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert "between 1 and 100" in response.json()["message"]
    history = api.get(DEALS, params={"limit": 51, "propertiesWithHistory": "amount"})
    assert history.status_code == 400  # 50 with history


def test_properties_with_history_give_the_current_value_as_one_version(api: httpx.Client) -> None:
    body = api.get(DEALS, params={"limit": 50, "propertiesWithHistory": "amount"}).json()
    history = {r["id"]: r["propertiesWithHistory"]["amount"] for r in body["results"]}
    assert [(v["value"], v["timestamp"]) for v in history["1001"]] == [("48000", "2025-12-01T10:30:00.250Z")]
    assert history["1005"] == []


def test_v3_association_map_has_line_items_with_a_space_and_unlabeled_twins(api: httpx.Client) -> None:
    body = api.get(f"{DEALS}/1001", params={"associations": "line_items,contacts,widgets"}).json()
    assert set(body["associations"]) == {"line items", "contacts"}  # unknown types are ignored
    assert body["associations"]["contacts"]["results"] == [
        {"id": "301", "type": "deal_to_contact"},
        {"id": "301", "type": "deal_to_contact_unlabeled"},
    ]


# -- paths, types, trailing slashes -----------------------------------------------------------------


def test_both_path_families_and_type_spellings_reach_the_same_deal(api: httpx.Client) -> None:
    bodies = [
        api.get(path, params={"properties": "dealname"}).json()
        for path in (f"{DEALS}/1001", "/crm/objects/2026-03/0-3/1001", "/crm/objects/2026-03/DEALS/1001/")
    ]
    assert [b["properties"]["dealname"] for b in bodies] == ["Acme ERP rollout"] * 3


@pytest.mark.parametrize("name", ["p_projects", "2-3210987", "p146000777_projects", "PROJECTS", "projects"])
def test_every_custom_object_spelling_resolves(api: httpx.Client, name: str) -> None:
    for prefix in ("/crm/v3/objects", "/crm/objects/2026-03"):
        body = api.get(f"{prefix}/{name}", params={"properties": "erp_project_id"}).json()
        assert [r["properties"]["erp_project_id"] for r in body["results"]] == ["PRJ-001", "PRJ-004"]


def test_unknown_object_type_is_hubspots_400(api: httpx.Client) -> None:
    response = api.get("/crm/v3/objects/widgets")
    assert response.status_code == 400
    assert response.json()["message"] == "Unable to infer object type from: widgets"


def test_owners_accept_the_sdks_trailing_slash_and_user_ids(api: httpx.Client) -> None:
    owners = api.get("/crm/v3/owners/").json()
    assert [o["id"] for o in owners["results"]] == ["101", "102", "103"]
    assert (
        api.get("/crm/v3/owners/9002", params={"idProperty": "userId"}).json()["email"] == "bob@example.com"
    )
    assert api.get("/crm/v3/owners", params={"limit": 101}).status_code == 400
    assert api.get("/crm/v3/owners/555").status_code == 404


# -- errors -----------------------------------------------------------------------------------------


def test_error_envelope_and_correlation_id(api: httpx.Client) -> None:
    response = api.get(f"{DEALS}/999")
    body = response.json()
    assert response.status_code == 404
    assert response.headers["content-type"] == CONTENT_TYPE
    assert body["status"] == "error"
    assert body["category"] == "OBJECT_NOT_FOUND"
    assert body["correlationId"] == response.headers["x-hubspot-correlation-id"]
    assert uuid.UUID(body["correlationId"]).version == 4


def test_every_response_carries_a_correlation_id(api: httpx.Client) -> None:
    ok = api.get(f"{DEALS}/1001")
    again = api.get(f"{DEALS}/1001")
    assert ok.headers["content-type"] == CONTENT_TYPE
    assert ok.headers["x-hubspot-correlation-id"] != again.headers["x-hubspot-correlation-id"]


def test_missing_or_wrong_token_is_a_401_that_never_echoes_it(portal: str) -> None:
    missing = httpx.get(f"{portal}{DEALS}")
    wrong = httpx.get(f"{portal}{DEALS}", headers={"Authorization": "Bearer pat-na1-secret-guess"})
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.json()["category"] == "INVALID_AUTHENTICATION"
        assert response.headers["x-hubspot-auth-failure"] == "401 Unauthorized"
        assert response.headers["x-hubspot-correlation-id"]
    assert "pat-na1-secret-guess" not in wrong.text


def test_request_validation_is_hubspots_400_not_fastapis_422(api: httpx.Client) -> None:
    response = api.post(f"{DEALS}/batch/read", json={"inputs": "x"})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert response.json()["errors"][0]["in"] == "body.inputs"
    broken = api.post(f"{DEALS}/search", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert api.get("/crm/v3/nothing/here").json()["status"] == "error"


# -- batches ----------------------------------------------------------------------------------------


def test_batch_read_of_missing_ids_is_a_207_with_object_not_found(api: httpx.Client) -> None:
    response = api.post(
        f"{DEALS}/batch/read", json={"inputs": [{"id": "1001"}, {"id": "999"}, {"id": "abc"}]}
    )
    body = response.json()
    assert response.status_code == 207
    assert ids(body) == ["1001"]
    assert body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"] == {"ids": ["999", "abc"]}
    assert body["errors"][0]["message"].startswith("Could not get some DEAL objects")


def test_batch_read_by_id_property(api: httpx.Client) -> None:
    body = api.post(
        f"{DEALS}/batch/read",
        json={
            "inputs": [{"id": "PRJ-004"}, {"id": "PRJ-001"}],
            "idProperty": "erp_project_id",
            "properties": ["dealname"],
        },
    ).json()
    assert sorted(ids(body)) == ["1001", "1004"]
    assert body["status"] == "COMPLETE"


def test_batch_results_come_back_out_of_input_order(api: httpx.Client, tmp_path: Path) -> None:
    inputs = {"inputs": [{"id": i} for i in LIVE]}
    shuffled = ids(api.post(f"{DEALS}/batch/read", json=inputs).json())
    assert sorted(shuffled) == LIVE
    assert shuffled != LIVE
    with limited(tmp_path, shuffle_batches=False) as plain:
        assert ids(plain.post(f"{DEALS}/batch/read", json=inputs).json()) == LIVE


def test_batches_over_100_inputs_are_a_400(api: httpx.Client) -> None:
    inputs = [{"id": str(1000 + i)} for i in range(101)]
    response = api.post(f"{DEALS}/batch/read", json={"inputs": inputs})
    assert response.status_code == 400
    assert "Too many inputs: 101" in response.json()["message"]
    assert api.post(f"{DEALS}/batch/read", json={"inputs": inputs[:100]}).status_code == 207  # 95 unknown


def test_batch_fail_ids_fail_only_those_records_with_a_207(fresh: httpx.Client) -> None:
    fresh.post("/__sandbox__/faults", json={"batch_fail_ids": ["1002"]}).raise_for_status()
    inputs = [
        {"id": "1001", "properties": {"dealname": "Renamed 1001"}},
        {"id": "1002", "properties": {"dealname": "Renamed 1002"}},
    ]
    response = fresh.post(f"{DEALS}/batch/update", json={"inputs": inputs})
    body = response.json()
    assert response.status_code == 207
    assert ids(body) == ["1001"]
    assert body["errors"][0]["context"] == {"ids": ["1002"]}
    names = {i: fresh.get(f"{DEALS}/{i}").json()["properties"]["dealname"] for i in ("1001", "1002")}
    assert names == {"1001": "Renamed 1001", "1002": "Acme support renewal"}  # the rest was applied


def test_batch_create_fails_the_input_named_by_its_unique_id(fresh: httpx.Client) -> None:
    fresh.post("/__sandbox__/faults", json={"batch_fail_ids": ["PRJ-900"]}).raise_for_status()
    inputs = [
        {"properties": {"project_name": "A", "erp_project_id": "PRJ-900"}},
        {"properties": {"project_name": "B", "erp_project_id": "PRJ-901"}},
    ]
    body = fresh.post("/crm/v3/objects/p_projects/batch/create", json={"inputs": inputs}).json()
    assert [r["properties"]["erp_project_id"] for r in body["results"]] == ["PRJ-901"]
    assert body["errors"][0]["context"] == {"ids": ["PRJ-900"]}
    assert len(fresh.get("/crm/v3/objects/p_projects").json()["results"]) == 3


def test_batch_create_is_201_and_upsert_says_what_is_new(fresh: httpx.Client) -> None:
    created = fresh.post(
        "/crm/objects/2026-03/p_projects/batch/create",
        json={"inputs": [{"properties": {"project_name": "C", "erp_project_id": "PRJ-005"}}]},
    )
    assert created.status_code == 201
    assert ids(created.json()) == ["703"]  # the next id of the type
    upsert = fresh.post(
        "/crm/v3/objects/p_projects/batch/upsert",
        json={
            "inputs": [
                {"id": "PRJ-001", "idProperty": "erp_project_id", "properties": {"percent_complete": "55"}},
                {"id": "PRJ-007", "idProperty": "erp_project_id", "properties": {"project_name": "New"}},
            ]
        },
    ).json()
    assert sorted((r["id"], r["new"]) for r in upsert["results"]) == [("701", False), ("704", True)]


# -- writes -----------------------------------------------------------------------------------------


def test_patch_with_empty_string_clears_and_moves_last_modified(fresh: httpx.Client) -> None:
    response = fresh.patch(f"{DEALS}/1001", json={"properties": {"amount": "", "dealname": "Acme ERP v2"}})
    assert response.status_code == 200
    body = fresh.get(f"{DEALS}/1001", params={"properties": "amount,dealname"}).json()
    assert body["properties"]["amount"] is None
    assert body["properties"]["dealname"] == "Acme ERP v2"
    assert body["properties"]["hs_lastmodifieddate"] == body["updatedAt"]
    assert datetime.fromisoformat(body["updatedAt"]) > datetime.now(UTC) - timedelta(minutes=1)


def test_invalid_property_writes_are_a_400_naming_each_and_change_nothing(fresh: httpx.Client) -> None:
    changes = {"nosuch": "x", "hs_object_id": "5", "amount": "12k", "dealstage": "won", "dealname": "New"}
    response = fresh.patch(f"{DEALS}/1001", json={"properties": changes})
    body = response.json()
    assert response.status_code == 400
    assert body["message"].startswith("Property values were not valid: [")
    codes = {e["context"]["propertyName"][0]: e["code"] for e in body["errors"]}
    assert codes == {
        "nosuch": "PROPERTY_DOESNT_EXIST",
        "hs_object_id": "READ_ONLY_VALUE",
        "amount": "INVALID_DECIMAL",
        "dealstage": "INVALID_OPTION",
    }
    after = fresh.get(f"{DEALS}/1001").json()["properties"]
    assert (after["amount"], after["dealname"]) == ("48000", "Acme ERP rollout")


def test_patch_by_id_property_and_its_checks(fresh: httpx.Client) -> None:
    body = {"properties": {"signed_proposal_version": "v3"}}
    updated = fresh.patch(f"{DEALS}/PRJ-002", params={"idProperty": "erp_project_id"}, json=body)
    assert updated.json()["id"] == "1002"
    assert updated.json()["properties"]["signed_proposal_version"] == "v3"
    not_unique = fresh.patch(f"{DEALS}/x", params={"idProperty": "dealname"}, json=body)
    assert not_unique.status_code == 400
    assert "not a unique property" in not_unique.json()["message"]
    empty = fresh.patch(f"{DEALS}/1002", json={"properties": {}})
    assert empty.json()["message"] == "No properties found to update, please provide at least one."


def test_create_then_archive(fresh: httpx.Client) -> None:
    created = fresh.post(
        DEALS,
        json={
            "properties": {"dealname": "Hooli", "dealstage": "qualifiedtobuy", "closedate": "1767225600000"}
        },
    )
    assert created.status_code == 201
    props = created.json()["properties"]
    assert created.json()["id"] == "1007"
    assert props["closedate"] == "2026-01-01T00:00:00Z"  # epoch ms stored as an instant
    assert (props["pipeline"], props["hs_deal_stage_probability"]) == ("default", "0.4")
    assert fresh.delete(f"{DEALS}/1007").status_code == 204
    assert fresh.get(f"{DEALS}/1007").status_code == 404
    assert fresh.get(f"{DEALS}/1007", params={"archived": "true"}).json()["archived"] is True


# -- search -----------------------------------------------------------------------------------------


def test_search_operators(api: httpx.Client) -> None:
    jan, mar = "1769904000000", "1774915200000"  # 2026-02-01 and 2026-03-31 00:00 UTC
    cases = [
        (one_filter("closedate", "BETWEEN", value=jan, highValue=mar), ["1002", "1004"]),
        (one_filter("closedate", "GTE", value="2026-03-10T12:30:00Z"), ["1003", "1004"]),
        (one_filter("dealstage", "IN", values=["closedlost", "contractsent"]), ["1003"]),
        (one_filter("dealstage", "NOT_IN", values=["closedwon"]), ["1003", "1005"]),
        (one_filter("erp_project_id", "NOT_HAS_PROPERTY"), ["1003", "1005"]),
        (one_filter("amount", "HAS_PROPERTY"), ["1001", "1002", "1003", "1004"]),
        (one_filter("dealname", "CONTAINS_TOKEN", value="globex"), ["1003", "1004"]),
        (one_filter("dealname", "NOT_CONTAINS_TOKEN", value="acme"), ["1003", "1004", "1005"]),
        (one_filter("amount", "LTE", value="15000.5"), ["1002", "1004"]),
        (one_filter("dealstage", "NEQ", value="closedwon"), ["1003", "1005"]),
        ({"query": "acme"}, ["1001", "1002"]),
        ({"sorts": ["-amount"]}, ["1003", "1001", "1004", "1002", "1005"]),  # unset amounts last
    ]
    for body, expected in cases:
        assert ids(search(api, body).json()) == expected, body


def test_search_paging_is_an_offset_and_absent_on_the_last_page(api: httpx.Client) -> None:
    first = search(api, {"limit": 2}).json()
    assert (first["total"], ids(first), first["paging"]["next"]["after"]) == (5, ["1001", "1002"], "2")
    last = search(api, {"limit": 2, "after": "4"}).json()
    assert ids(last) == ["1005"]
    assert "paging" not in last


def test_search_limits_are_400s(api: httpx.Client) -> None:
    group = {"filters": [{"propertyName": "amount", "operator": "HAS_PROPERTY"}]}
    assert search(api, {"limit": 201}).status_code == 400
    past_cap = search(api, {"after": "10000"})
    assert past_cap.status_code == 400
    assert "10000" in past_cap.json()["message"]
    assert search(api, {"after": "9999"}).json()["results"] == []
    assert search(api, {"filterGroups": [group] * 5}).status_code == 200
    assert search(api, {"filterGroups": [group] * 6}).status_code == 400
    assert search(api, {"filterGroups": [{"filters": group["filters"] * 7}]}).status_code == 400
    assert (
        search(api, {"filterGroups": [{"filters": group["filters"] * 5}] * 4}).status_code == 400
    )  # 20 > 18
    unknown = search(api, one_filter("nosuch", "EQ", value="1"))
    assert unknown.status_code == 400
    assert "nosuch" in unknown.json()["message"]


def test_filter_group_limits_are_configurable(tmp_path: Path) -> None:
    group = {"filters": [{"propertyName": "amount", "operator": "HAS_PROPERTY"}]}
    with limited(tmp_path, filter_groups=1) as client:
        assert search(client, {"filterGroups": [group]}).status_code == 200
        assert search(client, {"filterGroups": [group, group]}).status_code == 400


def test_custom_object_search(api: httpx.Client) -> None:
    body = search(api, one_filter("percent_complete", "GT", value="50"), "p_projects").json()
    assert (body["total"], ids(body)) == (1, ["702"])


def test_search_over_10000_deals_is_fast(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "big.sqlite")
    create_schema(engine)
    created = datetime(2025, 1, 1, tzinfo=UTC)
    rows = [
        {
            "object_type": "deals",
            "id": i,
            "properties": dumps_properties(
                {
                    "dealname": f"Deal {i}",
                    "amount": str(i * 10),
                    "dealstage": "closedwon" if i % 2 == 0 else "contractsent",
                }
            ),
            "created_at": created,
            "updated_at": created,
            "archived": False,
        }
        for i in range(1, 10_001)
    ]
    with engine.begin() as conn:
        conn.execute(insert(CrmObject), rows)
    query = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"},
                    {"propertyName": "amount", "operator": "GT", "value": "50000"},
                ]
            }
        ],
        "sorts": [{"propertyName": "amount", "direction": "DESCENDING"}],
        "limit": 200,
    }
    with (
        serving(create_hubspot_app(engine, token=TOKEN)) as url,
        httpx.Client(base_url=url, headers=AUTH) as client,
    ):
        search(client, {"limit": 1})  # the first search of a type parses its rows once
        started = time.perf_counter()
        body = search(client, query).json()
        took = time.perf_counter() - started
    engine.dispose()
    assert body["total"] == 2500  # even i with 10 * i > 50,000: 5002, 5004, ... 10000
    assert ids(body)[:2] == ["10000", "9998"]
    assert took < 0.2, f"search over 10,000 deals took {took * 1000:.0f} ms"


# -- rate limits and injected faults ----------------------------------------------------------------


def test_burst_limit_429_with_policy_name_and_headers(tmp_path: Path) -> None:
    with limited(tmp_path, burst_per_10s=3) as client:
        answers = [client.get(f"{DEALS}/1001") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-HubSpot-RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    assert answers[0].headers["X-HubSpot-RateLimit-Max"] == "3"
    assert answers[0].headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    body = answers[3].json()
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert "Retry-After" not in answers[3].headers  # HubSpot does not document one; an option adds it


def test_retry_after_is_an_option(tmp_path: Path) -> None:
    with limited(tmp_path, burst_per_10s=1, retry_after=True) as client:
        client.get(f"{DEALS}/1001")
        limited_answer = client.get(f"{DEALS}/1001")
    assert limited_answer.status_code == 429
    assert 1 <= int(limited_answer.headers["Retry-After"]) <= 10


def test_daily_limit_429(tmp_path: Path) -> None:
    with limited(tmp_path, daily=2) as client:
        answers = [client.get(f"{DEALS}/1001") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["X-HubSpot-RateLimit-Daily"] == "2"
    assert answers[1].headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert answers[2].json()["policyName"] == "DAILY"


def test_search_has_its_own_secondly_limit_and_no_rate_headers(tmp_path: Path) -> None:
    with limited(tmp_path, burst_per_10s=100, search_per_s=2) as client:
        searches = [search(client, {"limit": 1}) for _ in range(3)]
        listing = client.get(DEALS)
    assert [s.status_code for s in searches] == [200, 200, 429]
    assert searches[2].json()["policyName"] == "SECONDLY"
    assert searches[2].json()["message"] == "You have reached your secondly limit."
    assert not [h for s in searches for h in s.headers if h.lower().startswith("x-hubspot-ratelimit")]
    assert searches[0].headers["x-hubspot-correlation-id"]
    assert listing.headers["X-HubSpot-RateLimit-Remaining"] == "99"  # searches do not use the burst


def test_injected_faults_answer_in_hubspots_shapes(fresh: httpx.Client) -> None:
    fresh.post("/__sandbox__/stats/reset").raise_for_status()
    fresh.post("/__sandbox__/faults", json={"fail_next": 1, "error_status": 503}).raise_for_status()
    failed = fresh.get(f"{DEALS}/1001")
    assert failed.status_code == 503
    assert failed.json()["category"] == "INTERNAL_ERROR"
    assert failed.json()["correlationId"] == failed.headers["x-hubspot-correlation-id"]
    fresh.post("/__sandbox__/faults", json={"rate_limit_next": 1, "retry_after_s": 2}).raise_for_status()
    throttled = fresh.get(f"{DEALS}/1001")
    assert throttled.status_code == 429
    assert throttled.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert (throttled.headers["Retry-After"], throttled.headers["X-HubSpot-RateLimit-Remaining"]) == (
        "2",
        "0",
    )
    assert fresh.get(f"{DEALS}/1001").status_code == 200
    search(fresh, {})
    assert fresh.get("/__sandbox__/stats").json() == {"objects": 3, "search": 1}


# -- associations v4 and 2026-03 --------------------------------------------------------------------


def test_v4_association_read_has_numeric_to_object_ids(api: httpx.Client) -> None:
    body = api.get("/crm/v4/objects/deals/1001/associations/companies").json()
    assert body == {
        "results": [
            {
                "toObjectId": 201,
                "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 5, "label": None}],
            }
        ]
    }
    project = api.get("/crm/objects/2026-03/deals/1001/associations/p_projects").json()["results"]
    assert project == [
        {
            "toObjectId": 701,
            "associationTypes": [{"category": "USER_DEFINED", "typeId": 902 - 1, "label": None}],
        }
    ]
    assert (
        api.get("/crm/v4/objects/deals/1001/associations/companies", params={"limit": 501}).status_code == 400
    )


def test_association_batch_read_on_the_2026_03_path(api: httpx.Client) -> None:
    response = api.post(
        "/crm/associations/2026-03/deals/line_items/batch/read",
        json={"inputs": [{"id": "1004"}, {"id": "1001"}]},
    )
    assert response.status_code == 200
    found = {row["from"]["id"]: [t["toObjectId"] for t in row["to"]] for row in response.json()["results"]}
    assert found == {"1001": [401], "1004": [402]}
    too_many = api.post(
        "/crm/v4/associations/deals/companies/batch/read", json={"inputs": [{"id": "1"}] * 1001}
    )
    assert too_many.status_code == 400


def test_default_association_writes_both_directions(fresh: httpx.Client) -> None:
    put = fresh.put("/crm/objects/2026-03/p_projects/701/associations/default/deals/1003")
    assert put.status_code == 200
    specs = {
        (r["from"]["id"], r["to"]["id"], r["associationSpec"]["associationTypeId"])
        for r in put.json()["results"]
    }
    assert specs == {("701", "1003", 902), ("1003", "701", 901)}
    back = fresh.get("/crm/v4/objects/deals/1003/associations/projects").json()["results"]
    assert [t["toObjectId"] for t in back] == [701]
    batch = fresh.post(
        "/crm/v4/associations/p_projects/deals/batch/associate/default",
        json={
            "inputs": [
                {"from": {"id": "702"}, "to": {"id": "1005"}},
                {"from": {"id": "702"}, "to": {"id": "999"}},
            ]
        },
    )
    assert batch.status_code == 207
    assert batch.json()["numErrors"] == 1
    assert [
        t["toObjectId"]
        for t in fresh.get("/crm/v4/objects/deals/1005/associations/p_projects").json()["results"]
    ] == [702]
