"""The Closed Won workflow action end to end: HubSpot's signed request (sandbox/hubspot/signing.py) to the
API, which writes to the sandboxes over HTTP: on the Odoo sandbox and on a real Tryton server.

Each test makes its own won deal in the HubSpot sandbox, as a salesperson would (a company and a deal at
Closed Won, over plain HTTP), so the expected project ID is one a person can work out: one above the highest
PRJ number the ERP and HubSpot hold. Each system is checked with reads that do not go through the code under
test (plain HTTP to HubSpot and Odoo). The sandboxes are this module's own (the writes would change the
shared demo other tests count on).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dashboard.analysis import analyze, params_from_settings
from dashboard.api.workflow import WORKFLOW_ACTOR
from dashboard.closed_won import undo_closed_won
from dashboard.settings import Settings, load_settings
from dashboard.snapshot import refresh_snapshot
from dashboard.wiring import build_clients
from dashboard.writeback import undo_corrections
from sandbox.hubspot.signing import SANDBOX_SECRET, call
from sandbox.tryton import portfolio
from sandbox.tryton.build import ensure_template
from sandbox.tryton.server import TrytonServer
from services.store import Store
from tests.api.conftest import BASE, port, served
from tests.odoo_raw import RawOdoo
from tests.sandbox_fixture import AS_OF, TOKEN, RunningSandbox, running_sandbox

PATH = "/hubspot/closed-won"
CRM_HEADERS = {"Authorization": f"Bearer {TOKEN}"}
DEAL_TO_COMPANY = 5
"""HubSpot's default association type id from deals to companies (HUBSPOT_DEFINED)."""
_PRJ = re.compile(r"PRJ-(\d{5})")


# -- HubSpot's side, over plain HTTP -------------------------------------------------------------------


def new_won_deal(sandbox: RunningSandbox, name: str, company: str, currency: str) -> str:
    """A company and a deal of it at Closed Won, made in the HubSpot sandbox as someone in HubSpot would."""
    with httpx.Client(base_url=sandbox.crm_url, headers=CRM_HEADERS, timeout=30) as http:
        made = http.post("/crm/v3/objects/companies", json={"properties": {"name": company}})
        made.raise_for_status()
        deal = http.post(
            "/crm/v3/objects/deals",
            json={
                "properties": {
                    "dealname": name, "dealstage": "closedwon", "pipeline": "default", "amount": "48000",
                    "deal_currency_code": currency, "closedate": f"{AS_OF.isoformat()}T00:00:00Z",
                },
                "associations": [{
                    "to": {"id": made.json()["id"]},
                    "types": [
                        {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": DEAL_TO_COMPANY}
                    ],
                }],
            },
        )  # fmt: skip
        deal.raise_for_status()
        return str(deal.json()["id"])


def crm_get(sandbox: RunningSandbox, path: str) -> Any:
    response = httpx.get(f"{sandbox.crm_url}{path}", headers=CRM_HEADERS, timeout=30)
    response.raise_for_status()
    return response.json()


def deal_project_id(sandbox: RunningSandbox, deal: str) -> str | None:
    body = crm_get(sandbox, f"/crm/v3/objects/deals/{deal}?properties=erp_project_id")
    return body["properties"].get("erp_project_id") or None


def deal_records(sandbox: RunningSandbox, deal: str) -> list[dict[str, Any]]:
    """The deal's project records, with their project ID (archived ones are not listed by HubSpot)."""
    links = crm_get(sandbox, f"/crm/v4/objects/deals/{deal}/associations/p_projects")["results"]
    return [
        crm_get(sandbox, f"/crm/v3/objects/p_projects/{link['toObjectId']}?properties=erp_project_id")
        for link in links
    ]


def highest_crm_number(sandbox: RunningSandbox) -> int:
    """The highest PRJ number on any deal or project record, paging HubSpot's list endpoints."""
    numbers = [0]
    for kind in ("deals", "p_projects"):
        after: str | None = None
        while True:
            page = crm_get(
                sandbox,
                f"/crm/v3/objects/{kind}?limit=100&properties=erp_project_id"
                + (f"&after={after}" if after else ""),
            )
            numbers += [
                int(m[1])
                for r in page["results"]
                if (m := _PRJ.fullmatch(r["properties"].get("erp_project_id") or ""))
            ]
            after = (page.get("paging") or {}).get("next", {}).get("after")
            if not after:
                break
    return max(numbers)


def workflow_request(
    api: TestClient, deal: str, *, secret: str = SANDBOX_SECRET, name: str = ""
) -> httpx.Response:
    """HubSpot running the custom action on a deal: the documented payload, signed with the app's secret."""
    body = {
        "callbackId": f"ap-1-2-{deal}",
        "origin": {"portalId": 1, "actionDefinitionId": 2, "actionDefinitionVersion": 1},
        "context": {"source": "WORKFLOWS", "workflowId": 3},
        "object": {"objectType": "DEAL", "objectId": int(deal)},
        "inputFields": {"projectName": name}, "fields": {},
    }  # fmt: skip
    return call("POST", f"{BASE}{PATH}", secret, json.dumps(body).encode(), client=api)


def outputs(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json()["outputFields"])


def log_rows(store: Path, deal: str, project_id: str, record: str | None) -> list[tuple[str, str, str]]:
    """(object type, action, status) of every log row about the deal, its ID and its project record."""
    opened = Store(f"sqlite:///{store}")
    rows = [
        *opened.corrections(object_id=deal),
        *opened.corrections(object_id=project_id),
        *(opened.corrections(object_id=record) if record else []),
    ]
    opened.close()
    return sorted((r.object_type, r.action, r.status) for r in rows)


def deal_findings(settings: Settings, deal: str) -> list[str]:
    """The audit's findings about the deal, read fresh from both systems."""
    clients = build_clients(settings)
    snapshot = refresh_snapshot(clients.crm, clients.erp)
    clients.close()
    analysis = analyze(snapshot, params_from_settings(settings, as_of=AS_OF))
    return [f"{f.kind}: {f.message}" for f in analysis.findings if f.crm_deal_id == deal]


# -- on the Odoo sandbox -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def odoo_box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("closed-won") / "sandbox.sqlite", deals=48) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def odoo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("closed-won-store") / "store.sqlite"


@pytest.fixture(scope="module")
def odoo_settings(odoo_box: RunningSandbox, odoo_store: Path) -> Settings:
    return load_settings(
        sandbox={"crm_port": port(odoo_box.crm_url), "erp_port": port(odoo_box.erp_url)},
        store={"database_url": f"sqlite:///{odoo_store}"},
    )


@pytest.fixture(scope="module")
def odoo_api(odoo_settings: Settings) -> Iterator[TestClient]:
    with served(odoo_settings) as client:
        yield client


@pytest.fixture(scope="module")
def raw_odoo(odoo_box: RunningSandbox) -> Iterator[RawOdoo]:
    raw = RawOdoo(odoo_box.erp_url)
    yield raw
    raw.close()


def odoo_currency(raw: RawOdoo) -> str:
    """The currency of the newest project with an analytic account (the company a new project joins)."""
    rows = raw.rows("project.project", [["analytic_account_id", "!=", False]], ["currency_id"])
    return str(max(rows, key=lambda r: r["id"])["currency_id"][1])


def odoo_projects_coded(raw: RawOdoo, code: str) -> list[dict[str, Any]]:
    accounts = [a["id"] for a in raw.rows("account.analytic.account", [["code", "=", code]], ["id"])]
    return raw.rows(
        "project.project", [["analytic_account_id", "in", accounts]], ["name", "active", "partner_id"]
    )


def expected_next_id(sandbox: RunningSandbox, raw: RawOdoo) -> str:
    codes = [a["code"] or "" for a in raw.rows("account.analytic.account", [], ["code"])]
    erp = max([int(m[1]) for c in codes if (m := _PRJ.fullmatch(c))], default=0)
    return f"PRJ-{max(erp, highest_crm_number(sandbox)) + 1:05d}"


def test_a_won_deal_gets_its_id_erp_project_record_and_property_once(
    odoo_box: RunningSandbox,
    odoo_api: TestClient,
    raw_odoo: RawOdoo,
    odoo_store: Path,
    odoo_settings: Settings,
) -> None:
    deal = new_won_deal(
        odoo_box, "Harbor analytics rollout", "Harbor Freight Analytics", odoo_currency(raw_odoo)
    )
    expected = expected_next_id(odoo_box, raw_odoo)
    first = outputs(workflow_request(odoo_api, deal))
    assert (first["outcome"], first["hs_execution_state"], first["projectId"]) == (
        "created",
        "SUCCESS",
        expected,
    )
    made = odoo_projects_coded(raw_odoo, expected)
    assert [(p["name"], p["active"], p["partner_id"][1]) for p in made] == [
        ("Harbor analytics rollout", True, "Harbor Freight Analytics")
    ]
    records = deal_records(odoo_box, deal)
    assert [(r["id"], r["properties"]["erp_project_id"]) for r in records] == [
        (first["projectRecordId"], expected)
    ]
    assert deal_project_id(odoo_box, deal) == expected
    logged = log_rows(odoo_store, deal, expected, first["projectRecordId"])
    assert logged == [("deal", "apply", "applied"), ("erp_project", "create", "applied"),
                      ("project_record", "create", "applied")]  # fmt: skip

    odoo_box.reset_stats()
    again = outputs(workflow_request(odoo_api, deal))
    crm_cost, erp_cost = sum(odoo_box.stats("crm").values()), sum(odoo_box.stats("erp").values())
    assert (crm_cost, erp_cost) == (0, 0)  # a finished run is answered from the store
    assert (again["outcome"], again["hs_execution_state"], again["projectId"]) == (
        "unchanged",
        "SUCCESS",
        expected,
    )
    assert len(odoo_projects_coded(raw_odoo, expected)) == 1
    assert len(deal_records(odoo_box, deal)) == 1
    assert log_rows(odoo_store, deal, expected, first["projectRecordId"]) == logged
    assert deal_findings(odoo_settings, deal) == []


def test_a_failure_after_the_erp_write_is_completed_by_the_retry_and_undo_removes_it_all(
    odoo_box: RunningSandbox,
    odoo_api: TestClient,
    raw_odoo: RawOdoo,
    odoo_store: Path,
    odoo_settings: Settings,
) -> None:
    deal = new_won_deal(odoo_box, "Quayside data migration", "Quayside Logistics", odoo_currency(raw_odoo))
    expected = expected_next_id(odoo_box, raw_odoo)
    # HubSpot refuses the project record's creation (a 400 is not retried), after the ERP project is made
    odoo_box.faults("crm", fail_next=1, error_status=400, path_contains="p_projects/batch/create")
    try:
        partial = outputs(workflow_request(odoo_api, deal))
    finally:
        odoo_box.reset()
    assert (partial["outcome"], partial["hs_execution_state"], partial["projectId"]) == (
        "partial", "FAIL_CONTINUE", expected,
    )  # fmt: skip
    assert partial["message"].startswith("project record failed")
    assert len(odoo_projects_coded(raw_odoo, expected)) == 1
    assert deal_records(odoo_box, deal) == []
    assert deal_project_id(odoo_box, deal) is None

    odoo_box.reset_stats()
    retry = outputs(workflow_request(odoo_api, deal))
    cost = (sum(odoo_box.stats("crm").values()), sum(odoo_box.stats("erp").values()))
    print(f"\na retry completing a Closed Won run: {cost[0]} HubSpot + {cost[1]} Odoo requests")
    assert (retry["outcome"], retry["hs_execution_state"], retry["projectId"]) == (
        "created",
        "SUCCESS",
        expected,
    )
    assert len(odoo_projects_coded(raw_odoo, expected)) == 1  # no second ERP project
    assert [r["id"] for r in deal_records(odoo_box, deal)] == [retry["projectRecordId"]]
    assert deal_project_id(odoo_box, deal) == expected
    assert deal_findings(odoo_settings, deal) == []

    clients = build_clients(odoo_settings)
    store = Store(f"sqlite:///{odoo_store}")
    (erp_row,) = [r for r in store.corrections(object_id=expected) if r.object_type == "erp_project"]
    (odoo_project,) = odoo_projects_coded(raw_odoo, expected)
    assert json.loads(erp_row.after or "")["erp_record_id"] == str(odoo_project["id"])
    # the log page's undo (no ERP client) leaves the ERP project to the run's undo, and says so
    page = undo_corrections(clients.crm, store, [erp_row.id], actor=WORKFLOW_ACTOR)
    assert page.failed == (
        (expected, "undoing an ERP project needs the ERP; undo it with its Closed Won run"),
    )
    undone = undo_closed_won(clients.crm, clients.erp, store, deal, actor=WORKFLOW_ACTOR)
    clients.close()
    store.close()
    assert undone.failed == ()
    assert sorted(undone.undone) == sorted([deal, retry["projectRecordId"], expected])
    assert deal_project_id(odoo_box, deal) is None
    assert deal_records(odoo_box, deal) == []
    assert [p["active"] for p in odoo_projects_coded(raw_odoo, expected)] == [False]
    statuses = log_rows(odoo_store, deal, expected, retry["projectRecordId"])
    assert statuses.count(("erp_project", "create", "undone")) == 1
    assert ("deal", "apply", "undone") in statuses
    assert ("project_record", "create", "undone") in statuses
    after_undo = outputs(workflow_request(odoo_api, deal))
    assert (after_undo["outcome"], after_undo["hs_execution_state"]) == ("failed", "FAIL_CONTINUE")


def test_unsigned_forged_or_other_objects_are_refused_with_nothing_written(
    odoo_box: RunningSandbox, odoo_api: TestClient, raw_odoo: RawOdoo, odoo_store: Path
) -> None:
    deal = new_won_deal(odoo_box, "Lantern site survey", "Lantern Surveys", odoo_currency(raw_odoo))
    body = json.dumps({"callbackId": "x", "object": {"objectType": "DEAL", "objectId": int(deal)}}).encode()
    assert odoo_api.post(PATH, content=body).status_code == 401
    assert workflow_request(odoo_api, deal, secret="not-the-app-secret").status_code == 401
    contact = json.dumps({"callbackId": "x", "object": {"objectType": "CONTACT", "objectId": 1}}).encode()
    refused = call("POST", f"{BASE}{PATH}", SANDBOX_SECRET, contact, client=odoo_api)
    assert refused.status_code == 400
    assert "runs on deals" in refused.json()["error"]["message"]
    store = Store(f"sqlite:///{odoo_store}")
    assert store.closed_won(deal) is None
    store.close()
    assert deal_project_id(odoo_box, deal) is None


def test_a_deal_that_is_not_won_or_has_an_id_is_left_alone(
    odoo_box: RunningSandbox, odoo_api: TestClient, raw_odoo: RawOdoo
) -> None:
    deal = new_won_deal(odoo_box, "Beacon pilot", "Beacon Labs", odoo_currency(raw_odoo))
    odoo_box.patch("deals", {deal: {"erp_project_id": "PRJ-00007"}})
    answer = outputs(workflow_request(odoo_api, deal))
    assert (answer["outcome"], answer["hs_execution_state"]) == ("failed", "FAIL_CONTINUE")
    assert "already carries project ID 'PRJ-00007'" in answer["message"]
    odoo_box.patch("deals", {deal: {"erp_project_id": "", "dealstage": "closedlost"}})
    answer = outputs(workflow_request(odoo_api, deal))
    assert "not won" in answer["message"]


# -- on a real Tryton server ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tryton() -> Iterator[TrytonServer]:
    """A Tryton of this module's own (the seeded template, built once and cached)."""
    with TrytonServer(template=ensure_template()) as server:
        yield server


@pytest.mark.tryton
def test_on_tryton_a_won_deal_gets_the_numbered_work_once(tryton: TrytonServer, tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    portfolio.write_crm_records(db, today=AS_OF)
    with running_sandbox(db, deals=len(portfolio.crm_deals()), seed=portfolio.CRM_SEED) as crm_box:
        settings = load_settings(
            sandbox={
                "crm_port": port(crm_box.crm_url), "erp": "tryton", "tryton_url": tryton.url,
                "tryton_database": tryton.database, "tryton_user": tryton.user,
                "tryton_password": tryton.password,
            },
            store={"database_url": f"sqlite:///{tmp_path / 'store.sqlite'}"},
        )  # fmt: skip
        clients = build_clients(settings)
        before = clients.erp.fetch_snapshot()
        clients.close()
        numbers = [int(m[1]) for p in before.projects if (m := _PRJ.fullmatch(p.erp_project_id or ""))]
        expected = f"PRJ-{max(max(numbers), highest_crm_number(crm_box)) + 1:05d}"
        deal = new_won_deal(
            crm_box, "Fjord telemetry platform", "Fjord Telemetry AS", before.projects[0].currency
        )
        with served(settings) as api:
            first = outputs(workflow_request(api, deal))
            again = outputs(workflow_request(api, deal))
        assert (first["outcome"], first["projectId"], again["outcome"]) == ("created", expected, "unchanged")
        clients = build_clients(settings)
        works = [p for p in clients.erp.fetch_snapshot().projects if p.erp_project_id == expected]
        clients.close()
        assert [(w.name, w.customer_name, w.status) for w in works] == [
            ("Fjord telemetry platform", "Fjord Telemetry AS", "open")
        ]
        assert deal_project_id(crm_box, deal) == expected
        assert [r["properties"]["erp_project_id"] for r in deal_records(crm_box, deal)] == [expected]
        assert deal_findings(settings, deal) == []


# -- an ERP create whose answer is lost (Odoo 19, JSON-2: each method has its own path to aim the fault at) --


@pytest.fixture(scope="module")
def odoo19(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    db = tmp_path_factory.mktemp("closed-won-19") / "sandbox.sqlite"
    with running_sandbox(db, deals=24, extra=("--odoo-version", "19")) as sandbox:
        yield sandbox


def test_an_erp_create_whose_answer_is_lost_is_found_by_the_retry_not_made_twice(
    odoo19: RunningSandbox, tmp_path: Path
) -> None:
    settings = load_settings(
        sandbox={"crm_port": port(odoo19.crm_url), "erp_port": port(odoo19.erp_url)},
        store={"database_url": f"sqlite:///{tmp_path / 'store.sqlite'}"},
        odoo={"timeout_s": 1.5},
    )
    raw = RawOdoo(odoo19.erp_url)
    currency = str(max(raw.rows("project.project", [["account_id", "!=", False]], ["currency_id"]),
                       key=lambda r: r["id"])["currency_id"][1])  # fmt: skip
    deal = new_won_deal(odoo19, "Pier lighting controls", "Pier Lighting Co", currency)
    with served(settings) as api:
        # Odoo makes the project, but its answer comes after the API stopped waiting
        odoo19.faults("erp", late_next=1, hang_s=3, path_contains="project.project/create")
        try:
            lost = outputs(workflow_request(api, deal))
        finally:
            odoo19.reset()
        assert (lost["outcome"], lost["hs_execution_state"]) == ("partial", "FAIL_CONTINUE")
        assert lost["message"].startswith("erp project failed")
        code = lost["projectId"]

        def coded() -> list[dict[str, Any]]:
            accounts = [a["id"] for a in raw.rows("account.analytic.account", [["code", "=", code]], ["id"])]
            return raw.rows("project.project", [["account_id", "in", accounts]], ["name"])

        assert [p["name"] for p in coded()] == ["Pier lighting controls"]  # it landed all the same
        retry = outputs(workflow_request(api, deal))
    assert (retry["outcome"], retry["hs_execution_state"], retry["projectId"]) == ("created", "SUCCESS", code)
    assert [p["name"] for p in coded()] == ["Pier lighting controls"]
    assert deal_project_id(odoo19, deal) == code
    raw.close()


def test_when_a_system_cannot_be_read_nothing_is_written_and_hubspot_is_asked_to_retry(
    odoo_box: RunningSandbox, odoo_api: TestClient, raw_odoo: RawOdoo, odoo_store: Path
) -> None:
    deal = new_won_deal(odoo_box, "Tidewater dashboards", "Tidewater Ports", odoo_currency(raw_odoo))
    odoo_box.faults("crm", fail_next=1, error_status=401)  # HubSpot refuses the first read (not retried)
    try:
        refused = workflow_request(odoo_api, deal)
    finally:
        odoo_box.reset()
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "60")
    assert "HubSpot" in refused.json()["error"]["message"]
    store = Store(f"sqlite:///{odoo_store}")
    assert store.closed_won(deal) is None
    store.close()
    answer = outputs(workflow_request(odoo_api, deal, name="Tidewater BI programme"))  # the action's input
    assert answer["outcome"] == "created"
    assert [p["name"] for p in odoo_projects_coded(raw_odoo, answer["projectId"])] == [
        "Tidewater BI programme"
    ]
    record = crm_get(
        odoo_box, f"/crm/v3/objects/p_projects/{answer['projectRecordId']}?properties=project_name"
    )
    assert record["properties"]["project_name"] == "Tidewater BI programme"
