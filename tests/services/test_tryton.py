"""TrytonClient against a real Tryton 8.2 server seeded with the portfolio in sandbox/tryton/portfolio.py.

Two independent references for every figure: Tryton's own numbers read here with plain JSON-RPC calls (not
through the client under test), and the figures worked out by hand from the portfolio table.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from sandbox.db import CrmObject, make_engine
from sandbox.tryton import ADMIN_PASSWORD
from sandbox.tryton.portfolio import PROJECTS, expected_figures, write_crm_records
from sandbox.tryton.server import TrytonServer
from services.errors import AuthError, NotFoundError, RejectedError, UnavailableError
from services.models import ErpActuals, ErpSnapshot
from services.tryton import TrytonClient

pytestmark = pytest.mark.tryton

WRONG_PASSWORD = "Not-The-Password-42!"


class RawTryton:
    """Straight JSON-RPC reads, independent of services.tryton: the test's own view of Tryton's figures."""

    def __init__(self, server: TrytonServer, *, user: str | None = None, password: str | None = None) -> None:
        self.http = httpx.Client(base_url=f"{server.url}/{server.database}/rpc/", timeout=30)
        self.auth = ""
        login, secret = user or server.user, password or server.password
        user_id, session, _ = self.post("common.db.login", login, {"password": secret}, "en")
        self.auth = "Session " + base64.b64encode(f"{login}:{user_id}:{session}".encode()).decode()

    def post(self, method: str, *params: Any) -> Any:
        response = self.http.post("", json={"id": 1, "method": method, "params": list(params)},
                                  headers={"Authorization": self.auth} if self.auth else {})  # fmt: skip
        response.raise_for_status()
        body = response.json()
        assert "error" not in body, body
        return body["result"]

    def search_read(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        return list(self.post(f"model.{model}.search_read", domain, 0, None, None, fields, {}))


def money(value: dict[str, str]) -> Decimal:
    """Tryton's wire form of a Decimal: {"__class__": "Decimal", "decimal": "4700.00"}."""
    assert value["__class__"] == "Decimal"
    return Decimal(value["decimal"])


@pytest.fixture(scope="module")
def raw(tryton_server: TrytonServer) -> Iterator[RawTryton]:
    reader = RawTryton(tryton_server)
    yield reader
    reader.http.close()


@pytest.fixture
def tryton(tryton_server: TrytonServer) -> Iterator[TrytonClient]:
    s = tryton_server
    with TrytonClient(s.url, s.database, s.user, s.password) as client:
        yield client


@pytest.fixture(scope="module")
def snapshot(tryton_server: TrytonServer) -> ErpSnapshot:
    s = tryton_server
    with TrytonClient(s.url, s.database, s.user, s.password) as client:
        return client.fetch_snapshot()


def actuals_by_number(snapshot: ErpSnapshot) -> dict[str, ErpActuals]:
    number = {p.erp_record_id: p.erp_project_id for p in snapshot.projects}
    return {str(number[a.erp_record_id]): a for a in snapshot.actuals}


def test_cost_invoiced_outstanding_and_margin_equal_trytons_own_figures(
    snapshot: ErpSnapshot, raw: RawTryton
) -> None:
    works = raw.search_read("project.work", [["type", "=", "project"]], ["number", "cost", "invoiced_amount"])
    # The seed writes the project number into each customer invoice's reference: a link the client never uses.
    invoices = raw.search_read(
        "account.invoice",
        [["type", "=", "out"], ["state", "in", ["posted", "paid"]]],
        ["reference", "amount_to_pay"],
    )
    open_amount: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        open_amount[invoice["reference"]] += money(invoice["amount_to_pay"])
    theirs = {
        w["number"]: (money(w["cost"]), money(w["invoiced_amount"]), open_amount[w["number"]],
                      money(w["invoiced_amount"]) - money(w["cost"]))
        for w in works
    }  # fmt: skip
    ours = {
        number: (
            a.labor_cost + a.vendor_cost,
            a.invoiced,
            a.outstanding,
            a.invoiced - a.labor_cost - a.vendor_cost,
        )
        for number, a in actuals_by_number(snapshot).items()
    }
    assert sorted(theirs) == [p.number for p in PROJECTS]
    assert ours == theirs


def test_every_figure_equals_the_portfolio_worked_out_by_hand(snapshot: ErpSnapshot) -> None:
    actuals = actuals_by_number(snapshot)
    planned = {p.erp_project_id: p.planned_revenue for p in snapshot.projects}
    keys = ("labor_hours", "labor_cost", "vendor_cost", "invoiced", "invoiced_gross", "paid", "outstanding")
    ours = {n: {k: getattr(a, k) for k in keys} | {"planned_revenue": planned[n]} for n, a in actuals.items()}
    want = {p.number: {k: expected_figures(p)[k] for k in (*keys, "planned_revenue")} for p in PROJECTS}
    assert ours == want


def test_one_project_by_hand(snapshot: ErpSnapshot) -> None:
    # PRJ-00101: Alice 40 h x 55 + Bob 25 h x 40 = 3200; one 1500 supplier invoice; 65 h x 120 = 7800
    # invoiced, + 19 % VAT = 9282, half of it paid.
    a = actuals_by_number(snapshot)["PRJ-00101"]
    assert (a.labor_hours, a.labor_cost, a.vendor_cost) == (65, Decimal("3200.00"), Decimal("1500.00"))
    assert (a.invoiced, a.invoiced_gross, a.paid, a.outstanding) == (
        Decimal("7800.00"), Decimal("9282.00"), Decimal("4641.00"), Decimal("4641.00"),
    )  # fmt: skip


def test_projects_carry_number_customer_status_and_planned_revenue(snapshot: ErpSnapshot) -> None:
    projects = {p.erp_project_id: p for p in snapshot.projects}
    first = projects["PRJ-00101"]
    assert (first.name, first.customer_name, first.currency) == ("ACME website relaunch", "ACME Corp", "EUR")
    assert (first.status, first.raw_status, first.planned_revenue) == ("open", "Open", Decimal("24000.00"))
    closed = sorted(str(p.erp_project_id) for p in snapshot.projects if p.status == "closed")
    assert closed == ["PRJ-00106", "PRJ-00110", "PRJ-00118"]
    assert {p.raw_status for p in snapshot.projects if p.status == "closed"} == {"Done"}
    assert snapshot.erp == "tryton"
    assert snapshot.requests <= 10  # a handful of calls for the whole portfolio, not one per project


def test_receivables_are_due_30_days_after_the_invoice(snapshot: ErpSnapshot) -> None:
    number = {p.erp_record_id: p.erp_project_id for p in snapshot.projects}
    by_project = {number[r.erp_record_id]: r for r in snapshot.receivables}
    invoiced = sorted(p.number for p in PROJECTS if p.invoice_days_ago is not None)
    assert sorted(str(n) for n in by_project) == invoiced  # one customer invoice per invoiced project
    assert all(
        r.invoice_date and r.due_date == r.invoice_date + timedelta(days=30) for r in by_project.values()
    )
    partial, paid, unpaid = by_project["PRJ-00101"], by_project["PRJ-00102"], by_project["PRJ-00105"]
    assert (partial.payment_state, partial.amount_residual) == ("partial", Decimal("4641.00"))
    assert (paid.payment_state, paid.amount_residual) == ("paid", Decimal("0.00"))
    assert (unpaid.payment_state, unpaid.amount_residual) == ("not_paid", unpaid.amount_total)
    assert partial.document.startswith("INV-")


@pytest.mark.parametrize("number", ["PRJ-00101", "PRJ-00104", "PRJ-00108", "PRJ-00118"])
def test_documents_on_demand_add_up_to_the_projects_figures(
    tryton: TrytonClient, snapshot: ErpSnapshot, number: str
) -> None:
    project = next(p for p in snapshot.projects if p.erp_project_id == number)
    actuals = actuals_by_number(snapshot)[number]
    documents = tryton.fetch_project_documents(project.erp_record_id)
    total: dict[str, Decimal] = defaultdict(Decimal)
    for line in documents:
        total[line.section] += line.amount
    hours = sum((line.hours or Decimal(0) for line in documents), Decimal(0))
    assert (total["labor"], hours) == (actuals.labor_cost, actuals.labor_hours)
    assert total["vendor"] == actuals.vendor_cost
    assert total["invoice"] == actuals.invoiced
    assert {line.erp_record_id for line in documents} == {project.erp_record_id}


def test_a_draft_supplier_invoice_is_neither_cost_nor_document(
    tryton: TrytonClient, snapshot: ErpSnapshot
) -> None:
    # PRJ-00108's only supplier invoice (640.00) is still a draft: Tryton does not count it, nor do we.
    project = next(p for p in snapshot.projects if p.erp_project_id == "PRJ-00108")
    assert actuals_by_number(snapshot)["PRJ-00108"].vendor_cost == 0
    assert [d for d in tryton.fetch_project_documents(project.erp_record_id) if d.section == "vendor"] == []


def test_wrong_password_says_what_to_check_and_never_shows_the_password(
    tryton_server: TrytonServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    s = tryton_server
    with (
        TrytonClient(s.url, s.database, s.user, WRONG_PASSWORD) as client,
        pytest.raises(AuthError) as caught,
    ):
        client.fetch_snapshot()
    expected = (
        "Tryton rejected the login for user 'throughline' on database 'throughline': "
        "check the Tryton user and password settings"
    )
    assert expected in str(caught.value)
    assert caught.value.status == 401
    assert WRONG_PASSWORD not in str(caught.value) + repr(caught.value) + caplog.text


def test_unknown_database_says_to_check_the_database_setting(tryton_server: TrytonServer) -> None:
    s = tryton_server
    with (
        TrytonClient(s.url, "no_such_db", s.user, s.password) as client,
        pytest.raises(NotFoundError) as caught,
    ):
        client.fetch_snapshot()
    assert "has no database 'no_such_db': check the Tryton database setting" in str(caught.value)


def test_a_model_of_a_module_not_activated_names_the_module(tryton: TrytonClient) -> None:
    with pytest.raises(RejectedError) as caught:
        tryton.search_read("sale.sale", [], ["number"])
    message = str(caught.value)
    assert "has no model 'sale.sale'" in message
    assert "activate the Tryton module 'sale'" in message


def test_documents_of_an_unknown_project_say_so(tryton: TrytonClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        tryton.fetch_project_documents("99999")
    assert "Tryton has no project with id 99999" in str(caught.value)


def test_a_stopped_server_says_to_check_trytond_and_the_url(tryton_template: Path) -> None:
    server = TrytonServer(template=tryton_template).start()
    pid = int(server.pidfile.read_text())
    try:
        client = TrytonClient(server.url, server.database, server.user, server.password, max_retries=1)
        assert len(client.fetch_snapshot().projects) == len(PROJECTS)
    finally:
        server.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # stopped by its pid: the process is gone
    with client, pytest.raises(UnavailableError) as caught:
        client.fetch_snapshot()
    assert f"cannot reach Tryton at {server.url}: check that trytond is running and the URL setting" in str(
        caught.value
    )


def test_an_expired_session_is_renewed_once(tryton_template: Path) -> None:
    with TrytonServer(template=tryton_template, session_max_age=1) as server:
        with TrytonClient(server.url, server.database, server.user, server.password) as client:
            client.login()
            time.sleep(1.5)  # past the server's one-second session lifetime
            rows = client.search_read("project.work", [["number", "=", "PRJ-00101"]], ["name"])
            assert [r["name"] for r in rows] == ["ACME website relaunch"]
            assert client.requests == 4  # login, the call refused with 401, login again, the call again


def test_a_user_with_an_employee_still_sees_every_hour(tryton_template: Path) -> None:
    # Tryton filters timesheet sums by the `employees` of a context built from the user's preferences; the
    # client sends an empty context, so linking the API user to Alice must not hide Bob's 25 h on PRJ-00101.
    with TrytonServer(template=tryton_template) as server:
        admin = RawTryton(server, user="admin", password=ADMIN_PASSWORD)
        (alice,) = admin.search_read("company.employee", [["party.name", "=", "Alice Engineer"]], ["id"])
        (user,) = admin.search_read("res.user", [["login", "=", server.user]], ["id"])
        admin.post("model.res.user.write", [user["id"]], {"employees": [["add", [alice["id"]]]]}, {})
        admin.http.close()
        with TrytonClient(server.url, server.database, server.user, server.password) as client:
            actuals = actuals_by_number(client.fetch_snapshot())["PRJ-00101"]
        assert (actuals.labor_hours, actuals.labor_cost) == (65, Decimal("3200.00"))


def test_crm_side_holds_one_deal_per_project_with_the_manifests_id_problems(tmp_path: Path) -> None:
    manifest = write_crm_records(tmp_path / "crm.sqlite")
    engine = make_engine(tmp_path / "crm.sqlite")
    with Session(engine) as session:
        deals = session.exec(select(CrmObject).where(CrmObject.object_type == "deals")).all()
    engine.dispose()
    held = {str(d.id): json.loads(d.properties)["erp_project_id"] for d in deals}
    problems = {row["crm_deal_id"]: row for row in manifest if row["crm_deal_id"]}
    assert len(held) == len(PROJECTS) - 1  # every Tryton project but the orphan has its won deal
    assert {deal: held[deal] for deal in problems} == {deal: row["raw_id"] for deal, row in problems.items()}
    assert held["41000000101"] == "PRJ-00101"
    assert "PRJ-00120" not in held.values()
    assert sorted(row["kind"] for row in manifest) == [
        "dangling",
        "malformed",
        "malformed",
        "missing",
        "orphan",
    ]
