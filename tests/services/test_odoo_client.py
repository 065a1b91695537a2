"""The Odoo client against the running Odoo-compatible sandbox, over real HTTP."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from services.errors import AuthError, BadResponseError, UnavailableError
from services.odoo import OdooClient
from tests.sandbox_fixture import ODOO, RunningSandbox


def test_snapshot_has_every_project_with_actuals(erp: OdooClient, demo: RunningSandbox) -> None:
    snapshot = erp.fetch_snapshot()
    codes = [p.erp_project_id for p in snapshot.projects if p.erp_project_id]
    assert len(codes) == len(set(codes))
    manifest = demo.manifest()
    orphans = {p["erp_project_id"] for p in manifest if p["kind"] == "orphan"}
    assert orphans <= set(codes)
    actuals = {a.erp_record_id: a for a in snapshot.actuals}
    assert len(actuals) == len(snapshot.projects)
    assert sum(a.labor_cost for a in actuals.values()) > 0
    assert sum(a.invoiced for a in actuals.values()) > 0
    for a in actuals.values():
        assert a.outstanding == a.invoiced_gross - a.paid
    assert {p.currency for p in snapshot.projects} >= {"USD", "EUR"}


def test_read_group_sums_equal_the_lines_they_group(erp: OdooClient) -> None:
    groups = erp.execute_kw(
        "account.analytic.line", "read_group",
        [[["account_id", "!=", False]], ["amount:sum", "unit_amount:sum"], ["account_id", "category"]],
        {"lazy": False},
    )  # fmt: skip
    lines = erp.search_read_all(
        "account.analytic.line", [["account_id", "!=", False]], ["account_id", "category", "amount"]
    )
    sums: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        sums[(line["account_id"][0], line["category"])] += Decimal(str(line["amount"]))
    assert len(groups) == len(sums)
    for group in groups:
        key = (group["account_id"][0], group["category"])
        assert Decimal(str(group["amount"])).quantize(Decimal("0.01")) == sums[key].quantize(Decimal("0.01"))
        assert group["__count"] > 0


def test_snapshot_actuals_equal_the_lines_of_one_project(erp: OdooClient) -> None:
    snapshot = erp.fetch_snapshot()
    actuals = {a.erp_record_id: a for a in snapshot.actuals}
    project = max(snapshot.projects, key=lambda p: actuals[p.erp_record_id].labor_cost)
    documents = erp.fetch_project_documents(project.erp_record_id)
    labor = sum((d.amount for d in documents if d.section == "labor"), Decimal(0))
    vendor = sum((d.amount for d in documents if d.section == "vendor"), Decimal(0))
    invoiced = sum((d.amount for d in documents if d.section == "invoice"), Decimal(0))
    assert labor == actuals[project.erp_record_id].labor_cost
    assert vendor == actuals[project.erp_record_id].vendor_cost
    assert invoiced == actuals[project.erp_record_id].invoiced


def test_wrong_api_key_says_what_to_check(demo: RunningSandbox) -> None:
    with OdooClient(demo.erp_url, ODOO["database"], ODOO["login"], "wrong-key-123") as client:
        with pytest.raises(AuthError) as caught:
            client.fetch_snapshot()
    assert "check the Odoo login and API key settings" in str(caught.value)
    assert "wrong-key-123" not in str(caught.value)


def test_rpc_errors_and_429s(erp: OdooClient, demo: RunningSandbox) -> None:
    demo.faults("erp", rate_limit_next=2, retry_after_s=0.1)
    assert erp.authenticate() > 0
    demo.faults("erp", malformed_next=1)
    with pytest.raises(BadResponseError):
        erp.execute_kw("res.partner", "search_count", [[]])


def test_repeated_502s_end_in_a_clear_error(demo: RunningSandbox) -> None:
    demo.faults("erp", fail_next=10, error_status=502)
    with OdooClient(demo.erp_url, **ODOO, max_retries=1) as client, pytest.raises(UnavailableError) as caught:
        client.authenticate()
    demo.reset()
    assert caught.value.status == 502
    assert client.requests == 2


def test_a_timeout_becomes_unavailable(demo: RunningSandbox) -> None:
    demo.faults("erp", timeout_next=3, hang_s=3)
    with OdooClient(demo.erp_url, **ODOO, timeout=0.5, max_retries=1) as client:
        with pytest.raises(UnavailableError, match="within the timeout"):
            client.authenticate()
    demo.reset()
