"""The Odoo sandbox speaks each version on the wire: endpoints, field names, methods and errors, over HTTP.

Every expectation names the Odoo source it comes from (sandbox/odoo/versions.py lists them); the small seed of
test_odoo_sandbox_wire.py is served by one app per version, in this process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandbox.db import create_schema, make_engine
from sandbox.odoo import create_odoo_app
from sandbox.odoo.versions import VERSIONS, installed_modules
from tests.services.test_odoo_sandbox_wire import DB, KEY, LOGIN, seed, serving

JSON2 = ("19", "saas-19.2", "20", "22")
RPC = ("16", "17", "18", "19", "saas-19.2", "20")


class Server:
    """One sandbox app: JSON-RPC and JSON-2 callers that show the wire and nothing in between."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=10)

    def rpc(self, model: str, method: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        payload = {
            "jsonrpc": "2.0",
            "id": 1,
            "params": {"service": "object", "method": "execute_kw",
                       "args": [DB, 2, KEY, model, method, list(args), kwargs]},
        }  # fmt: skip
        response = self.http.post("/jsonrpc", json=payload)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def json2(self, model: str, method: str, key: str = KEY, **body: Any) -> httpx.Response:
        return self.http.post(
            f"/json/2/{model}/{method}", json=body, headers={"Authorization": f"bearer {key}"}
        )


def _server(tmp: Path, version: str, modules: str | None = None) -> Iterator[Server]:
    engine = make_engine(tmp / "odoo.sqlite")
    create_schema(engine)
    seed(engine)
    app = create_odoo_app(
        engine, database=DB, login=LOGIN, api_key=KEY, version=VERSIONS[version],
        modules=installed_modules(modules),
    )  # fmt: skip
    with serving(app) as url:
        server = Server(url)
        yield server
        server.http.close()


@pytest.fixture(scope="module", params=list(VERSIONS))
def odoo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server per version, shared by this module's read-only tests."""
    version: str = request.param
    yield from _server(tmp_path_factory.mktemp(f"odoo{version}"), version)


def _version(odoo: Server) -> str:
    info = odoo.http.post("/web/webclient/version_info", json={"jsonrpc": "2.0", "params": {}}).json()
    head, minor = info["result"]["server_version_info"][:2]
    return f"saas-19.{minor}" if str(head).startswith("saas") else str(head)


# -- endpoints ------------------------------------------------------------------------------------------


def test_each_version_serves_its_endpoints(odoo: Server) -> None:
    version = _version(odoo)
    web_version = odoo.http.get("/web/version")
    common = {"service": "common", "method": "version", "args": []}
    jsonrpc = odoo.http.post("/jsonrpc", json={"jsonrpc": "2.0", "id": 1, "params": common})
    json2 = odoo.json2("res.partner", "search_count", domain=[])
    if version in JSON2:  # the rpc addon, 19.0+: /web/version and JSON-2
        assert web_version.json()["version_info"] == list(VERSIONS[version].version_info)
        assert (json2.status_code, json2.json()) == (200, 3)
    else:  # no route: Werkzeug's 404 page, not JSON
        assert web_version.status_code == json2.status_code == 404
        assert "<title>404 Not Found</title>" in json2.text
    if version in RPC:
        assert jsonrpc.json()["result"]["server_version_info"] == list(VERSIONS[version].version_info)
    else:  # 22: /xmlrpc and /jsonrpc removed (external_api.rst)
        assert jsonrpc.status_code == 404


def _call(odoo: Server, model: str, method: str, ids: list[int] | None = None, **named: Any) -> Any:
    """The call over the version's own transport: JSON-2 from 19, execute_kw before. Odoo's error
    object (data of the JSON-RPC envelope, the JSON-2 body) comes back as {"error": ...}."""
    if VERSIONS[_version(odoo)].json2:
        response = odoo.json2(model, method, **named, **({"ids": ids} if ids is not None else {}))
        return (
            response.json()
            if response.status_code == 200
            else {"error": response.json(), "status": response.status_code}
        )
    body = odoo.rpc(model, method, *([ids] if ids is not None else []), **named)
    return body["result"] if "result" in body else {"error": body["error"]["data"]}


def test_the_projects_account_field_is_renamed_in_18(odoo: Server) -> None:
    version = VERSIONS[_version(odoo)]
    new, old = (
        ("account_id", "analytic_account_id")
        if version.major >= 18
        else ("analytic_account_id", "account_id")
    )
    assert _call(odoo, "project.project", "read", [100], fields=[new])[0][new][0] == 10
    error = _call(odoo, "project.project", "read", [100], fields=[old])["error"]
    # odoo/models.py (16-18) words it "on model"; odoo/orm/models.py (19) drops the word
    wording = "on model 'project.project'" if version.major <= 18 else "on 'project.project'"
    assert (error["name"], error["message"]) == ("builtins.ValueError", f"Invalid field {old!r} {wording}")


def test_analytic_lines_have_one_column_per_plan_from_17(odoo: Server) -> None:
    version = VERSIONS[_version(odoo)]
    fields = _call(odoo, "account.analytic.line", "fields_get", attributes=["type", "relation", "required"])
    if version.major == 16:  # one required account per line, its plan stored beside it
        assert fields["account_id"] == {
            "type": "many2one",
            "relation": "account.analytic.account",
            "required": True,
        }
        assert "plan_id" in fields
        assert "x_plan2_id" not in fields
    else:  # analytic_plan.py _column_name: account_id for the Projects plan, x_plan<id>_id for the others
        assert fields["account_id"]["required"] is False
        assert fields["x_plan2_id"] == {
            "type": "many2one",
            "relation": "account.analytic.account",
            "required": False,
        }
        assert "plan_id" not in fields


def test_grouped_sums_use_each_versions_method(odoo: Server) -> None:
    version = VERSIONS[_version(odoo)]
    old = _call(odoo, "account.analytic.line", "read_group", domain=[], fields=["amount:sum"],
                groupby=["category"], lazy=False)  # fmt: skip
    new = _call(odoo, "account.analytic.line", "formatted_read_group", domain=[], groupby=["category"],
                aggregates=["amount:sum", "__count"])  # fmt: skip
    # the seed's lines: invoices 5000 + 3000, a vendor bill -1200, other -200 -100 -150 -400 -75.5 -10
    expected = {"invoice": (8000.0, 2), "other": (-935.5, 6), "vendor_bill": (-1200.0, 1)}
    if version.read_group:
        assert {g["category"]: (g["amount"], g["__count"]) for g in old} == expected
    else:  # removed from saas-19.1 on (odoo/odoo#226523): over JSON-2 a 404 naming the method
        assert (old["status"], old["error"]["message"]) == (
            404,
            "The method 'account.analytic.line.read_group' does not exist",
        )
    if version.formatted_read_group:  # keys are the specs, __extra_domain instead of __domain
        assert {g["category"]: (g["amount:sum"], g["__count"]) for g in new} == expected
        assert new[0]["__extra_domain"] == [["category", "=", new[0]["category"]]]
        assert "__domain" not in new[0]
    else:  # 16/17: a Python AttributeError (odoo/api.py); 18: get_public_method's words
        message = new["error"]["message"]
        assert message in (
            "type object 'account.analytic.line' has no attribute 'formatted_read_group'",
            "The method 'account.analytic.line.formatted_read_group' does not exist",
        )
        assert ("type object" in message) == (version.major <= 17)


def test_jsonrpc_is_deprecated_with_a_warning_from_19(odoo: Server, caplog: pytest.LogCaptureFixture) -> None:
    version = VERSIONS[_version(odoo)]
    if not version.jsonrpc:
        assert odoo.http.post("/jsonrpc", json={}).status_code == 404
        return
    with caplog.at_level(logging.WARNING, logger="odoo.addons.rpc.controllers.jsonrpc"):
        body = odoo.rpc("res.partner", "search_count", [])
    assert body["result"] == 3
    warned = [r for r in caplog.records if r.name == "odoo.addons.rpc.controllers.jsonrpc"]
    assert bool(warned) == (version.major >= 19)
    if warned:
        assert "scheduled for removal in Odoo 22" in warned[0].getMessage()
    error = odoo.rpc("res.partner", "search_read", [["nope", "=", 1]])["error"]
    assert error["code"] == (200 if version.major <= 18 else 0)  # odoo/http.py JsonRPCDispatcher


def test_web_search_read_reads_the_accounts_code_from_17(odoo: Server) -> None:
    version = VERSIONS[_version(odoo)]
    field = version.project_account_field
    if version.major >= 17:
        spec = {"name": {}, field: {"fields": {"code": {}}}, "company_id": {}}
        answer = _call(odoo, "project.project", "web_search_read", domain=[["id", "in", [100, 102]]],
                       specification=spec)  # fmt: skip
        assert answer == {"length": 2, "records": [
            {"id": 100, "name": "Website revamp", field: {"id": 10, "code": "PRJ-00042"}, "company_id": 1},
            {"id": 102, "name": "Internal tooling", field: {"id": 12, "code": False}, "company_id": 1},
        ]}  # fmt: skip
    else:  # 16.0's web_search_read takes a field list (web/models/models.py)
        answer = _call(odoo, "project.project", "web_search_read", domain=[["id", "=", 100]], fields=["name"])
        assert answer == {"length": 1, "records": [{"id": 100, "name": "Website revamp"}]}


# -- JSON-2 ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def odoo19(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _server(tmp_path_factory.mktemp("odoo19"), "19")


def test_json2_keys_and_database_header(odoo19: Server) -> None:
    wrong = odoo19.json2("res.partner", "search_count", key="not-the-key", domain=[])
    assert (wrong.status_code, wrong.headers["www-authenticate"]) == (401, "Bearer")
    assert wrong.json()["message"] == "Invalid apikey"
    assert "not-the-key" not in wrong.text
    bare = odoo19.http.post("/json/2/res.partner/search_count", json={"domain": []})
    assert (
        bare.json()["message"] == "User not authenticated, use an API Key with a Bearer Authorization header."
    )
    capital = odoo19.http.post("/json/2/res.partner/search_count", json={"domain": []},
                               headers={"Authorization": f"Bearer {KEY}"})  # fmt: skip
    assert capital.json() == 3  # ir_http.py matches ^bearer\s+ without regard to case
    other_db = odoo19.http.post(
        "/json/2/res.partner/search_count", json={"domain": []},
        headers={"Authorization": f"bearer {KEY}", "X-Odoo-Database": "not-this-one"},
    )  # fmt: skip
    assert other_db.status_code == 404  # no such database: served without one, where no route exists
    assert "<title>404 Not Found</title>" in other_db.text


def test_json2_arguments_and_errors(odoo19: Server) -> None:
    read = odoo19.json2("project.project", "read", ids=[101], fields=["name", "account_id"])
    assert read.json() == [
        {"id": 101, "name": "Mobile app", "account_id": [11, "[PRJ-00043] Mobile app - Initech"]}
    ]
    with_ids = odoo19.json2("project.project", "search_count", ids=[1], domain=[])
    assert (with_ids.status_code, with_ids.json()["message"]) == (
        422,
        "cannot call project.project.search_count with ids",
    )
    unknown = odoo19.json2("project.project", "search_count", domain=[], bogus=1)
    assert unknown.status_code == 422
    assert "bogus" in unknown.json()["message"]
    no_model = odoo19.json2("x.y", "search_count", domain=[])
    assert (no_model.status_code, no_model.json()["message"]) == (404, "the model 'x.y' does not exist")
    bad_field = odoo19.json2("project.project", "search_read", domain=[], fields=["nope"])
    assert (bad_field.status_code, bad_field.json()["name"]) == (500, "builtins.ValueError")
    private = odoo19.json2("project.project", "_read_group", domain=[])
    assert (private.status_code, private.json()["name"]) == (403, "odoo.exceptions.AccessError")
    hint = odoo19.http.get("/json/2/project.project/search_read")
    assert (hint.status_code, hint.json()["message"]) == (404, "Did you mean POST /json/2/<model>/<method>?")


# -- modules ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def without_timesheets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from _server(tmp_path_factory.mktemp("odoo17-no-ts"), "17", "analytic,account,project,hr")


def test_a_database_without_timesheets_has_no_timesheet_fields(without_timesheets: Server) -> None:
    fields = without_timesheets.rpc("account.analytic.line", "fields_get", attributes=["type"])["result"]
    assert "project_id" not in fields
    assert "employee_id" not in fields
    assert "account_id" in fields
    error = without_timesheets.rpc("account.analytic.line", "search_read", [], ["project_id"])["error"][
        "data"
    ]
    assert error["message"] == "Invalid field 'project_id' on model 'account.analytic.line'"


@pytest.mark.parametrize(("modules", "message"), [
    ("analytic,account,hr", "Object project.project doesn't exist"),  # service/model.py execute_cr
    ("analytic,account,project,hr,hr_timesheet", None),
])  # fmt: skip
def test_a_missing_app_is_an_unknown_model(tmp_path: Path, modules: str, message: str | None) -> None:
    for server in _server(tmp_path, "18", modules):
        body = server.rpc("project.project", "search_count", [])
        assert body.get("error", {}).get("data", {}).get("message") == message
