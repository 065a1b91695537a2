"""`create_project` and `archive_project` of every ERP adapter, each on its own server (the writes must not
change the shared sandboxes other tests count on): Odoo 17 (JSON-RPC, `analytic_account_id`), 18 (JSON-RPC,
`account_id`) and 19 (JSON-2, `account_id`); a real Tryton 8.2; the QuickBooks sandbox. Each result is
checked with a read of the ERP's own records (plain HTTP for Odoo), then through the adapter's full read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.wiring import build_clients
from sandbox.tryton.server import TrytonServer
from services.odoo import OdooClient
from services.quickbooks import QuickBooksClient
from services.tryton import TrytonClient
from tests.odoo_raw import RawOdoo
from tests.quickbooks_fixture import quickbooks_sandbox, settings_for
from tests.sandbox_fixture import ODOO, RunningSandbox, running_sandbox

NEW_ID = "PRJ-09001"
CUSTOMER = "Brightwater Analytics"


@pytest.fixture(scope="module", params=["17", "18", "19"])
def odoo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningSandbox]:
    db = tmp_path_factory.mktemp(f"odoo-writes-{request.param}") / "sandbox.sqlite"
    with running_sandbox(db, deals=24, extra=("--odoo-version", request.param)) as sandbox:
        yield sandbox


def test_odoo_creates_the_project_with_its_account_once_and_archives_both(odoo: RunningSandbox) -> None:
    raw = RawOdoo(odoo.erp_url)
    with OdooClient(odoo.erp_url, ODOO["database"], ODOO["login"], ODOO["api_key"]) as client:
        field = client.version().project_account_field
        made = client.create_project(NEW_ID, "Data platform rollout", CUSTOMER)
        again = client.create_project(NEW_ID, "Data platform rollout", CUSTOMER)
        assert (made.created, again.created) == (True, False)
        assert again.erp_record_id == made.erp_record_id
        project = raw.rows("project.project", [["id", "=", int(made.erp_record_id)]], [field, "partner_id"])[
            0
        ]
        account = raw.rows("account.analytic.account", [["id", "=", project[field][0]]], ["code", "active"])[
            0
        ]
        assert (account["code"], account["active"]) == (NEW_ID, True)
        assert project["partner_id"][1] == CUSTOMER
        read = {p.erp_project_id: p for p in client.fetch_snapshot().projects}
        assert read[NEW_ID].erp_record_id == made.erp_record_id  # type: ignore[index]
        assert (read[NEW_ID].status, read[NEW_ID].customer_name) == ("open", CUSTOMER)  # type: ignore[index]
        client.archive_project(made.erp_record_id)
        states = raw.rows("project.project", [["id", "=", int(made.erp_record_id)]], ["active"])
        assert states[0]["active"] is False
        assert raw.rows("account.analytic.account", [["code", "=", NEW_ID]], ["active"])[0]["active"] is False
        read = {p.erp_project_id: p for p in client.fetch_snapshot().projects}
        assert read[NEW_ID].status == "closed"  # type: ignore[index]
        assert client.create_project(NEW_ID, "Data platform rollout", CUSTOMER).created  # archived: made anew
    raw.close()


@pytest.fixture(scope="module")
def tryton(tryton_template: Path) -> Iterator[TrytonServer]:
    with TrytonServer(template=tryton_template) as server:
        yield server


@pytest.mark.tryton
def test_tryton_numbers_the_new_work_with_the_id_once_and_closes_it(tryton: TrytonServer) -> None:
    with TrytonClient(tryton.url, tryton.database, tryton.user, tryton.password) as client:
        made = client.create_project(NEW_ID, "Data platform rollout", CUSTOMER)
        again = client.create_project(NEW_ID, "Data platform rollout", CUSTOMER)
        assert (made.created, again.created) == (True, False)
        assert again.erp_record_id == made.erp_record_id
        rows = client.read("project.work", [int(made.erp_record_id)], ["number", "type", "party.rec_name"])
        assert (rows[0]["number"], rows[0]["type"], rows[0]["party."]["rec_name"]) == (
            NEW_ID, "project", CUSTOMER,
        )  # fmt: skip
        read = {p.erp_project_id: p for p in client.fetch_snapshot().projects}
        assert read[NEW_ID].status == "open"  # type: ignore[index]
        client.archive_project(made.erp_record_id)
        read = {p.erp_project_id: p for p in client.fetch_snapshot().projects}
        assert read[NEW_ID].status == "closed"  # type: ignore[index]


@pytest.fixture(scope="module")
def qbo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with quickbooks_sandbox(tmp_path_factory.mktemp("qbo-writes") / "sandbox.sqlite", deals=24) as box:
        yield box


@pytest.mark.parametrize("place", ["display_name", "notes"])
def test_quickbooks_makes_a_job_under_the_customer_with_the_id_once_and_deactivates_it(
    qbo: RunningSandbox, place: str
) -> None:
    clients = build_clients(settings_for(qbo, project_id_field=place))
    client = clients.erp
    assert isinstance(client, QuickBooksClient)
    project_id = f"PRJ-0{9100 if place == 'notes' else 9200}"
    made = client.create_project(project_id, "Data: platform rollout", CUSTOMER)
    again = client.create_project(project_id, "Data: platform rollout", CUSTOMER)
    assert (made.created, again.created) == (True, False)
    row = client.read("Customer", made.erp_record_id)
    parent = client.read("Customer", row["ParentRef"]["value"])
    assert (row["Job"], parent["DisplayName"]) == (True, CUSTOMER)
    if place == "display_name":
        assert row["DisplayName"] == f"{project_id} · Data - platform rollout"
    else:
        assert (row["DisplayName"], row["Notes"]) == ("Data - platform rollout", f"Project ID: {project_id}")
    read = {p.erp_project_id: p for p in client.fetch_snapshot().projects}
    assert read[project_id].customer_name == CUSTOMER  # type: ignore[index]
    client.archive_project(made.erp_record_id)
    assert client.read("Customer", made.erp_record_id)["Active"] is False
    assert project_id not in {p.erp_project_id for p in client.fetch_snapshot().projects}
    clients.close()
