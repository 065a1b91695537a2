"""One deal read alone (services/hubspot/deal.py) on wire shapes the sandbox does not produce: a custom
object's associations under its fully qualified name (`p7878787_projects`, as in reference/hubspot-api.md's
schema example), an association list with more pages, and deals whose ID only looks like the deal's."""

from __future__ import annotations

import json
from typing import Any

import httpx

from services.crm import IdSearch
from services.hubspot import HubSpotClient

BASE = "https://api.hubapi.test"


def _v4(rows: dict[str, list[tuple[int, int, str | None]]]) -> dict[str, Any]:
    """v4 batch association results: per source, (target, type id, label)."""
    return {
        "status": "COMPLETE",
        "results": [
            {"from": {"id": source}, "to": [
                {"toObjectId": target, "associationTypes": [{"category": "USER_DEFINED", "typeId": type_id,
                                                             "label": label}]}
                for target, type_id, label in targets
            ]}
            for source, targets in rows.items()
        ],
    }  # fmt: skip


def _batch(records: dict[str, dict[str, str]]) -> dict[str, Any]:
    return {"status": "COMPLETE", "results": [{"id": i, "properties": p} for i, p in records.items()]}


DEAL = {
    "id": "7",
    "properties": {
        "dealname": "Acme relaunch",
        "dealstage": "won",
        "amount": "1000",
        "erp_project_id": "PRJ-00042",
    },
    "associations": {
        "companies": {
            "results": [
                {"id": "11", "type": "deal_to_company"},
                {"id": "11", "type": "deal_to_company_unlabeled"},
            ],
            "paging": {"next": {"after": "12"}},
        },
        "p7878787_projects": {"results": [{"id": "90", "type": "deal_to_project"}]},
        "line items": {
            "results": [{"id": "31", "type": "deal_to_line_item"}, {"id": "32", "type": "deal_to_line_item"}]
        },
    },
}


def test_one_deal_with_its_records_and_the_deals_sharing_its_id() -> None:
    seen: list[tuple[str, str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        path = request.url.path
        seen.append((request.method, path, body))
        routes: dict[str, Any] = {
            "/crm/objects/2026-03/deals/7": DEAL,
            "/crm/pipelines/2026-09/deals": {
                "results": [
                    {
                        "id": "default",
                        "stages": [
                            {
                                "id": "won",
                                "label": "Closed won",
                                "metadata": {"isClosed": "true", "probability": "1.0"},
                            }
                        ],
                    }
                ]
            },
            "/crm/owners/2026-03": {"results": []},
            "/crm/pipelines/2026-09/tickets": {"results": []},
            # the portal's own word for the primary contact, under its own type id
            "/crm/associations/2026-03/deals/contacts/labels": {
                "results": [{"category": "USER_DEFINED", "typeId": 1207, "label": "Primary contact"}]
            },
            "/crm/associations/2026-03/deals/contacts/batch/read": _v4(
                {"7": [(21, 3, None), (22, 1207, "Primary contact")]}
            ),
            "/crm/objects/2026-03/deals/search": {
                "total": 2,
                "results": [
                    {"id": "8", "properties": {"dealname": "Acme phase 2", "erp_project_id": "prj 42 "}},
                    {"id": "9", "properties": {"dealname": "Other", "erp_project_id": "PRJ-00420"}},
                ],
            },
            "/crm/objects/2026-03/companies/batch/read": _batch(
                {"11": {"name": "Acme"}, "12": {"name": "Acme UK"}, "13": {"name": "Acme Phase"}}
            ),
            "/crm/objects/2026-03/contacts/batch/read": _batch(
                {"21": {"firstname": "Ann"}, "22": {"firstname": "Bob"}}
            ),
            "/crm/objects/2026-03/p_projects/batch/read": _batch(
                {"90": {"project_name": "Acme", "percent_complete": "40"}}
            ),
        }
        if path == "/crm/associations/2026-03/deals/companies/batch/read":
            ids = [i["id"] for i in body["inputs"]]
            rows = (
                {"7": [(12, 341, None), (11, 5, "Primary")]} if ids == ["7"] else {"8": [(13, 5, "Primary")]}
            )
            return httpx.Response(200, json=_v4(rows))
        return httpx.Response(200, json=routes[path])

    def sharing(raw: str | None) -> IdSearch:
        assert raw == "PRJ-00042"
        return IdSearch(
            42, keep=lambda other: other is not None and other.strip().upper() in ("PRJ 42", "PRJ-00042")
        )

    with HubSpotClient(BASE, "token", transport=httpx.MockTransport(answer)) as client:
        snapshot = client.fetch_deal_snapshot("7", sharing=sharing)

    deal, other = snapshot.deals
    assert (deal.crm_deal_id, other.crm_deal_id) == ("7", "8")  # 9 only looks like it
    assert deal.is_won
    # the second page through the v4 read; the primary company (type 5) first, though listed second
    assert deal.company_ids == ("11", "12")
    assert deal.line_item_ids == ("31", "32")
    assert deal.primary_contact_id == "22"
    assert deal.project_record_ids == ("90",)  # under the fully qualified name
    assert other.company_ids == ("13",)
    assert {c.company_id: c.name for c in snapshot.companies} == {
        "11": "Acme",
        "12": "Acme UK",
        "13": "Acme Phase",
    }
    (record,) = snapshot.projects
    assert (record.deal_ids, str(record.percent_complete)) == (("7",), "0.4")
    contacts = next(body for _, path, body in seen if path == "/crm/objects/2026-03/contacts/batch/read")
    assert contacts["inputs"] == [{"id": "22"}]  # only the primary contact is named on the card
    search = next(body for method, path, body in seen if path.endswith("/deals/search"))
    assert search["filterGroups"][0]["filters"][0] == {
        "propertyName": "erp_project_id", "operator": "CONTAINS_TOKEN", "value": "*42"}  # fmt: skip
    # the deal, its contacts' labels, its companies' second page, the search, the sharer's companies, then
    # companies, contacts, project records (no tickets: not asked); and the portal's stages, owners,
    # contact labels and ticket pipelines (read once, kept for the next cards)
    assert snapshot.requests == len(seen) == 12


def test_an_unknown_deal_is_an_empty_snapshot() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/crm/objects/2026-03/deals/404":
            return httpx.Response(
                404, json={"status": "error", "message": "resource not found", "category": "OBJECT_NOT_FOUND"}
            )
        if request.url.path.endswith("/batch/read"):
            return httpx.Response(200, json={"status": "COMPLETE", "results": []})
        return httpx.Response(200, json={"results": []})

    with HubSpotClient(BASE, "token", transport=httpx.MockTransport(answer)) as client:
        snapshot = client.fetch_deal_snapshot("404")
    assert snapshot.deals == ()
