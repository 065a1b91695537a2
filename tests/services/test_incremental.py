"""Incremental refresh against a sandbox of its own (the tests write to it), over real HTTP.

Most tests read everything once, change the systems through their APIs, refresh, and check two things:
the changed values by hand, and that the refreshed snapshot equals a full read made right after.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.snapshot import Snapshot, refresh_snapshot
from dashboard.ui import cache
from services.hubspot import HubSpotClient
from services.models import CrmSnapshot, ErpSnapshot
from services.odoo import OdooClient
from services.odoo.figures import OdooMarks
from tests.sandbox_fixture import ODOO, ROOT, TOKEN, RunningSandbox, running_sandbox

FAST_WAITS = {"TEN_SECONDLY_ROLLING": 0.2, "SECONDLY": 0.2}
DEAL_LINKS = ("company_ids", "contact_ids", "line_item_ids", "ticket_ids", "note_ids", "project_record_ids")
ASSOCIATION_TYPES = 6  # companies, contacts, line items, tickets, notes, project records
# one search per object type (deals, project records, companies, contacts, tickets), and one association
# batch read per type for up to 1,000 deals: the changed ones and the next ones in turn (an association
# change need not move a deal's modified date), so at 300 deals every deal's associations each time
CHECKS_CRM = 5 + ASSOCIATION_TYPES
CHECKS_ERP = 5  # touched accounts, line totals, projects' count and date, accounts written, invoices written


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("incremental") / "sandbox.sqlite", deals=300) as running:
        yield running


@pytest.fixture
def crm(sandbox: RunningSandbox) -> Iterator[HubSpotClient]:
    sandbox.reset()
    # no look-back margin: the sandbox indexes at once and shares the clock, and the tests run seconds apart
    with HubSpotClient(sandbox.crm_url, TOKEN, policy_waits=FAST_WAITS, change_lag=timedelta(0)) as client:
        yield client
    sandbox.reset()


@pytest.fixture
def erp(sandbox: RunningSandbox) -> Iterator[OdooClient]:
    with OdooClient(
        sandbox.erp_url, ODOO["database"], ODOO["login"], ODOO["api_key"], change_lag=timedelta(0)
    ) as client:
        yield client


def crm_view(snapshot: CrmSnapshot) -> dict[str, Any]:
    """The snapshot's records by id, each list of ids sorted (HubSpot returns associations in any order)."""

    def deal(record: Any) -> dict[str, Any]:
        return record.model_dump() | {name: sorted(getattr(record, name)) for name in DEAL_LINKS}

    return {
        "deals": {d.crm_deal_id: deal(d) for d in snapshot.deals},
        "projects": {
            p.project_record_id: p.model_dump() | {"deal_ids": sorted(p.deal_ids)} for p in snapshot.projects
        },
        "companies": {c.company_id: c.model_dump() for c in snapshot.companies},
        "contacts": {c.contact_id: c.model_dump() for c in snapshot.contacts},
        "tickets": {t.ticket_id: t.model_dump() for t in snapshot.tickets},
        "owners": {o.owner_id: o.model_dump() for o in snapshot.owners},
    }


def erp_view(snapshot: ErpSnapshot) -> dict[str, Any]:
    """Projects and actuals by id, receivables as a sorted list."""
    return {
        "projects": {p.erp_record_id: p.model_dump() for p in snapshot.projects},
        "actuals": {a.erp_record_id: a.model_dump() for a in snapshot.actuals},
        "receivables": sorted(tuple(sorted(r.model_dump().items())) for r in snapshot.receivables),
        "notes": sorted(snapshot.notes),
    }


def assert_equals_a_full_read(snap: Snapshot, crm: HubSpotClient, erp: OdooClient) -> None:
    assert snap.crm is not None
    assert snap.erp is not None
    assert crm_view(snap.crm) == crm_view(crm.fetch_snapshot())
    assert erp_view(snap.erp) == erp_view(erp.fetch_snapshot())


def search_second_clear() -> None:
    """Wait until searches made a moment ago (the test before, another client) have left HubSpot's
    per-second search window (5 a second per account, policy SECONDLY): a refresh's five searches then
    go through without a 429 and its retry, and the request counts below are exact."""
    time.sleep(1.1)


def hubspot(sandbox: RunningSandbox, method: str, path: str) -> None:
    response = httpx.request(
        method, f"{sandbox.crm_url}{path}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    response.raise_for_status()


def test_the_dashboards_refresh_button_reads_only_what_changed(
    sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """First in the module: the sandbox is as built, so nothing changed between the two reads."""
    monkeypatch.chdir(ROOT)  # AppTest reads .streamlit/config.toml from the working directory
    monkeypatch.setenv("THROUGHLINE_SANDBOX__CRM_PORT", sandbox.crm_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_SANDBOX__ERP_PORT", sandbox.erp_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_STORE__DATABASE_URL", f"sqlite:///{tmp_path / 'store.sqlite'}")
    monkeypatch.setenv("THROUGHLINE_ACCESS__MODE", "none")
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=120)
    at.run()
    assert cache.snapshot().crm_source.mode == "full"

    at.button(key="refresh").click().run()

    assert not at.exception
    snap = cache.snapshot()  # the app's cache lives in this process
    assert (snap.crm_source.mode, snap.erp_source.mode) == ("incremental", "incremental")
    assert (snap.crm_source.requests, snap.erp_source.requests) == (CHECKS_CRM, CHECKS_ERP)
    st.cache_resource.clear()


def test_ten_changed_deals_and_erp_lines_are_read_with_a_few_requests(
    sandbox: RunningSandbox, crm: HubSpotClient, erp: OdooClient
) -> None:
    first = refresh_snapshot(crm, erp, None)
    assert (first.crm_source.mode, first.erp_source.mode) == ("full", "full")
    assert first.crm is not None
    assert first.erp is not None
    changed = [d for d in first.crm.deals if d.amount is not None][:10]
    sandbox.patch("deals", {d.crm_deal_id: {"amount": str((d.amount or 0) + 1000)} for d in changed})
    lines = erp.call(
        "account.analytic.line",
        "search_read",
        domain=[["project_id", "!=", False]],
        fields=["amount", "project_id"],
        limit=10,
        order="id asc",
    )
    for line in lines:  # a timesheet line's amount is minus its cost: 100 less is 100 more labor cost
        erp.call("account.analytic.line", "write", ids=[line["id"]], vals={"amount": line["amount"] - 100})
    search_second_clear()

    second = refresh_snapshot(crm, erp, first)

    assert (second.crm_source.mode, second.erp_source.mode) == ("incremental", "incremental")
    assert second.crm_source.requests == CHECKS_CRM  # the changed deals share the association reads
    assert second.erp_source.requests == CHECKS_ERP + 1  # and one sum over the touched accounts
    assert second.crm is not None
    assert second.erp is not None
    amounts = {d.crm_deal_id: d.amount for d in second.crm.deals}
    assert all(amounts[d.crm_deal_id] == (d.amount or 0) + 1000 for d in changed)
    before = {a.erp_record_id: a.labor_cost for a in first.erp.actuals}
    after = {a.erp_record_id: a.labor_cost for a in second.erp.actuals}
    for project in {str(line["project_id"][0]) for line in lines}:
        lines_in_it = sum(1 for line in lines if str(line["project_id"][0]) == project)
        assert after[project] == before[project] + 100 * lines_in_it
    assert_equals_a_full_read(second, crm, erp)


def test_archived_records_and_changed_associations_are_not_missed(
    sandbox: RunningSandbox, crm: HubSpotClient, erp: OdooClient
) -> None:
    first = refresh_snapshot(crm, erp, None)
    assert first.crm is not None
    deals = [d for d in first.crm.deals if d.company_ids and d.contact_ids and d.project_record_ids]
    archived, unlinked, linked, orphaned = deals[0], deals[1], deals[2], deals[3]
    company, contact = unlinked.company_ids[0], unlinked.contact_ids[0]
    gone_company = orphaned.company_ids[0]
    hubspot(sandbox, "DELETE", f"/crm/objects/2026-03/deals/{archived.crm_deal_id}")
    hubspot(
        sandbox,
        "DELETE",
        f"/crm/objects/2026-03/deals/{unlinked.crm_deal_id}/associations/companies/{company}",
    )
    hubspot(
        sandbox,
        "PUT",
        f"/crm/objects/2026-03/deals/{linked.crm_deal_id}/associations/default/contacts/{contact}",
    )
    hubspot(sandbox, "DELETE", f"/crm/objects/2026-03/companies/{gone_company}")
    search_second_clear()

    second = refresh_snapshot(crm, erp, first)

    assert second.crm_source.mode == "incremental"
    # the deals search came up one short, so its archived list was read; the archived company drops out
    # as no deal names it any more (companies are read only as far as deals touch them)
    assert second.crm_source.requests == CHECKS_CRM + 1
    assert second.crm is not None
    deals_now = {d.crm_deal_id: d for d in second.crm.deals}
    assert archived.crm_deal_id not in deals_now
    assert all(archived.crm_deal_id not in p.deal_ids for p in second.crm.projects)
    assert company not in deals_now[unlinked.crm_deal_id].company_ids
    assert contact in deals_now[linked.crm_deal_id].contact_ids
    assert gone_company not in {c.company_id for c in second.crm.companies}
    assert gone_company not in deals_now[orphaned.crm_deal_id].company_ids
    assert_equals_a_full_read(second, crm, erp)


def test_an_erp_line_deleted_without_a_trace_is_not_missed(
    sandbox: RunningSandbox, crm: HubSpotClient, erp: OdooClient
) -> None:
    first = refresh_snapshot(crm, erp, None)
    assert first.erp is not None
    line = erp.call(
        "account.analytic.line",
        "search_read",
        domain=[["project_id", "!=", False]],
        fields=["amount", "project_id"],
        limit=1,
        order="id desc",
    )[0]
    # Odoo's unlink leaves no write_date behind; the sandbox has no unlink, so the row goes in SQL
    with sqlite3.connect(sandbox.db) as db:
        db.execute("DELETE FROM account_analytic_line WHERE id = ?", (line["id"],))

    second = refresh_snapshot(crm, erp, first)

    assert second.erp_source.mode == "incremental"
    assert second.erp_source.requests == CHECKS_ERP + 1  # the totals fell short: every account summed again
    assert second.erp is not None
    project = str(line["project_id"][0])
    cost = {a.erp_record_id: a.labor_cost for a in first.erp.actuals}[project]
    now = {a.erp_record_id: a.labor_cost for a in second.erp.actuals}[project]
    assert now == cost + Decimal(str(line["amount"])).quantize(Decimal("0.01"))
    assert_equals_a_full_read(second, crm, erp)


def test_a_renamed_project_and_a_paid_invoice_are_read_again(crm: HubSpotClient, erp: OdooClient) -> None:
    first = refresh_snapshot(crm, erp, None)
    assert first.erp is not None
    project = first.erp.projects[0]
    erp.call("project.project", "write", ids=[int(project.erp_record_id)], vals={"name": "Renamed in Odoo"})
    invoice = erp.call(
        "account.move",
        "search_read",
        domain=[
            ["move_type", "=", "out_invoice"],
            ["state", "=", "posted"],
            ["payment_state", "=", "not_paid"],
        ],
        fields=["name"],
        limit=1,
    )[0]
    paid = {"payment_state": "paid", "amount_residual": 0, "amount_residual_signed": 0}
    erp.call("account.move", "write", ids=[invoice["id"]], vals=paid)

    second = refresh_snapshot(crm, erp, first)

    assert second.erp_source.mode == "incremental"
    # the projects read again (one web_search_read on 17 brings the accounts' codes), the paid invoice's lines
    assert second.erp_source.requests == CHECKS_ERP + 1 + 1
    assert second.erp is not None
    names = {p.erp_record_id: p.name for p in second.erp.projects}
    assert names[project.erp_record_id] == "Renamed in Odoo"
    shares = [r for r in second.erp.receivables if r.document == invoice["name"]]
    assert shares
    assert all(r.amount_residual == 0 and r.payment_state == "paid" for r in shares)
    assert_equals_a_full_read(second, crm, erp)


def test_a_failed_refresh_keeps_the_last_good_data_and_the_next_one_catches_up(
    sandbox: RunningSandbox, crm: HubSpotClient, erp: OdooClient
) -> None:
    first = refresh_snapshot(crm, erp, None)
    assert first.crm is not None
    deal = next(d for d in first.crm.deals if d.name)
    sandbox.patch("deals", {deal.crm_deal_id: {"dealname": "Renamed while HubSpot failed"}})
    sandbox.faults("crm", fail_next=5, error_status=401, path_contains="/search")

    failed = refresh_snapshot(crm, erp, first)

    assert failed.crm_source.stale
    assert failed.crm_source.error is not None
    assert "401" in failed.crm_source.error
    assert failed.crm == first.crm  # the last good data, not an empty page
    assert failed.erp_source.mode == "incremental"
    assert not failed.erp_source.stale
    sandbox.reset()

    caught_up = refresh_snapshot(crm, erp, failed)

    assert caught_up.crm_source.mode == "incremental"
    assert not caught_up.crm_source.stale
    assert caught_up.crm is not None
    names = {d.crm_deal_id: d.name for d in caught_up.crm.deals}
    assert names[deal.crm_deal_id] == "Renamed while HubSpot failed"
    assert_equals_a_full_read(caught_up, crm, erp)


def test_everything_is_read_again_once_the_last_full_read_is_too_old(
    crm: HubSpotClient, erp: OdooClient
) -> None:
    first = refresh_snapshot(crm, erp, None)
    again = refresh_snapshot(crm, erp, first, full_every=timedelta(0))
    assert (again.crm_source.mode, again.erp_source.mode) == ("full", "full")
    assert again.crm_source.requests == first.crm_source.requests


def test_the_marks_make_a_full_read_no_more_expensive(erp: OdooClient) -> None:
    marks = erp.fetch_read().marks
    assert isinstance(marks, OdooMarks)
    plain = erp.fetch_snapshot()
    assert plain.requests == erp.fetch_read().snapshot.requests
    # every analytic line is counted once, under the accounts it holds (one per plan column)
    total = erp.call("account.analytic.line", "search_count", domain=[])
    assert sum(count for count, _, _ in marks.line_sets.values()) == total
    assert marks.project_count == len(plain.projects)
