"""The Odoo-compatible sandbox on the wire: JSON-RPC over real HTTP to uvicorn, on a small seeded database.

The seed below is small enough to check by eye; sums expected from read_group are computed from it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from sandbox.db import (
    AccountAnalyticAccount,
    AccountAnalyticLine,
    AccountMove,
    AccountMoveLine,
    HrEmployee,
    ProjectProject,
    ResCompany,
    ResCurrency,
    ResPartner,
    create_schema,
    make_engine,
)
from sandbox.odoo import create_odoo_app

DB, LOGIN, KEY = "sandbox", "admin", "sandbox-key"
STAMP = datetime(2025, 5, 1, 10, 0, 0, tzinfo=UTC)

# account_id, project_id, employee_id, category, date, amount, hours
LINES = [
    (10, 100, 1, "other", date(2025, 3, 3), -200.0, 4.0),
    (10, 100, 1, "other", date(2025, 3, 20), -100.0, 2.0),
    (10, 100, 1, "other", date(2025, 4, 2), -150.0, 3.0),
    (11, 101, 2, "other", date(2025, 3, 5), -400.0, 5.0),
    (10, None, None, "vendor_bill", date(2025, 3, 10), -1200.0, 0.0),
    (10, None, None, "invoice", date(2025, 3, 31), 5000.0, 0.0),
    (11, None, None, "invoice", date(2025, 4, 15), 3000.0, 0.0),
    (12, None, None, "other", date(2025, 2, 14), -75.5, 0.0),
    (13, None, None, "other", date(2025, 1, 10), -10.0, 0.0),
]
LINE_IDS = list(range(1001, 1001 + len(LINES)))


def seed(engine: Engine) -> None:
    """Two companies, three partners, four analytic accounts and projects (one archived), lines, invoices."""
    at = {"write_date": STAMP}
    made = {"create_date": STAMP, **at}
    rows: list[Any] = [
        ResCurrency(id=1, name="USD", symbol="$"),
        ResCurrency(id=2, name="EUR", symbol="€"),
        ResCompany(id=1, name="Acme US", currency_id=1),
        ResCompany(id=2, name="Acme EU", currency_id=2),
        ResPartner(id=1, name="Globex Corp", email="ap@globex.example", **at),
        ResPartner(id=2, name="Initech", **at),
        ResPartner(id=3, name="Jane Doe", is_company=False, **at),
        HrEmployee(id=1, name="Alice", hourly_cost=50.0),
        HrEmployee(id=2, name="Bob", hourly_cost=80.0, company_id=2),
        AccountAnalyticAccount(
            id=10, name="Website revamp", code="PRJ-00042", partner_id=1, company_id=1, **at
        ),
        AccountAnalyticAccount(id=11, name="Mobile app", code="PRJ-00043", partner_id=2, company_id=2, **at),
        AccountAnalyticAccount(id=12, name="Internal", company_id=1, **at),
        AccountAnalyticAccount(id=13, name="Old", code="PRJ-00001", company_id=1, active=False, **at),
        ProjectProject(
            id=100, name="Website revamp", partner_id=1, analytic_account_id=10, company_id=1, user_id=2,
            date_start=date(2025, 1, 6), last_update_status="on_track", **made,
        ),
        ProjectProject(
            id=101, name="Mobile app", partner_id=2, analytic_account_id=11, company_id=2,
            date_start=date(2025, 2, 1), date=date(2025, 12, 31), last_update_status="at_risk",
            create_date=STAMP, write_date=datetime(2025, 5, 2, 9, 30, 0, tzinfo=UTC),
        ),
        ProjectProject(id=102, name="Internal tooling", analytic_account_id=12, company_id=1, **made),
        ProjectProject(id=103, name="Archived", analytic_account_id=13, company_id=1, active=False, **made),
        AccountMove(
            id=1, name="INV/2025/00001", move_type="out_invoice", partner_id=1,
            invoice_date=date(2025, 3, 31),
            amount_untaxed=5000.0, amount_tax=500.0, amount_total=5500.0, amount_residual=5500.0, **at,
        ),
        AccountMove(
            id=2, name="INV/2025/00002", move_type="out_invoice", partner_id=2, currency_id=2,
            amount_untaxed=3000.0, amount_total=3000.0, payment_state="paid", **at,
        ),
        AccountMove(
            id=3, name="BILL/2025/00001", move_type="in_invoice", partner_id=2, amount_total=1200.0, **at
        ),
        AccountMove(id=4, name="/", move_type="out_invoice", state="draft", partner_id=1, ref="PO-7", **at),
        AccountMoveLine(
            id=1, move_id=1, name="Website design", price_subtotal=5000.0,
            analytic_distribution='{"10": 100.0}', **at,
        ),
        AccountMoveLine(id=2, move_id=1, name="Tax 10%", display_type="tax", price_subtotal=500.0, **at),
        AccountMoveLine(
            id=3, move_id=2, name="App sprint", price_subtotal=3000.0,
            analytic_distribution='{"11,20": 60.0, "12": 40.0}', **at,
        ),
        AccountMoveLine(
            id=4, move_id=3, name="Hosting", move_type="in_invoice", price_subtotal=1200.0,
            analytic_distribution='{"10": 100.0}', **at,
        ),
        AccountMoveLine(id=5, move_id=4, name="Draft work", parent_state="draft", **at),
    ]  # fmt: skip
    for line_id, (account, project, employee, category, day, amount, hours) in zip(
        LINE_IDS, LINES, strict=True
    ):
        rows.append(
            AccountAnalyticLine(
                id=line_id, name=f"line {line_id}", date=day, amount=amount, unit_amount=hours,
                account_id=account, project_id=project, employee_id=employee, category=category,
                move_line_id=1 if category == "invoice" and account == 10 else None, **at,
            )
        )  # fmt: skip
    with Session(engine) as session:
        session.add_all(rows)
        session.commit()


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn on a free 127.0.0.1 port in a background thread."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the sandbox did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class Rpc:
    """A bare JSON-RPC caller, so the tests see Odoo's wire format and nothing in between."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=10)
        self.ids = 0

    def call(self, service: str, method: str, *args: Any) -> dict[str, Any]:
        self.ids += 1
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": self.ids,
            "params": {"service": service, "method": method, "args": list(args)},
        }
        response = self.http.post("/jsonrpc", json=payload)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert body["jsonrpc"] == "2.0"
        assert body["id"] == self.ids
        return body

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        body = self.call("object", "execute_kw", DB, 2, KEY, model, method, list(args), kwargs)
        assert "error" not in body, body["error"]["data"]["message"]
        return body["result"]

    def error(self, model: str, method: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        body = self.call("object", "execute_kw", DB, 2, KEY, model, method, list(args), kwargs)
        assert "result" not in body
        assert body["error"]["code"] == 200
        assert body["error"]["message"] == "Odoo Server Error"
        data: dict[str, Any] = body["error"]["data"]
        assert set(data) == {"name", "debug", "message", "arguments", "context"}
        return data

    def ids_of(self, model: str, domain: list[Any], **kwargs: Any) -> list[int]:
        return [row["id"] for row in self.execute(model, "search_read", domain, ["id"], **kwargs)]


def _app(tmp_path: Path) -> FastAPI:
    engine = make_engine(tmp_path / "odoo.sqlite")
    create_schema(engine)
    seed(engine)
    return create_odoo_app(engine, database=DB, login=LOGIN, api_key=KEY)


@pytest.fixture(scope="module")
def rpc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rpc]:
    """A server shared by the tests that only read (and reset its faults after each use)."""
    with serving(_app(tmp_path_factory.mktemp("odoo"))) as url:
        client = Rpc(url)
        yield client
        client.http.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Rpc]:
    """A server of its own, for the tests that write."""
    with serving(_app(tmp_path)) as url:
        client = Rpc(url)
        yield client
        client.http.close()


@pytest.fixture
def faults(rpc: Rpc) -> Iterator[httpx.Client]:
    """The control path of the shared server; faults are reset afterwards."""
    yield rpc.http
    rpc.http.post("/__sandbox__/faults/reset").raise_for_status()


# -- common ---------------------------------------------------------------------------------------------


def test_version_routes(rpc: Rpc) -> None:
    # /web/version comes with 19.0's rpc addon: a 17.0 server answers Werkzeug's 404 page
    missing = rpc.http.get("/web/version")
    assert (missing.status_code, missing.headers["content-type"].split(";")[0]) == (404, "text/html")
    webclient = rpc.http.post("/web/webclient/version_info", json={"jsonrpc": "2.0", "id": 3, "params": {}})
    assert webclient.json()["result"]["server_version_info"] == [17, 0, 0, "final", 0, ""]
    assert rpc.call("common", "version")["result"] == {
        "server_version": "17.0",
        "server_version_info": [17, 0, 0, "final", 0, ""],
        "server_serie": "17.0",
        "protocol_version": 1,
    }


def test_login_and_authenticate(rpc: Rpc) -> None:
    assert rpc.call("common", "authenticate", DB, LOGIN, KEY, {})["result"] == 2
    assert rpc.call("common", "login", DB, LOGIN, KEY)["result"] == 2
    assert rpc.call("common", "authenticate", DB, LOGIN, "wrong", {})["result"] is False
    assert rpc.call("common", "login", DB, "someone", KEY)["result"] is False


def test_unknown_database_is_an_operational_error(rpc: Rpc) -> None:
    data = rpc.call("common", "authenticate", "nope", LOGIN, KEY, {})["error"]["data"]
    assert data["name"] == "psycopg2.OperationalError"
    assert 'database "nope" does not exist' in data["message"]


def test_wrong_password_in_execute_kw_is_access_denied(rpc: Rpc) -> None:
    body = rpc.call(
        "object", "execute_kw", DB, 2, "wrong-secret-77", "project.project", "search_count", [[]], {}
    )
    assert body["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
    assert body["error"]["data"]["message"] == "Access Denied"
    assert "wrong-secret-77" not in str(body)
    assert KEY not in str(body)


# -- reading --------------------------------------------------------------------------------------------


def test_search_read_projects_with_many2one_pairs_and_false(rpc: Rpc) -> None:
    fields = [
        "name",
        "partner_id",
        "analytic_account_id",
        "currency_id",
        "user_id",
        "date_start",
        "date",
        "write_date",
    ]
    rows = rpc.execute("project.project", "search_read", [], fields)
    assert [row["id"] for row in rows] == [100, 101, 102]  # the archived 103 is hidden
    assert rows[0] == {
        "id": 100,
        "name": "Website revamp",
        "partner_id": [1, "Globex Corp"],
        "analytic_account_id": [10, "[PRJ-00042] Website revamp - Globex Corp"],
        "currency_id": [1, "USD"],
        "user_id": [2, "Administrator"],
        "date_start": "2025-01-06",
        "date": False,
        "write_date": "2025-05-01 10:00:00",
    }
    assert rows[1]["currency_id"] == [2, "EUR"]
    assert rows[2]["partner_id"] is False
    assert rows[2]["analytic_account_id"] == [12, "Internal"]
    assert rows[2]["user_id"] is False


def test_search_read_paging_and_order(rpc: Rpc) -> None:
    by_name = rpc.execute(
        "project.project", "search_read", [], ["name"], order="name desc", limit=2, offset=1
    )
    assert [row["name"] for row in by_name] == ["Mobile app", "Internal tooling"]
    newest = rpc.execute("project.project", "search", [], order="write_date desc, id asc")
    assert newest == [101, 100, 102]


def test_search_count_and_active_test(rpc: Rpc) -> None:
    assert rpc.execute("project.project", "search_count", []) == 3
    assert rpc.execute("project.project", "search_count", [], context={"active_test": False}) == 4
    assert rpc.execute("project.project", "search_count", [["active", "=", False]]) == 1
    assert rpc.execute("account.analytic.account", "search_count", [["code", "!=", False]]) == 2
    assert rpc.execute("account.analytic.line", "search_count", [], limit=4) == 4
    without_options = rpc.call("object", "execute_kw", DB, 2, KEY, "res.partner", "search_count", [[]])
    assert without_options["result"] == 3


def test_read_keeps_order_and_reports_missing_records(rpc: Rpc) -> None:
    rows = rpc.execute("project.project", "read", [103, 100], ["name", "active"])
    assert rows == [
        {"id": 103, "name": "Archived", "active": False},
        {"id": 100, "name": "Website revamp", "active": True},
    ]
    data = rpc.error("project.project", "read", [100, 999], ["name"])
    assert data["name"] == "odoo.exceptions.MissingError"
    assert "project.project(999,)" in data["message"]


def test_moves_and_lines(rpc: Rpc) -> None:
    moves = rpc.execute(
        "account.move", "read", [1, 4], ["display_name", "invoice_line_ids", "line_ids", "currency_id"]
    )
    assert moves[0]["display_name"] == "INV/2025/00001"
    assert moves[0]["invoice_line_ids"] == [1]  # the tax line is not an invoice line
    assert moves[0]["line_ids"] == [1, 2]
    assert moves[1]["display_name"] == "Draft Invoice (* 4) (PO-7)"
    lines = rpc.execute(
        "account.move.line", "read", [3, 5], ["move_id", "analytic_distribution", "move_type", "parent_state"]
    )
    assert lines[0]["move_id"] == [2, "INV/2025/00002"]
    assert lines[0]["analytic_distribution"] == {"11,20": 60.0, "12": 40.0}
    assert lines[1]["analytic_distribution"] is False
    assert lines[1]["parent_state"] == "draft"
    line = rpc.execute("account.analytic.line", "read", [1006], ["move_line_id", "currency_id", "category"])[
        0
    ]
    assert line == {
        "id": 1006,
        "move_line_id": [1, "INV/2025/00001 Website design"],
        "currency_id": [1, "USD"],
        "category": "invoice",
    }


# -- domains --------------------------------------------------------------------------------------------


def test_or_and_not(rpc: Rpc) -> None:
    either = ["|", ["category", "=", "invoice"], ["category", "=", "vendor_bill"]]
    assert rpc.ids_of("account.analytic.line", either) == [1005, 1006, 1007]
    assert rpc.ids_of("account.analytic.line", ["!", ["category", "=", "other"]]) == [1005, 1006, 1007]
    # implicit '&' after an explicit '|'
    assert rpc.ids_of("account.analytic.line", [*either, ["account_id", "=", 11]]) == [1007]
    # '!' over '&' is pushed down (De Morgan), and '!=' keeps empty values as Odoo's does
    not_both = ["!", "&", ["account_id", "=", 10], ["project_id", "!=", False]]
    assert rpc.ids_of("account.analytic.line", not_both) == [1004, 1005, 1006, 1007, 1008, 1009]


def test_comparison_operators(rpc: Rpc) -> None:
    march = [["date", ">=", "2025-03-01"], ["date", "<", "2025-04-01"]]
    assert rpc.ids_of("account.analytic.line", march) == [1001, 1002, 1004, 1005, 1006]
    assert rpc.ids_of("account.analytic.line", [["amount", ">", 0]]) == [1006, 1007]
    assert rpc.ids_of("account.analytic.line", [["account_id", "in", [12, 13]]]) == [1008, 1009]
    assert rpc.ids_of("account.analytic.line", [["project_id", "not in", [100]]]) == [
        1004,
        1005,
        1006,
        1007,
        1008,
        1009,
    ]
    assert rpc.ids_of("project.project", [["date", "!=", "2025-12-31"]]) == [100, 102]
    assert rpc.ids_of("project.project", [["partner_id", "=", False]]) == [102]
    assert rpc.ids_of("project.project", [["write_date", ">", "2025-05-01 10:00:00"]]) == [101]
    assert rpc.ids_of("project.project", [["partner_id", "ilike", "initech"]]) == [101]


def test_like_operators(rpc: Rpc) -> None:
    assert rpc.ids_of("res.partner", [["name", "ilike", "GLOB"]]) == [1]
    assert rpc.ids_of("res.partner", [["name", "like", "glob"]]) == []  # like is case-sensitive
    assert rpc.ids_of("res.partner", [["name", "like", "Glob"]]) == [1]
    assert rpc.ids_of("res.partner", [["name", "=like", "J%e"]]) == [3]
    assert rpc.ids_of("res.partner", [["name", "=ilike", "initech"]]) == [2]
    assert rpc.ids_of("res.partner", [["email", "not ilike", "globex"]]) == [2, 3]


def test_dotted_paths(rpc: Rpc) -> None:
    assert rpc.ids_of("account.analytic.line", [["account_id.code", "=", "PRJ-00042"]]) == [
        1001,
        1002,
        1003,
        1005,
        1006,
    ]
    assert rpc.ids_of("account.analytic.line", [["project_id.analytic_account_id", "in", [11]]]) == [1004]
    assert rpc.ids_of("account.move.line", [["move_id.move_type", "in", ["in_invoice"]]]) == [4]
    assert rpc.ids_of("account.move", [["line_ids.analytic_distribution", "in", [10]]]) == [1, 3]


def test_analytic_distribution_in(rpc: Rpc) -> None:
    assert rpc.ids_of("account.move.line", [["analytic_distribution", "in", [10]]]) == [1, 4]
    assert rpc.ids_of("account.move.line", [["analytic_distribution", "in", [11]]]) == [3]  # key "11,20"
    assert rpc.ids_of("account.move.line", [["analytic_distribution", "in", [20, 12]]]) == [3]
    assert rpc.ids_of("account.move.line", [["analytic_distribution", "in", [1]]]) == []  # not "10", not "11"
    assert rpc.ids_of("account.move.line", [["analytic_distribution", "!=", False]]) == [1, 3, 4]


# -- read_group -----------------------------------------------------------------------------------------


def _expected(key: Any) -> dict[Any, tuple[float, float, int]]:
    sums: dict[Any, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    for line in LINES:
        entry = sums[key(line)]
        entry[0] += line[5]
        entry[1] += line[6]
        entry[2] += 1
    return {k: (v[0], v[1], int(v[2])) for k, v in sums.items()}


def test_read_group_not_lazy_sums_equal_the_lines(rpc: Rpc) -> None:
    groups = rpc.execute(
        "account.analytic.line",
        "read_group",
        [],
        ["amount:sum", "unit_amount:sum"],
        ["account_id", "category"],
        lazy=False,
    )
    expected = _expected(lambda line: (line[0], line[3]))
    assert {
        (g["account_id"][0], g["category"]): (g["amount"], g["unit_amount"], g["__count"]) for g in groups
    } == expected
    first = groups[0]  # ordered by the account's display name: "Internal" < "Mobile app" < ...
    assert first["account_id"] == [12, "Internal"]
    assert first["__domain"] == ["&", ["account_id", "=", 12], ["category", "=", "other"]]
    assert "__context" not in first


def test_read_group_lazy_groups_by_the_first_field(rpc: Rpc) -> None:
    domain = [["account_id", "in", [10, 11]]]
    groups = rpc.execute(
        "account.analytic.line", "read_group", domain, ["amount"], ["account_id", "category"]
    )
    # ordered by display name, as Odoo orders a many2one group by the target's order
    assert [g["account_id"] for g in groups] == [
        [10, "[PRJ-00042] Website revamp - Globex Corp"],
        [11, "[PRJ-00043] Mobile app - Initech"],
    ]
    expected = _expected(lambda line: line[0])
    assert [(g["amount"], g["account_id_count"]) for g in groups] == [expected[10][::2], expected[11][::2]]
    assert groups[0]["__context"] == {"group_by": ["category"]}
    assert groups[0]["__domain"] == ["&", ["account_id", "=", 10], ["account_id", "in", [10, 11]]]
    assert "__count" not in groups[0]


def test_read_group_by_month(rpc: Rpc) -> None:
    groups = rpc.execute(
        "account.analytic.line", "read_group", [], ["amount:sum", "__count"], ["date:month"], lazy=False
    )
    expected = _expected(lambda line: line[4].strftime("%B %Y"))
    assert [g["date:month"] for g in groups] == ["January 2025", "February 2025", "March 2025", "April 2025"]
    assert {g["date:month"]: (g["amount"], g["__count"]) for g in groups} == {
        k: v[::2] for k, v in expected.items()
    }
    march = groups[2]
    assert march["__range"] == {"date:month": {"from": "2025-03-01", "to": "2025-04-01"}}
    assert march["__domain"] == ["&", ["date", ">=", "2025-03-01"], ["date", "<", "2025-04-01"]]
    quarters = rpc.execute("account.analytic.line", "read_group", [], [], ["date:quarter"])
    assert [(g["date:quarter"], g["date_count"]) for g in quarters] == [("Q1 2025", 7), ("Q2 2025", 2)]


def test_read_group_order_limit_and_boolean_groups(rpc: Rpc) -> None:
    groups = rpc.execute(
        "account.analytic.line",
        "read_group",
        [],
        ["amount:sum"],
        ["category"],
        orderby="amount desc",
        limit=2,
        lazy=False,
    )
    assert [(g["category"], g["amount"]) for g in groups] == [("invoice", 8000.0), ("other", -935.5)]
    projects = rpc.execute(
        "project.project", "read_group", [], [], ["active"], context={"active_test": False}
    )
    assert [(g["active"], g["active_count"]) for g in projects] == [(False, 1), (True, 3)]


# -- writing --------------------------------------------------------------------------------------------


def test_write_persists_and_moves_write_date(fresh: Rpc) -> None:
    vals = {
        "name": "Internal tools",
        "date": "2025-09-30",
        "last_update_status": "off_track",
        "partner_id": 3,
    }
    assert fresh.execute("project.project", "write", [102], vals) is True
    row = fresh.execute(
        "project.project", "read", [102], ["name", "date", "last_update_status", "partner_id", "write_date"]
    )[0]
    assert row["name"] == "Internal tools"
    assert row["date"] == "2025-09-30"
    assert row["last_update_status"] == "off_track"
    assert row["partner_id"] == [3, "Jane Doe"]
    assert row["write_date"] > "2025-05-01 10:00:00"


def test_bad_writes_say_what_to_fix_and_change_nothing(fresh: Rpc) -> None:
    data = fresh.error(
        "project.project", "write", [102], {"name": "Changed", "last_update_status": "sideways"}
    )
    assert data["name"] == "builtins.ValueError"
    assert "sideways" in data["message"]
    assert "on_track" in data["message"]
    data = fresh.error("project.project", "write", [102], {"date": "30/09/2025"})
    assert "YYYY-MM-DD" in data["message"]
    data = fresh.error("project.project", "write", [102], {"partner_id": 77})
    assert data["name"] == "odoo.exceptions.ValidationError"
    assert fresh.execute("project.project", "read", [102], ["name"])[0]["name"] == "Internal tooling"


def test_create_and_timesheet_amount(fresh: Rpc) -> None:
    new_id = fresh.execute(
        "account.analytic.line", "create",
        {"name": "Review", "date": "2025-04-20", "account_id": 10, "project_id": 100, "employee_id": 2,
         "unit_amount": 1.5},
    )  # fmt: skip
    row = fresh.execute("account.analytic.line", "read", [new_id], ["amount", "unit_amount", "company_id"])[0]
    assert row == {
        "id": new_id,
        "amount": -120.0,
        "unit_amount": 1.5,
        "company_id": [1, "Acme US"],
    }  # 1.5 h x 80
    fresh.execute("account.analytic.line", "write", [new_id], {"unit_amount": 2.0})
    assert fresh.execute("account.analytic.line", "read", [new_id], ["amount"])[0]["amount"] == -160.0
    # 17.0 made the Projects plan column optional (a line may hold only another plan's account)
    other_plan = fresh.execute("account.analytic.line", "create", {"name": "dept only", "x_plan2_id": 12})
    row = fresh.execute("account.analytic.line", "read", [other_plan], ["account_id", "x_plan2_id"])[0]
    assert (row["account_id"], row["x_plan2_id"]) == (False, [12, "Internal"])
    data = fresh.error("account.analytic.line", "create", {"name": "bad date", "date": "31/12/2025"})
    assert data["name"] == "builtins.ValueError"
    assert "YYYY-MM-DD" in data["message"]


# -- errors ---------------------------------------------------------------------------------------------


def test_unknown_model_field_and_method(rpc: Rpc) -> None:
    data = rpc.error("x.y", "search_read", [])
    assert (data["name"], data["message"]) == ("odoo.exceptions.UserError", "Object x.y doesn't exist")
    data = rpc.error("project.project", "search_read", [], ["name", "nope"])
    assert (data["name"], data["message"]) == (
        "builtins.ValueError",
        "Invalid field 'nope' on model 'project.project'",
    )
    data = rpc.error("project.project", "unlink", [100])
    assert data["name"] == "builtins.AttributeError"  # 17.0: odoo/api.py getattr(type(model), name)
    assert data["message"] == "type object 'project.project' has no attribute 'unlink'"
    data = rpc.error("project.project", "_read_group", [])
    assert data["name"] == "odoo.exceptions.AccessError"
    data = rpc.error("project.project", "search_read", [["nope", "=", 1]])
    assert data["name"] == "builtins.ValueError"
    assert "project.project.nope" in data["message"]
    data = rpc.error("project.project", "search_read", [], ["name"], bogus=1)
    assert data["name"] == "builtins.TypeError"
    assert "bogus" in data["message"]


def test_order_is_checked_not_spliced_into_sql(rpc: Rpc) -> None:
    data = rpc.error("project.project", "search", [], order="id; DROP TABLE project_project")
    assert data["name"] == "builtins.ValueError"
    assert rpc.execute("project.project", "search_count", []) == 3


def test_bodies_that_are_not_json_rpc(rpc: Rpc) -> None:
    response = rpc.http.post("/jsonrpc", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == 400
    response = rpc.http.post("/jsonrpc", json={"jsonrpc": "2.0", "id": 9, "params": {"service": "common"}})
    assert response.status_code == 200
    assert response.json()["id"] == 9
    assert response.json()["error"]["data"]["name"] == "builtins.TypeError"


def test_fields_get(rpc: Rpc) -> None:
    described = rpc.execute("project.project", "fields_get", attributes=["type", "relation", "store"])
    assert described["analytic_account_id"] == {
        "type": "many2one",
        "relation": "account.analytic.account",
        "store": True,
    }
    assert described["currency_id"] == {"type": "many2one", "relation": "res.currency", "store": False}
    assert described["date"] == {"type": "date", "store": True}


# -- faults ---------------------------------------------------------------------------------------------


def test_fail_next_is_an_odoo_error_envelope(rpc: Rpc, faults: httpx.Client) -> None:
    faults.post("/__sandbox__/faults", json={"fail_next": 1}).raise_for_status()
    response = rpc.http.post(
        "/jsonrpc",
        json={"jsonrpc": "2.0", "id": 1, "params": {"service": "common", "method": "version", "args": []}},
    )
    assert response.status_code == 200
    assert response.json()["error"]["message"] == "Odoo Server Error"
    assert rpc.call("common", "version")["result"]["server_version"] == "17.0"


def test_proxy_errors_rate_limits_and_malformed_bodies(rpc: Rpc, faults: httpx.Client) -> None:
    faults.post("/__sandbox__/faults", json={"fail_next": 1, "error_status": 502}).raise_for_status()
    response = rpc.http.post("/jsonrpc", json={})
    assert response.status_code == 502
    assert "502 Bad Gateway" in response.text
    faults.post("/__sandbox__/faults", json={"rate_limit_next": 1, "retry_after_s": 2}).raise_for_status()
    response = rpc.http.post("/jsonrpc", json={})
    assert (response.status_code, response.headers["retry-after"]) == (429, "2")
    faults.post("/__sandbox__/faults", json={"malformed_next": 1}).raise_for_status()
    response = rpc.http.post("/jsonrpc", json={})
    with pytest.raises(ValueError, match=r"Expecting|Unterminated"):
        response.json()
    assert rpc.http.get("/__sandbox__/stats").json()["jsonrpc"] >= 3


def test_latency_is_applied(rpc: Rpc, faults: httpx.Client) -> None:
    faults.post("/__sandbox__/faults", json={"latency_ms": 150}).raise_for_status()
    started = time.perf_counter()
    assert rpc.call("common", "version")["result"]["protocol_version"] == 1
    assert time.perf_counter() - started >= 0.15
