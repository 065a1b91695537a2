"""One deal read alone (services/hubspot/deal.py) on wire shapes the sandbox does not produce: a custom
object's associations under its fully qualified name (`p7878787_projects`, as in reference/hubspot-api.md's
schema example), an association list with more pages, and deals whose ID only looks like the deal's."""

from __future__ import annotations

import json
from typing import Any

import httpx

from services.crm import DealSeen, IdSearch
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


def _portal_setup(won_label: str) -> dict[str, Any]:
    """The portal's set-up a one-deal read asks for: one pipeline whose won stage is labelled `won_label`,
    no owners, no ticket pipelines, the portal's own word for the primary contact under its own type id
    (1207), and deal 7's contacts 21 (unlabelled) and 22 (primary)."""
    return {
        "/crm/pipelines/2026-09/deals": {
            "results": [
                {
                    "id": "default",
                    "stages": [
                        {
                            "id": "won",
                            "label": won_label,
                            "metadata": {"isClosed": "true", "probability": "1.0"},
                        }
                    ],
                }
            ]
        },
        "/crm/owners/2026-03": {"results": []},
        "/crm/pipelines/2026-09/tickets": {"results": []},
        "/crm/associations/2026-03/deals/contacts/labels": {
            "results": [{"category": "USER_DEFINED", "typeId": 1207, "label": "Primary contact"}]
        },
        "/crm/associations/2026-03/deals/contacts/batch/read": _v4(
            {"7": [(21, 3, None), (22, 1207, "Primary contact")]}
        ),
    }


def test_one_deal_with_its_records_and_the_deals_sharing_its_id() -> None:
    seen: list[tuple[str, str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content) if request.content else None
        path = request.url.path
        seen.append((request.method, path, body))
        routes: dict[str, Any] = {
            "/crm/objects/2026-03/deals/7": DEAL,
            **_portal_setup("Closed won"),
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
            known = {"7": [(12, 341, None), (11, 5, "Primary")], "8": [(13, 5, "Primary")]}
            return httpx.Response(200, json=_v4({i["id"]: known[i["id"]] for i in body["inputs"]}))
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
    typed = next(body for _, path, body in seen if path.endswith("/deals/companies/batch/read"))
    assert typed["inputs"] == [
        {"id": "7"},
        {"id": "8"},
    ]  # the deal's companies (a second page) and the sharer's
    # the deal, its contacts' labels, the search, the companies' types, then companies, contacts, project
    # records (no tickets: not asked); and the portal's stages, owners, contact labels and ticket pipelines
    # (read once, kept for the next cards)
    assert snapshot.requests == len(seen) == 11


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


def _portal(deal: dict[str, Any], seen: list[str]) -> httpx.MockTransport:
    """A portal with one won deal `deal` (contacts 21 and 22, 22 its primary contact by the portal's label
    1207), no deal sharing its ID; each request's path is put in `seen`."""

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        seen.append(path)
        routes: dict[str, Any] = {
            "/crm/objects/2026-03/deals/7": deal,
            **_portal_setup("Won"),
            "/crm/objects/2026-03/companies/batch/read": _batch({"11": {"name": "Acme"}}),
            "/crm/objects/2026-03/contacts/batch/read": _batch({"22": {"firstname": "Bob"}}),
        }
        return httpx.Response(200, json=routes[path])  # fmt: skip

    return httpx.MockTransport(answer)


WITH_CONTACTS = DEAL | {
    "associations": {
        "companies": {"results": [{"id": "11", "type": "deal_to_company"}]},
        "contacts": {
            "results": [{"id": "21", "type": "deal_to_contact"}, {"id": "22", "type": "deal_to_contact"}]
        },
    }
}


def test_the_contacts_the_card_saw_spare_two_reads_when_the_deal_lists_the_same() -> None:
    seen: list[str] = []
    card = DealSeen(
        contacts=(("22", (1207,)), ("21", (3,)))
    )  # HubSpot's front end may list them in any order
    with HubSpotClient(BASE, "token", transport=_portal(WITH_CONTACTS, seen)) as client:
        snapshot = client.fetch_deal_snapshot("7", seen=card)
    (deal,) = snapshot.deals
    assert deal.primary_contact_id == "22"  # the portal's label, from the type ids the card sent
    assert snapshot.contacts == ()  # the card shows the name HubSpot gave it
    assert "/crm/associations/2026-03/deals/contacts/batch/read" not in seen
    assert "/crm/objects/2026-03/contacts/batch/read" not in seen
    # the deal and its companies; the portal's stages, owners, contact labels, ticket pipelines besides
    assert snapshot.requests == 2 + 4


def test_contacts_the_deal_does_not_list_are_not_taken_from_the_card() -> None:
    seen: list[str] = []
    forged = DealSeen(contacts=(("21", (1207,)),))  # 21 is not the primary contact, and 22 is left out
    with HubSpotClient(BASE, "token", transport=_portal(WITH_CONTACTS, seen)) as client:
        snapshot = client.fetch_deal_snapshot("7", seen=forged)
    (deal,) = snapshot.deals
    assert deal.primary_contact_id == "22"  # read from HubSpot, as without the card's contacts
    assert [c.name for c in snapshot.contacts] == ["Bob"]
    assert "/crm/associations/2026-03/deals/contacts/batch/read" in seen
