"""The QuickBooks adapter on the demo portfolio booked in QuickBooks, over HTTP, built as the dashboard builds
it (dashboard/wiring.py from the settings `python -m sandbox env --erp quickbooks` prints): the audit against
the sandbox's ground truth, on both places a project ID can sit; one project's documents; the read budget."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from dashboard.analysis import Analysis, analyze, params_from_settings
from dashboard.snapshot import Snapshot, refresh_snapshot
from dashboard.wiring import Clients, build_clients
from services.quickbooks import QuickBooksClient
from tests.quickbooks_fixture import AS_OF, quickbooks_sandbox, settings_for
from tests.sandbox_fixture import ROOT, RunningSandbox


@pytest.fixture(scope="module")
def clients(qbo_demo: RunningSandbox) -> Iterator[Clients]:
    clients = build_clients(settings_for(qbo_demo))
    yield clients
    clients.close()


@pytest.fixture(scope="module")
def snapshot(clients: Clients) -> Snapshot:
    return refresh_snapshot(clients.crm, clients.erp)


@pytest.fixture(scope="module")
def analysis(qbo_demo: RunningSandbox, snapshot: Snapshot) -> Analysis:
    return analyze(snapshot, params_from_settings(settings_for(qbo_demo), as_of=AS_OF))


def _key(kind: str, deal: str | None, project: str | None) -> tuple[str, str | None]:
    return (kind, project if kind == "orphan" else deal)


def audit_against_manifest(sandbox: RunningSandbox, analysis: Analysis) -> tuple[float, float]:
    """Recall and precision of the audit against `python -m sandbox manifest --erp quickbooks`."""
    out = subprocess.run(
        [sys.executable, "-m", "sandbox", "manifest", "--erp", "quickbooks", "--deals", str(sandbox.deals),
         "--seed", str(sandbox.seed)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout  # fmt: skip
    expected = {_key(p["kind"], p["crm_deal_id"], p["erp_project_id"]) for p in json.loads(out)}
    found = {_key(f.kind, f.crm_deal_id, f.erp_project_id) for f in analysis.findings}
    assert found - expected == set(), "findings on clean records"
    assert expected - found == set(), "deliberate problems not found"
    return len(expected & found) / len(expected), len(expected & found) / len(found)


def test_the_audit_on_the_quickbooks_demo_equals_its_manifest(
    qbo_demo: RunningSandbox, clients: Clients, snapshot: Snapshot, analysis: Analysis
) -> None:
    assert isinstance(clients.erp, QuickBooksClient)
    assert clients.erp_label == "QuickBooks sandbox"
    assert snapshot.erp_source.error is None
    assert snapshot.erp is not None
    recall, precision = audit_against_manifest(qbo_demo, analysis)
    seekers = [p for p in qbo_demo.manifest() if p["kind"] in ("missing", "dangling")]
    suggested = {f.crm_deal_id: f.suggested_id for f in analysis.findings}
    right = sum(1 for p in seekers if suggested.get(p["crm_deal_id"]) == p["expected_id"])
    print(
        f"\naudit on the QuickBooks demo: recall {recall:.0%}, precision {precision:.0%}, top suggestion "
        f"right {right}/{len(seekers)} for missing and dangling IDs"
    )
    assert (recall, precision) == (1.0, 1.0)
    assert right / len(seekers) >= 0.9
    by_kind = {f.crm_deal_id: f for f in analysis.findings if f.kind == "malformed"}
    assert all(f.band == "apply" for f in by_kind.values())


def test_the_read_uses_few_requests_and_says_how_much_of_the_budget(snapshot: Snapshot) -> None:
    assert snapshot.erp is not None
    # Preferences, Customer, 6 transaction types, TimeActivity (5 pages and a count), Account, Employee,
    # the EUR and GBP rates: 18 requests for 215 projects and 4,837 time activities
    assert snapshot.erp.requests == 18
    assert snapshot.erp.budget is not None
    assert snapshot.erp.budget.startswith("QuickBooks: ")
    assert snapshot.erp.budget.endswith(" of 500 requests used this minute")
    assert any("added up by Throughline" in note for note in snapshot.erp.notes)


def test_sub_customers_without_an_id_are_not_projects(snapshot: Snapshot) -> None:
    assert snapshot.erp is not None
    assert all(p.erp_project_id is not None for p in snapshot.erp.projects)
    assert not any("head office" in p.name for p in snapshot.erp.projects)
    kinds = {p.raw_status for p in snapshot.erp.projects}
    assert kinds == {"project", "sub-customer"}  # QuickBooks projects and classic jobs both read


def test_one_projects_documents_add_up_to_its_figures(clients: Clients, snapshot: Snapshot) -> None:
    assert snapshot.erp is not None
    actuals = {a.erp_record_id: a for a in snapshot.erp.actuals}
    busy = max(snapshot.erp.projects, key=lambda p: actuals[p.erp_record_id].vendor_cost)
    lines = clients.erp.fetch_project_documents(busy.erp_record_id)
    figures = actuals[busy.erp_record_id]

    def total(section: str) -> Decimal:
        return sum((line.amount for line in lines if line.section == section), Decimal(0))

    assert total("labor") == figures.labor_cost
    assert total("vendor") == figures.vendor_cost
    assert total("other_cost") == figures.other_cost
    assert {line.currency for line in lines} == {busy.currency}
    assert [line.date for line in lines] == sorted((line.date for line in lines), reverse=True)


def test_the_audit_holds_when_projects_carry_their_id_in_the_notes(tmp_path: Path) -> None:
    extra = ("--qbo-project-id", "notes")
    with quickbooks_sandbox(tmp_path / "sandbox.sqlite", deals=60, seed=11, extra=extra) as sandbox:
        settings = settings_for(sandbox, extra=extra)
        assert settings.quickbooks.project_id_field == "notes"
        clients = build_clients(settings)
        try:
            snapshot = refresh_snapshot(clients.crm, clients.erp)
        finally:
            clients.close()
        assert snapshot.erp is not None
        assert all(" · " not in p.name for p in snapshot.erp.projects)  # names free of IDs
        recall, precision = audit_against_manifest(
            sandbox, analyze(snapshot, params_from_settings(settings, as_of=AS_OF))
        )
        assert (recall, precision) == (1.0, 1.0)
