"""Incremental refresh from QuickBooks' change data capture: after changes made in the company by someone
else (an invoice, a bill changed, an expense deleted, time added and deleted, a payment, a project renamed),
the refresh equals a full read, in three requests; beyond CDC's 30 days the caller reads everything."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from dashboard.snapshot import refresh_snapshot
from dashboard.wiring import Clients, build_clients
from services.erp import ErpRead
from services.models import ErpSnapshot
from services.quickbooks import QuickBooksClient
from services.quickbooks.faults import CdcWindowExceeded
from tests.quickbooks_fixture import Bookkeeper, quickbooks_sandbox, settings_for
from tests.sandbox_fixture import RunningSandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with quickbooks_sandbox(
        tmp_path_factory.mktemp("qbo-refresh") / "sandbox.sqlite", deals=60, seed=5
    ) as box:
        yield box


@pytest.fixture
def clients(sandbox: RunningSandbox) -> Iterator[Clients]:
    clients = build_clients(settings_for(sandbox))
    yield clients
    clients.close()


def erp_of(clients: Clients) -> QuickBooksClient:
    assert isinstance(clients.erp, QuickBooksClient)
    return clients.erp


def comparable(snapshot: ErpSnapshot) -> tuple[Any, ...]:
    """What a read found, without when and how it was read."""
    return (
        sorted(
            (p.erp_record_id, p.erp_project_id, p.name, p.customer_name, p.currency)
            for p in snapshot.projects
        ),
        sorted(snapshot.actuals, key=lambda a: a.erp_record_id),
        sorted(snapshot.receivables, key=lambda r: (r.erp_record_id, r.document)),
    )


def figures(snapshot: ErpSnapshot, record_id: str) -> Any:
    return next(a for a in snapshot.actuals if a.erp_record_id == record_id)


def test_a_refresh_after_changes_equals_a_full_read_in_three_requests(
    sandbox: RunningSandbox, clients: Clients
) -> None:
    erp, books = erp_of(clients), Bookkeeper(sandbox)
    since = datetime.now(UTC)
    before = erp.fetch_read()
    projects = sorted(
        (p for p in before.snapshot.projects if p.currency == "USD"), key=lambda p: int(p.erp_record_id)
    )
    first, second, renamed = projects[0], projects[1], projects[2]
    books.save("Invoice", {
        "CustomerRef": {"value": first.erp_record_id},
        "Line": [{"Amount": 1000.0, "DetailType": "SalesItemLineDetail",
                  "SalesItemLineDetail": {"ItemRef": {"value": "1"}, "Qty": 1, "UnitPrice": 1000.0}}],
    })  # fmt: skip
    books.save("TimeActivity", {
        "NameOf": "Employee", "EmployeeRef": {"value": "1"}, "CustomerRef": {"value": second.erp_record_id},
        "TxnDate": "2026-10-30", "Hours": 2, "Minutes": 0, "CostRate": 50,
    })  # fmt: skip
    purchase = books.query(
        f"SELECT * FROM Purchase WHERE Id = '{_purchase_of(books, second.erp_record_id)}'"
    )[0]
    books.delete("Purchase", purchase)
    bill = books.query("SELECT * FROM Bill ORDERBY Id MAXRESULTS 1")[0]
    bill["Line"][0]["Amount"] = round(bill["Line"][0]["Amount"] + 10, 2)
    books.save("Bill", bill)
    open_invoice = books.query("SELECT * FROM Invoice WHERE Balance > '0' ORDERBY Id MAXRESULTS 1")[0]
    books.save("Payment", {
        "CustomerRef": open_invoice["CustomerRef"], "TotalAmt": 100.0,
        "Line": [{"Amount": 100.0, "LinkedTxn": [{"TxnId": open_invoice["Id"], "TxnType": "Invoice"}]}],
    })  # fmt: skip
    customer = books.query(f"SELECT * FROM Customer WHERE Id = '{renamed.erp_record_id}'")[0]
    customer["DisplayName"] = customer["DisplayName"].replace(str(renamed.erp_project_id), "PRJ-99999")
    books.save("Customer", customer)

    time.sleep(1.1)  # the bookkeeper's last second of requests counts against the same app's 10 a second
    start = erp.requests
    after = erp.fetch_changes(before, since)
    assert after is not None
    assert erp.requests - start == 3  # change data capture, time written since, the count of time
    full = build_clients(settings_for(sandbox))
    try:
        assert comparable(after.snapshot) == comparable(full.erp.fetch_read().snapshot)
    finally:
        full.close()
    grew = (
        figures(after.snapshot, first.erp_record_id).invoiced
        - figures(before.snapshot, first.erp_record_id).invoiced
    )
    assert grew == Decimal("1000.00")
    labor = (
        figures(after.snapshot, second.erp_record_id).labor_cost
        - figures(before.snapshot, second.erp_record_id).labor_cost
    )
    assert labor == Decimal("100.00")  # 2 h x 50
    ids = {p.erp_record_id: p.erp_project_id for p in after.snapshot.projects}
    assert ids[renamed.erp_record_id] == "PRJ-99999"


def _purchase_of(books: Bookkeeper, customer: str) -> str:
    rows = books.query("SELECT * FROM Purchase ORDERBY Id MAXRESULTS 1000")
    for row in rows:
        for line in row["Line"]:
            if line["AccountBasedExpenseLineDetail"]["CustomerRef"]["value"] == customer:
                return str(row["Id"])
    raise AssertionError(f"no expense for customer {customer}")


def test_a_deleted_time_activity_is_found_by_the_count(sandbox: RunningSandbox, clients: Clients) -> None:
    erp, books = erp_of(clients), Bookkeeper(sandbox)
    since = datetime.now(UTC)
    before = erp.fetch_read()
    activity = books.query("SELECT * FROM TimeActivity ORDERBY Id MAXRESULTS 1")[0]
    books.delete("TimeActivity", activity)
    time.sleep(1.1)
    after = erp.fetch_changes(before, since)
    assert after is not None
    project = activity.get("ProjectRef", activity["CustomerRef"])["value"]
    cost = Decimal(str(activity.get("Hours", 0))) + Decimal(str(activity.get("Minutes", 0))) / 60
    assert figures(after.snapshot, project).labor_hours == (
        figures(before.snapshot, project).labor_hours - cost
    ).quantize(Decimal("0.01"))
    full = build_clients(settings_for(sandbox))
    try:
        assert comparable(after.snapshot) == comparable(full.erp.fetch_read().snapshot)
    finally:
        full.close()


def test_beyond_the_change_log_window_everything_is_read(sandbox: RunningSandbox, clients: Clients) -> None:
    erp = erp_of(clients)
    before = erp.fetch_read()
    assert erp.fetch_changes(before, datetime.now(UTC) - timedelta(days=31)) is None
    with pytest.raises(CdcWindowExceeded, match="older than fixed days"):
        erp.changes(["Invoice"], "2020-01-01T00:00:00+00:00")
    assert erp.fetch_changes(ErpRead(before.snapshot, None), datetime.now(UTC)) is None  # no marks


def test_the_dashboards_reader_refreshes_incrementally(clients: Clients) -> None:
    first = refresh_snapshot(clients.crm, clients.erp)
    second = refresh_snapshot(clients.crm, clients.erp, first)
    assert (first.erp_source.mode, second.erp_source.mode) == ("full", "incremental")
    assert second.erp_source.requests == 3
    assert second.erp is not None
    assert first.erp is not None
    assert comparable(second.erp) == comparable(first.erp)
