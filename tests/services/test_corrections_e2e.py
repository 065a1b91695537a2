"""Corrections end to end: the real HubSpot client writes to a sandbox of this module's own, the store logs.

Findings before and after come from `analyze` on a snapshot read through the real clients. Each test takes
findings of its own kind, so the tests share one sandbox without depending on their order.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from dashboard import columns as c
from dashboard.roles import Actor
from dashboard.transforms.audit import Candidate, Finding
from dashboard.transforms.corrections import (
    FindingFix,
    erp_codes,
    finding_fix,
    propose_apply_band,
    propose_fixes,
    propose_manual_id,
    raw_ids,
)
from dashboard.writeback import (
    accept_finding,
    apply_corrections,
    create_project_records,
    draft_records,
    unaccept_finding,
    undo_batch,
)
from services.errors import AccessDenied, InputError
from services.hubspot import HubSpotClient, PortalNames
from services.models import CrmDealId, ErpProjectId, ErpRecordId
from services.odoo import OdooClient
from services.store import Store
from tests.corrections_support import (
    clients,
    deal_projects,
    deal_value,
    first,
    new_store,
    project_record,
    read_analysis,
    set_deal_value,
)
from tests.sandbox_fixture import RunningSandbox, running_sandbox

OPS = Actor("olga.ops@example.com", "ops")
SALES = Actor("sam.sales@example.com", "sales")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A demo sandbox these tests may write to."""
    with running_sandbox(tmp_path_factory.mktemp("corrections") / "sandbox.sqlite") as running:
        yield running


@pytest.fixture
def systems(sandbox: RunningSandbox) -> Iterator[tuple[HubSpotClient, OdooClient]]:
    sandbox.reset()
    with clients(sandbox) as pair:
        yield pair
    sandbox.reset()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    the_store = new_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    yield the_store
    the_store.close()


def test_one_fix_reaches_the_deal_is_logged_and_clears_its_finding(
    sandbox: RunningSandbox, systems: tuple[HubSpotClient, OdooClient], store: Store
) -> None:
    crm, erp = systems
    _, analysis = read_analysis(crm, erp)
    finding = first(analysis.findings, "malformed")
    assert finding.crm_deal_id is not None
    proposals = propose_fixes([finding], raw_ids(analysis.deals))
    assert [(p.record_id, p.before, p.after) for p in proposals] == [
        (finding.crm_deal_id, finding.raw_id, finding.suggested_id)
    ]

    report = apply_corrections(crm, store, proposals, actor=OPS)

    assert (report.applied, report.failed, report.conflicts) == ((finding.crm_deal_id,), (), ())
    assert deal_value(sandbox, finding.crm_deal_id) == finding.suggested_id
    [row] = store.corrections(object_id=finding.crm_deal_id)
    assert (row.status, row.action, row.user) == ("applied", "apply", OPS.email)
    assert (row.object_type, row.field, row.label) == ("deal", "project_id", finding.deal_name)
    assert (row.before, row.after, row.finding_key) == (finding.raw_id, finding.suggested_id, finding.key)
    _, after = read_analysis(crm, erp)
    assert finding.key not in {f.key for f in after.findings}


def test_a_value_changed_after_the_page_read_it_is_skipped_as_a_conflict(
    sandbox: RunningSandbox, systems: tuple[HubSpotClient, OdooClient], store: Store
) -> None:
    crm, erp = systems
    _, analysis = read_analysis(crm, erp)
    finding = first(analysis.findings, "malformed")
    assert finding.crm_deal_id is not None
    proposals = propose_fixes([finding], raw_ids(analysis.deals))
    set_deal_value(sandbox, finding.crm_deal_id, "PRJ-77777")  # someone edits the deal in HubSpot meanwhile

    report = apply_corrections(crm, store, proposals, actor=OPS)

    assert report.applied == ()
    assert report.conflicts == ((finding.crm_deal_id, "PRJ-77777"),)
    assert deal_value(sandbox, finding.crm_deal_id) == "PRJ-77777"
    [row] = store.corrections(object_id=finding.crm_deal_id)
    assert row.status == "conflict"
    assert "PRJ-77777" in (row.error or "")


def test_a_partial_batch_failure_fails_those_records_and_applies_the_rest(
    sandbox: RunningSandbox, systems: tuple[HubSpotClient, OdooClient], store: Store
) -> None:
    crm, erp = systems
    _, analysis = read_analysis(crm, erp)
    missing = [f for f in analysis.findings if f.kind == "missing" and f.band == "apply"][:3]
    proposals = propose_fixes(missing, raw_ids(analysis.deals))
    assert len(proposals) == 3
    failing, *passing = proposals
    sandbox.faults("crm", batch_fail_ids=[failing.record_id])

    report = apply_corrections(crm, store, proposals, actor=OPS)

    assert [i for i, _ in report.failed] == [failing.record_id]
    assert sorted(report.applied) == sorted(p.record_id for p in passing)
    assert deal_value(sandbox, failing.record_id) == failing.before
    for p in passing:
        assert deal_value(sandbox, p.record_id) == p.after
    status = {row.object_id: row.status for row in store.corrections(batch_id=report.batch_id)}
    assert status == {failing.record_id: "failed", **{p.record_id: "applied" for p in passing}}


def test_undo_of_a_batch_restores_every_value_and_is_logged(
    sandbox: RunningSandbox, systems: tuple[HubSpotClient, OdooClient], store: Store
) -> None:
    crm, erp = systems
    _, analysis = read_analysis(crm, erp)
    dangling = [f for f in analysis.findings if f.kind == "dangling" and f.band == "apply"]
    proposals = propose_fixes(dangling, raw_ids(analysis.deals))
    assert len(proposals) >= 2
    applied = apply_corrections(crm, store, proposals, actor=OPS)
    assert len(applied.applied) == len(proposals)

    undone = undo_batch(crm, store, applied.batch_id, actor=OPS)

    assert sorted(undone.applied) == sorted(p.record_id for p in proposals)
    for p in proposals:
        assert deal_value(sandbox, p.record_id) == p.before
    originals = store.corrections(batch_id=applied.batch_id)
    assert {row.status for row in originals} == {"undone"}
    undo_rows = store.corrections(batch_id=undone.batch_id)
    assert {(row.action, row.status) for row in undo_rows} == {("undo", "applied")}
    assert sorted(row.undoes_id or 0 for row in undo_rows) == sorted(row.id for row in originals)


def test_a_role_without_the_right_changes_nothing(
    sandbox: RunningSandbox, systems: tuple[HubSpotClient, OdooClient], store: Store
) -> None:
    crm, erp = systems
    snap, analysis = read_analysis(crm, erp)
    proposals = propose_apply_band(analysis.findings, raw_ids(analysis.deals))
    assert proposals
    with pytest.raises(AccessDenied, match="sales"):
        apply_corrections(crm, store, proposals, actor=SALES)
    with pytest.raises(AccessDenied):
        accept_finding(store, analysis.findings[0].key, "looks fine", actor=SALES)
    deal_id = str(analysis.handover.loc[~analysis.handover[c.HAS_PROJECT_RECORD], c.CRM_DEAL_ID].iloc[0])
    drafts = draft_records(crm, snap.crm, analysis.joined, analysis.convention, [deal_id])
    with pytest.raises(AccessDenied):
        create_project_records(crm, store, drafts, actor=SALES)
    assert deal_value(sandbox, proposals[0].record_id) == proposals[0].before
    assert deal_projects(sandbox, deal_id) == []
    assert store.corrections() == []
    assert store.accepted() == []


def test_bulk_apply_of_the_apply_band_uses_one_batch_per_hundred_records(
    tmp_path: Path, store: Store
) -> None:
    # A sandbox of its own: this test takes the whole apply band, which the other tests take from.
    with running_sandbox(tmp_path / "bulk.sqlite") as fresh, clients(fresh) as (crm, erp):
        _, analysis = read_analysis(crm, erp)
        band = [f for f in analysis.findings if f.band == "apply" and f.suggested_id != f.raw_id]
        proposals = propose_apply_band(analysis.findings, raw_ids(analysis.deals))
        assert sorted(p.record_id for p in proposals) == sorted({str(f.crm_deal_id) for f in band})
        fresh.reset_stats()

        report = apply_corrections(crm, store, proposals, actor=OPS)

        batches = math.ceil(len(proposals) / 100)
        # per 100 records: one batch read (the conflict check) and one batch update
        assert fresh.stats("crm").get("batch", 0) == 2 * batches
        assert len(report.applied) == len(proposals)
        values = crm.read_field("deal.project_id", [p.record_id for p in proposals])
        assert values == {p.record_id: p.after for p in proposals}
        _, after = read_analysis(crm, erp)
        assert propose_apply_band(after.findings, raw_ids(after.deals)) == []
        assert not {f.key for f in band} & {f.key for f in after.findings}


def test_a_typed_id_is_checked_against_the_convention_and_the_erp(
    systems: tuple[HubSpotClient, OdooClient],
) -> None:
    crm, erp = systems
    _, analysis = read_analysis(crm, erp)
    finding = next(f for f in analysis.findings if f.kind == "conflict")
    codes = erp_codes(analysis.joined)
    code = max(codes)  # e.g. PRJ-00436
    raw, convention = raw_ids(analysis.deals), analysis.convention
    with pytest.raises(ValueError, match="PRJ-#####"):
        propose_manual_id(finding, "ABC-12", raw, convention, codes)
    with pytest.raises(ValueError, match="names no ERP project"):
        propose_manual_id(finding, "PRJ-99999", raw, convention, codes)
    sloppy = " " + code.lower().replace("-", " ") + " "  # " prj 00436 "
    proposal = propose_manual_id(finding, sloppy, raw, convention, codes)
    assert (proposal.record_id, proposal.before, proposal.after) == (
        finding.crm_deal_id,
        finding.raw_id,
        code,
    )
    orphan = next(f for f in analysis.findings if f.kind == "orphan")
    with pytest.raises(ValueError, match="names no deal"):
        propose_manual_id(orphan, code, raw, convention, codes)


def test_an_accepted_finding_leaves_the_open_findings_until_withdrawn(
    systems: tuple[HubSpotClient, OdooClient], store: Store
) -> None:
    crm, erp = systems
    _, analysis = read_analysis(crm, erp)
    finding = next(f for f in analysis.findings if f.kind == "conflict")
    with pytest.raises(InputError, match="reason"):
        accept_finding(store, finding.key, "  ", actor=OPS)

    accept_finding(store, finding.key, "the customer renamed itself in 2025", actor=OPS)

    [accepted] = store.accepted()
    assert (accepted.finding_key, accepted.user) == (finding.key, OPS.email)
    _, hidden = read_analysis(crm, erp, store.accepted_keys())
    assert finding.key not in {f.key for f in hidden.findings}
    unaccept_finding(store, finding.key, actor=OPS)
    _, shown = read_analysis(crm, erp, store.accepted_keys())
    assert finding.key in {f.key for f in shown.findings}


def test_a_won_deal_gets_its_project_record_with_the_deal_context(
    sandbox: RunningSandbox, systems: tuple[HubSpotClient, OdooClient], store: Store
) -> None:
    crm, erp = systems
    snap, analysis = read_analysis(crm, erp)
    handover = analysis.handover
    without = handover[~handover[c.HAS_PROJECT_RECORD] & handover[c.ID_VALID]]
    deal_id = str(without[c.CRM_DEAL_ID].iloc[0])
    with_record = str(handover.loc[handover[c.HAS_PROJECT_RECORD], c.CRM_DEAL_ID].iloc[0])
    deal = next(d for d in snap.crm.deals if d.crm_deal_id == deal_id) if snap.crm else None
    assert deal is not None
    code = analysis.joined.loc[analysis.joined[c.CRM_DEAL_ID] == deal_id, c.ERP_PROJECT_ID].iloc[0]

    draft, blocked = draft_records(
        crm, snap.crm, analysis.joined, analysis.convention, [deal_id, with_record]
    )

    assert "already has project record" in (blocked.blocked or "")
    assert draft.blocked is None
    record = draft.record
    assert record is not None
    assert (record.name, record.project_id, record.status) == (deal.name, code, "planning")
    assert (record.contract_value, record.currency) == (deal.amount, deal.currency)
    assert (record.scope, record.proposal_version) == (deal.scope_summary, deal.proposal_version)
    assert (record.pricing_summary or "").endswith(f"Total {deal.amount:,.2f} {deal.currency}")

    report = create_project_records(crm, store, [draft, blocked], actor=OPS)

    [(created_for, record_id)] = report.created
    assert created_for == deal_id
    assert deal_projects(sandbox, deal_id) == [record_id]
    # the record carries the deal's context under the portal's own property names
    names = PortalNames()
    expected = {
        names.record_name_property: deal.name,
        names.record_project_id_property: code,
        names.record_status_property: "planning",
        names.record_contract_value_property: str(deal.amount),
        names.record_currency_property: deal.currency,
        names.record_scope_property: deal.scope_summary,
        names.record_proposal_version_property: deal.proposal_version,
        names.record_pricing_summary_property: record.pricing_summary,
    }
    stored = project_record(sandbox, record_id, list(expected))
    assert {k: stored.get(k) for k in expected} == expected
    [row] = store.corrections(batch_id=report.batch_id)
    assert (row.action, row.status, row.object_id, row.user) == ("create", "applied", record_id, OPS.email)
    assert json.loads(row.after or "{}") == record.model_dump(mode="json", exclude_none=True)
    _, after = read_analysis(crm, erp)
    assert bool(after.handover.loc[after.handover[c.CRM_DEAL_ID] == deal_id, c.HAS_PROJECT_RECORD].iloc[0])

    again = create_project_records(crm, store, [draft], actor=OPS)  # the page's stale draft, sent twice

    assert (again.created, again.conflicts) == ((), ((deal_id, record_id),))
    assert deal_projects(sandbox, deal_id) == [record_id]
    [conflict] = store.corrections(batch_id=again.batch_id)
    assert conflict.status == "conflict"


def test_an_orphan_is_fixed_on_its_best_fitting_deal() -> None:
    # The demo portfolio has no orphan in the apply band, so this mapping is checked on a finding built here.
    best = Candidate(
        score=0.93, reasons=("customer 100% similar",), name="Acme – Portal", crm_deal_id=CrmDealId("101")
    )
    orphan = Finding(
        kind="orphan",
        severity="medium",
        message='ERP project PRJ-00042 "Portal" has no deal.',
        crm_deal_id=None,
        erp_project_id=ErpProjectId("PRJ-00042"),
        erp_record_id=ErpRecordId("7"),
        suggested_id="PRJ-00042",
        band="apply",
        candidates=(best,),
    )
    fix = finding_fix(orphan, {"101": "prj 42 "})
    assert fix == FindingFix(orphan.key, "101", "Acme – Portal", "prj 42 ", "PRJ-00042", "apply")
    erp_side = replace(orphan, kind="malformed", candidates=())
    assert finding_fix(erp_side, {"101": None}) is None
