"""Audit findings: one per problem, with evidence, severity and a suggestion banded by confidence.

The fixture holds one example of every finding class. Fit scores are hand-computed from the weights in
`dashboard.transforms.matching` (customer 0.4, name 0.3, amount 0.2, dates 0.1, swapped-digit ID 0.3,
averaged over the signals present; dates lose 1/120 per day apart).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from dashboard.transforms.audit import Finding, audit_findings
from dashboard.transforms.matching import company_key, company_similarity
from dashboard.transforms.thresholds import Thresholds
from tests.unit.builders import actuals, crm, deal, erp, erp_project, joined

CRM = crm(
    deal("1", "Bluefin – Data platform", "Bluefin GmbH", "prj-00042"),
    deal("2", "Acme – ERP rollout", "Acme Ltd", None, amount="80000"),
    deal("3", "Globex – Portal", "Globex Inc", "prj 99"),
    deal("4", "Initech – Audit", "Initech", "PRJ-00050", amount="50000"),
    deal("5", "Initech – Training", "Initech", "PRJ-00050", amount="20000"),
    deal("6", "Umbrella – Migration", "Umbrella Corp", "PRJ-00060"),
    deal("7", "Hooli – Renewal", "Hooli", None, won=False),
    deal("8", "Hooli – Pilot", "Hooli", "INV-2024-001", won=False),
)
ERP = erp(
    erp_project("10", "PRJ-00042", "Data platform", "Bluefin"),
    erp_project("11", "PRJ-00043", "ERP rollout", "ACME Limited", planned="80000"),
    erp_project("12", "PRJ-00909", "Portal", "Globex", start=date(2026, 6, 29)),
    erp_project("13", "PRJ-00050", "Audit", "Initech", planned="50000"),
    erp_project("14", "PRJ-00051", "Training", "Initech AG", planned="20000"),
    erp_project("16", "PRJ-00060", "Migration", "Wayne Enterprises"),
    erp_project("17", "prj-70", "Internal tools", None),
    erp_project("18", "PRJ-00042", "Data platform (copy)", "Bluefin"),
    actuals=(actuals("16", invoiced="130000"),),
)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return joined(CRM, ERP)


@pytest.fixture(scope="module")
def findings(table: pd.DataFrame) -> dict[str, Finding]:
    return {f.key: f for f in audit_findings(table, Thresholds())}


def test_one_finding_per_problem_most_severe_first(table: pd.DataFrame) -> None:
    found = audit_findings(table, Thresholds())
    assert [f.key for f in found] == [
        "missing:2:",
        "dangling:3:",
        "duplicate:4:PRJ-00050",
        "duplicate:5:PRJ-00050",
        "duplicate::PRJ-00042:18",
        "conflict:6:PRJ-00060",
        "orphan::PRJ-00070:17",
        "malformed:1:PRJ-00042",
        "malformed:8:",
        "malformed::PRJ-00070:17",
    ]
    assert [f.severity for f in found] == ["high"] * 5 + ["medium"] * 2 + ["low"] * 3


def test_malformed_id_is_fixed_by_its_normalized_form(findings: dict[str, Finding]) -> None:
    f = findings["malformed:1:PRJ-00042"]
    assert f.message == 'Deal "Bluefin – Data platform" has "prj-00042"; the convention is PRJ-00042.'
    assert (f.raw_id, f.normalized_id, f.suggested_id, f.confidence, f.band) == (
        "prj-00042",
        "PRJ-00042",
        "PRJ-00042",
        1.0,
        "apply",
    )
    assert ("system", "CRM deal") in f.evidence
    assert ("record", "Bluefin – Data platform (1)") in f.evidence


def test_missing_id_suggests_the_matching_erp_project(findings: dict[str, Finding]) -> None:
    f = findings["missing:2:"]
    best = f.candidates[0]
    # customer 1 (Ltd/Limited dropped), name 1, amount 80 000 = budget 1, start 9 days after close 0.925
    assert best.score == pytest.approx((0.4 + 0.3 + 0.2 + 0.1 * (1 - 9 / 120)) / 1.0, abs=1e-3)
    assert (best.erp_project_id, best.erp_record_id) == ("PRJ-00043", "11")
    assert best.reasons == (
        "customer 100% similar",
        "name 100% similar",
        "amount 100% close",
        "dates 92% close",
    )
    assert (f.suggested_id, f.band, f.severity) == ("PRJ-00043", "apply", "high")
    assert f.confidence == best.score
    assert f.message.startswith('Won deal "Acme – ERP rollout" has no project ID; best ERP match: PRJ-00043')


def test_dangling_id_finds_the_transposed_code_and_says_it_was_malformed_too(
    findings: dict[str, Finding],
) -> None:
    f = findings["dangling:3:"]
    best = f.candidates[0]
    # customer 1, name 1, no amount, start 120 days after close 0, digits swapped 1: (0.4+0.3+0+0.3)/1.1
    assert best.score == pytest.approx(1.0 / 1.1, abs=1e-3)
    assert best.erp_project_id == "PRJ-00909"
    assert "ID with two digits swapped" in best.reasons
    assert (f.raw_id, f.normalized_id, f.suggested_id, f.band) == (
        "prj 99",
        "PRJ-00099",
        "PRJ-00909",
        "apply",
    )
    assert ("also malformed", '"prj 99" is not written PRJ-00099') in f.evidence
    assert 'names PRJ-00099 (written "prj 99"), but no ERP project has that ID' in f.message


def test_duplicate_id_keeps_it_on_the_best_fit_and_moves_the_other(findings: dict[str, Finding]) -> None:
    keeper = findings["duplicate:4:PRJ-00050"]
    assert (keeper.suggested_id, keeper.band, keeper.erp_record_id) == ("PRJ-00050", "review", "13")
    # customer 1, name 1 ("Audit" is in "Initech – Audit"), amount 1, dates 0.925
    assert keeper.confidence == pytest.approx(0.9925, abs=1e-3)
    assert ("fits the ERP project best", "yes") in keeper.evidence
    assert ("shared with", '"Initech – Training"') in keeper.evidence

    mover = findings["duplicate:5:PRJ-00050"]
    assert ("fits the ERP project best", 'no, "Initech – Audit" does') in mover.evidence
    assert (mover.suggested_id, mover.band) == ("PRJ-00051", "apply")
    assert mover.candidates[0].score == pytest.approx(0.9925, abs=1e-3)


def test_repeated_erp_code_is_a_duplicate_on_the_erp_side(findings: dict[str, Finding]) -> None:
    f = findings["duplicate::PRJ-00042:18"]
    assert (
        f.message
        == 'ERP project PRJ-00042 "Data platform (copy)" (record 18) has code PRJ-00042, as does record 10.'
    )
    assert (f.crm_deal_id, f.erp_record_id) == (None, "18")


def test_conflicting_link_names_both_disagreements(findings: dict[str, Finding]) -> None:
    f = findings["conflict:6:PRJ-00060"]
    evidence = dict(f.evidence)
    assert evidence["customer"].startswith('CRM "Umbrella Corp" vs ERP "Wayne Enterprises"')
    assert evidence["amount"] == "invoiced 130,000.00 exceeds contract value 100,000.00 by more than 10%"
    assert f.severity == "medium"


def test_legal_forms_alone_are_no_conflict(findings: dict[str, Finding]) -> None:
    # Bluefin GmbH vs Bluefin, Initech vs Initech: linked, and no conflict reported
    assert not any(f.kind == "conflict" and f.crm_deal_id in ("1", "4") for f in findings.values())


def test_unusable_id_on_an_open_deal_is_low_and_explains_itself(findings: dict[str, Finding]) -> None:
    f = findings["malformed:8:"]
    assert f.severity == "low"
    assert (f.normalized_id, f.suggested_id, f.band) == (None, None, "none")
    assert "a different prefix (INV; the convention is PRJ-#####)" in f.message


def test_open_deal_without_id_is_no_finding(findings: dict[str, Finding]) -> None:
    assert not any(f.crm_deal_id == "7" for f in findings.values())


def test_erp_projects_suggested_to_a_deal_are_not_orphans(findings: dict[str, Finding]) -> None:
    orphans = [f for f in findings.values() if f.kind == "orphan"]
    assert [f.erp_record_id for f in orphans] == ["17"]  # 11, 12 and 14 are the suggestions above
    assert orphans[0].band == "none"
    assert (
        orphans[0].message
        == 'ERP project PRJ-00070 "Internal tools" has no deal; no won deal without a project matches well.'
    )
    assert findings["malformed::PRJ-00070:17"].suggested_id == "PRJ-00070"


def test_a_stricter_apply_threshold_turns_a_suggestion_into_a_review_and_an_orphan(
    table: pd.DataFrame,
) -> None:
    found = {f.key: f for f in audit_findings(table, Thresholds(match_apply=0.995))}
    assert found["missing:2:"].band == "review"
    orphan = found["orphan::PRJ-00043:11"]
    assert (orphan.band, orphan.suggested_id, orphan.candidates[0].crm_deal_id) == (
        "review",
        "PRJ-00043",
        "2",
    )


def test_accepted_findings_leave_the_open_list(table: pd.DataFrame) -> None:
    accepted = frozenset({"orphan::PRJ-00070:17", "missing:2:"})
    keys = {f.key for f in audit_findings(table, Thresholds(), accepted)}
    assert not keys & accepted
    assert "malformed::PRJ-00070:17" in keys
    assert len(keys) == 8


def test_a_currency_difference_is_a_conflict() -> None:
    table = joined(
        crm(deal("1", "Bluefin – Data platform", "Bluefin", "PRJ-00042", currency="USD")),
        erp(erp_project("10", "PRJ-00042", "Data platform", "Bluefin", currency="EUR")),
    )
    (f,) = audit_findings(table, Thresholds())
    assert (f.kind, dict(f.evidence)["currency"]) == ("conflict", "deal in USD, ERP project in EUR")


def test_company_names_compare_without_legal_forms_and_punctuation() -> None:
    assert company_key("Bluefin GmbH & Co. KG") == "bluefin"
    assert company_key("ACME Limited") == company_key("Acme Ltd.") == "acme"
    assert company_similarity("Globex Inc", "Globex") == 1.0
    assert company_similarity("Globex Inc", None) != company_similarity(
        "Globex Inc", None
    )  # NaN: no evidence
