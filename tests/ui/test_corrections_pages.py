"""The corrections on the pages (AppTest): the ID audit, the handover action and the corrections log.

These tests write, so they get a sandbox of their own (not the session's UI sandbox). Expected values come
from `analyze` on a snapshot read through the real clients; what the sandbox holds is read over plain HTTP.
Each test takes findings of its own kind, so the order of the tests does not matter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import columns as c
from dashboard.analysis import Analysis
from dashboard.roles import Actor
from dashboard.transforms.audit import Finding
from dashboard.transforms.corrections import erp_codes, propose_apply_band, propose_fixes, raw_ids
from dashboard.ui.preview import PENDING
from dashboard.writeback import apply_corrections
from tests.corrections_support import (
    clients,
    deal_projects,
    deal_value,
    first,
    new_store,
    read_analysis,
)
from tests.sandbox_fixture import ROOT, RunningSandbox, running_sandbox
from tests.ui.conftest import plain

APP = str(ROOT / "dashboard" / "app.py")
DEMO_USER = "demo@throughline.local"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """A demo sandbox these tests may write to."""
    with running_sandbox(tmp_path_factory.mktemp("corrections_ui") / "sandbox.sqlite") as running:
        yield running


@pytest.fixture
def store_url(sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The app pointed at this module's sandbox and a fresh store, caches cleared; the store's URL."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.chdir(ROOT)  # AppTest reads .streamlit/config.toml from the working directory
    monkeypatch.setenv("THROUGHLINE_SANDBOX__CRM_PORT", sandbox.crm_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_SANDBOX__ERP_PORT", sandbox.erp_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_STORE__DATABASE_URL", url)
    monkeypatch.setenv("THROUGHLINE_ACCESS__MODE", "none")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield url
    st.cache_resource.clear()
    st.cache_data.clear()


def oracle(sandbox: RunningSandbox) -> Analysis:
    with clients(sandbox) as (crm, erp):
        return read_analysis(crm, erp)[1]


def open_page(name: str, role: str = "ops") -> AppTest:
    """The app as `role` (demo mode's "View as"), on pages/<name>.py."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["demo_role"] = role
    at.run()
    at.switch_page(f"../pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def preview(at: AppTest) -> pd.DataFrame:
    """The table in the open preview dialog."""
    assert pending(at) is not None
    return next(d.value for d in at.dataframe if {"New value", "Deal ID"} & set(d.value.columns))


def pending(at: AppTest) -> object:
    """The preview waiting for Confirm, or None."""
    return at.session_state[PENDING] if PENDING in at.session_state else None


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def pick(at: AppTest, finding: Finding) -> AppTest:
    at.selectbox(key="audit_finding").set_value(finding.key).run()
    return at


def test_the_audit_page_shows_the_convention_and_the_findings_per_class(
    sandbox: RunningSandbox, store_url: str
) -> None:
    expected = oracle(sandbox)

    at = open_page("audit", role="owner")

    counts = pd.Series([f.kind for f in expected.findings]).value_counts()
    shown = metrics(at)
    for kind in ("missing", "malformed", "dangling", "duplicate", "orphan", "conflict"):
        assert shown[kind.capitalize()] == str(counts.get(kind, 0))
    assert any(expected.report.convention.pattern in m.value for m in at.markdown)
    summary = at.dataframe[0].value
    assert summary[c.CANONICAL].tolist() == expected.report.summary[c.CANONICAL].tolist()
    findings = next(d.value for d in at.dataframe if "suggested_id" in d.value.columns)
    assert findings["key"].tolist() == [f.key for f in expected.findings]
    # an owner reads the findings but gets no button that writes or accepts
    keys = {b.key for b in at.button}
    assert not keys & {"apply_band", "apply_one", "manual_check", "accept_finding"}


def test_the_preview_shows_before_and_after_and_only_confirm_writes(
    sandbox: RunningSandbox, store_url: str
) -> None:
    finding = first(oracle(sandbox).findings, "missing")
    deal_id = str(finding.crm_deal_id)
    at = pick(open_page("audit"), finding)
    missing_before = int(metrics(at)["Missing"])

    click(at, "apply_one")

    table = preview(at)
    assert table[["HubSpot ID", "Current value", "New value"]].to_numpy().tolist() == [
        [deal_id, finding.raw_id or "(empty)", finding.suggested_id]
    ]
    assert deal_value(sandbox, deal_id) == finding.raw_id  # nothing written before confirmation

    click(at, "confirm_corrections")

    assert deal_value(sandbox, deal_id) == finding.suggested_id
    assert any("1 applied" in s.value for s in at.success)
    [undo] = [link for link in at.get("page_link") if "batch=" in link.proto.query_string]
    assert undo.proto.label == "Undo this in the Corrections log"
    assert int(metrics(at)["Missing"]) == missing_before - 1
    store = new_store(store_url)
    [row] = store.corrections()
    assert (row.object_id, row.after, row.status, row.user) == (
        deal_id,
        finding.suggested_id,
        "applied",
        DEMO_USER,
    )
    store.close()


def test_cancel_closes_the_bulk_preview_and_writes_nothing(sandbox: RunningSandbox, store_url: str) -> None:
    expected = oracle(sandbox)
    proposals = propose_apply_band(expected.findings, raw_ids(expected.deals))
    at = open_page("audit")
    assert at.button(key="apply_band").label == f"Apply all {len(proposals)} suggestions in the apply band…"

    click(at, "apply_band")

    table = preview(at)
    assert table[["HubSpot ID", "Current value", "New value"]].to_numpy().tolist() == [
        [p.record_id, p.before or "(empty)", p.after] for p in proposals
    ]
    assert table["Include"].all()  # every row starts included; each can be left out
    erp = expected.joined.dropna(subset=[c.ERP_RECORD_ID]).drop_duplicates(c.ERP_PROJECT_ID)
    names = dict(zip(erp[c.ERP_PROJECT_ID], erp[c.ERP_PROJECT_NAME], strict=True))
    assert table["ERP project"].tolist() == [names[p.after] for p in proposals]
    confidence = {f.key: f.confidence for f in expected.findings}
    assert table["Confidence"].tolist() == [confidence[str(p.finding_key)] for p in proposals]
    click(at, "cancel_corrections")
    assert pending(at) is None
    assert "confirm_corrections" not in {b.key for b in at.button}
    assert [deal_value(sandbox, p.record_id) for p in proposals] == [p.before for p in proposals]
    store = new_store(store_url)
    assert store.corrections() == []
    store.close()


def test_rows_left_out_of_the_bulk_preview_are_not_written(sandbox: RunningSandbox, store_url: str) -> None:
    expected = oracle(sandbox)
    proposals = propose_apply_band(expected.findings, raw_ids(expected.deals))
    # Keep one row of a kind the other tests do not take (they take missing and dangling findings).
    keep = next(
        i for i, p in enumerate(proposals) if not str(p.finding_key).startswith(("missing:", "dangling:"))
    )
    at = open_page("audit")
    click(at, "apply_band")
    at.session_state["preview_table"] = {
        "edited_rows": {i: {"Include": False} for i in range(len(proposals)) if i != keep},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    click(at, "confirm_corrections")
    for i, p in enumerate(proposals):
        assert deal_value(sandbox, p.record_id) == (p.after if i == keep else p.before), p.label
    store = new_store(store_url)
    assert [r.object_id for r in store.corrections()] == [proposals[keep].record_id]
    store.close()


def test_a_typed_id_is_checked_before_any_preview(sandbox: RunningSandbox, store_url: str) -> None:
    expected = oracle(sandbox)
    finding = next(f for f in expected.findings if f.kind == "conflict")
    code = max(erp_codes(expected.joined))  # e.g. PRJ-00436, typed as "prj 436"
    at = pick(open_page("audit"), finding)

    at.text_input(key="manual_id").input("ABC-12")
    click(at, "manual_check")

    assert any("not a project ID" in plain(e.value) and "PRJ-#####" in plain(e.value) for e in at.error)
    assert pending(at) is None

    at.text_input(key="manual_id").input(f"prj {int(code.split('-')[1])}")
    click(at, "manual_check")

    assert preview(at)[["HubSpot ID", "Current value", "New value"]].to_numpy().tolist() == [
        [finding.crm_deal_id, finding.raw_id, code]
    ]
    click(at, "cancel_corrections")


def test_an_accepted_finding_leaves_the_page_with_its_reason(sandbox: RunningSandbox, store_url: str) -> None:
    finding = next(f for f in oracle(sandbox).findings if f.kind == "conflict")
    at = pick(open_page("audit"), finding)
    conflicts = int(metrics(at)["Conflict"])

    click(at, "accept_finding")  # no reason yet
    assert any("reason is empty" in e.value for e in at.error)

    at.text_input(key="accept_reason").input("the customer's legal name changed")
    click(at, "accept_finding")

    assert int(metrics(at)["Conflict"]) == conflicts - 1
    assert finding.key not in at.selectbox(key="audit_finding").options
    accepted = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert accepted[["finding_key", "reason", "user"]].to_numpy().tolist() == [
        [finding.key, "the customer's legal name changed", DEMO_USER]
    ]

    at.selectbox(key="unaccept_pick").set_value(finding.key)
    click(at, "unaccept")
    assert int(metrics(at)["Conflict"]) == conflicts


def test_handover_creates_the_project_record_after_its_preview(
    sandbox: RunningSandbox, store_url: str
) -> None:
    expected = oracle(sandbox)
    handover = expected.handover
    ready = handover[~handover[c.HAS_PROJECT_RECORD] & handover[c.ID_VALID]]
    deal_id = str(ready[c.CRM_DEAL_ID].iloc[0])
    code = expected.joined.loc[expected.joined[c.CRM_DEAL_ID] == deal_id, c.ERP_PROJECT_ID].iloc[0]
    at = open_page("handover")
    without = int(metrics(at)["Without a project record"])
    assert without == int((~handover[c.HAS_PROJECT_RECORD]).sum())

    at.multiselect(key="create_for").set_value([deal_id]).run()
    click(at, "create_preview")

    table = preview(at)
    assert table[["Deal ID", "Current", "Project ID", "Status"]].to_numpy().tolist() == [
        [deal_id, "(no project record)", code, "planning"]
    ]
    assert deal_projects(sandbox, deal_id) == []

    click(at, "confirm_corrections")

    [record_id] = deal_projects(sandbox, deal_id)
    assert any(f"project record {record_id}" in plain(s.value) for s in at.success)
    assert int(metrics(at)["Without a project record"]) == without - 1


def test_the_log_page_undoes_a_correction_after_its_preview(sandbox: RunningSandbox, store_url: str) -> None:
    expected = oracle(sandbox)
    finding = first(expected.findings, "dangling")
    [proposal] = propose_fixes([finding], raw_ids(expected.deals))
    store = new_store(store_url)
    with clients(sandbox) as (crm, _):
        report = apply_corrections(crm, store, [proposal], actor=Actor("olga.ops@example.com", "ops"))
    [row] = store.corrections(batch_id=report.batch_id)
    at = open_page("history")
    log = at.dataframe[0].value
    assert log[["id", "user", "status", "before", "after"]].to_numpy().tolist() == [
        [row.id, "olga.ops@example.com", "applied", proposal.before, proposal.after]
    ]
    assert log["deal"].tolist() == [finding.deal_name]  # the deal by its name, not only its id
    at.text_input(key="history_record").input(str(finding.deal_name)[:6].lower()).run()
    assert at.dataframe[0].value["id"].tolist() == [row.id]  # found by part of its name
    at.text_input(key="history_record").input("no such deal name").run()
    assert at.dataframe[0].value.empty
    at.text_input(key="history_record").input("").run()
    at.query_params["batch"] = report.batch_id  # as the Undo link in a write's result opens the page
    at.run()
    picker = at.selectbox(key="undo_batch_pick")
    assert picker.value == report.batch_id
    assert f"olga.ops@example.com · 1 project ID ({finding.deal_name})" in picker.options[0]

    at.selectbox(key="undo_pick").set_value(row.id).run()
    click(at, "undo_one")
    assert preview(at)[["Current value", "New value"]].to_numpy().tolist() == [
        [proposal.after, proposal.before]
    ]
    click(at, "confirm_corrections")

    assert deal_value(sandbox, proposal.record_id) == proposal.before
    assert store.correction(row.id).status == "undone"
    statuses = dict(at.dataframe[0].value[["id", "status"]].to_numpy().tolist())
    assert statuses[row.id] == "undone"
    store.close()


def test_roles_without_the_right_get_no_button_that_writes(store_url: str) -> None:
    handover = open_page("handover", role="sales")
    assert not {"create_for"} & {m.key for m in handover.multiselect}
    assert "create_preview" not in {b.key for b in handover.button}
    assert any("ops or admin can create them" in t.value for t in handover.caption)
    history = open_page("history", role="owner")
    assert not {"undo_one", "undo_batch"} & {b.key for b in history.button}


def test_findings_accepted_by_pattern_leave_the_open_findings(
    sandbox: RunningSandbox, store_url: str
) -> None:
    expected = oracle(sandbox)
    target = next(f for f in expected.findings if f.kind == "orphan" and f.erp_project_id)
    pattern = str(target.erp_project_id)
    named = [
        f.key
        for f in expected.findings
        if f.kind == "orphan" and any(pattern.casefold() in str(t).casefold()
                                      for t in (f.deal_name, f.erp_project_id, f.raw_id, f.message) if t)
    ]  # fmt: skip
    at = open_page("audit")
    at.selectbox(key="bulk_accept_kind").set_value("orphan").run()
    at.text_input(key="bulk_accept_pattern").input(pattern).run()
    assert at.button(key="bulk_accept").disabled  # no reason yet
    at.text_input(key="bulk_accept_reason").input("internal project").run()
    click(at, "bulk_accept")
    store = new_store(store_url)
    assert sorted(a.finding_key for a in store.accepted()) == sorted(named)
    assert {a.reason for a in store.accepted()} == {"internal project"}
    store.close()
