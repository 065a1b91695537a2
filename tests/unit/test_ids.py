"""The project-ID convention: normalization, reasons, patterns, inference and the convention report."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import columns as c
from dashboard.transforms.ids import (
    IdConvention,
    convention_from_pattern,
    convention_report,
    id_format,
    infer_convention,
    normalize_id,
)

PRJ = IdConvention("PRJ", "-", 5)


@pytest.mark.parametrize(
    "raw",
    [
        "prj-00042",
        "PRJ00042",
        "PRJ-42",
        "prj 42",
        " PRJ-00042 ",
        "PRJ–00042",  # en dash
        "PRJ—00042",  # em dash
        "PRJ−00042",  # minus sign
        "PRJ‐00042",  # Unicode hyphen
        "ＰＲＪ－００４２",  # full-width, folded by NFKC
        "PRJ_00042",
        "PRJ.00042",
        "PRJ/00042",
        "PRJ  00042",
        "PRJ - 0042",
        "#PRJ-00042",
        "ID PRJ-00042",
        "ID: PRJ-00042",
        "00042",
        "42",
        "PRJ-000042",
    ],
)
def test_variants_normalize_to_the_canonical_id(raw: str) -> None:
    result = normalize_id(raw, PRJ)
    assert (result.canonical, result.reason, result.is_canonical) == ("PRJ-00042", None, False)
    assert result.raw == raw


def test_the_canonical_id_is_canonical() -> None:
    result = normalize_id("PRJ-00042", PRJ)
    assert (result.canonical, result.reason, result.is_canonical) == ("PRJ-00042", None, True)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "empty"),
        ("", "empty"),
        ("   ", "empty"),
        ("PRJ-", "no digits"),
        ("TBD", "no digits"),
        ("INV-2024-001", "a different prefix (INV; the convention is PRJ-#####)"),
        ("PROJ-42", "a different prefix (PROJ; the convention is PRJ-#####)"),
        ("PRJ-42-43", "two numbers (42, 43)"),
        ("PRJ-123456", "too many digits (123456; the convention has 5)"),
        ("PRJ-00042A", 'text after the number ("A")'),
        ("PRJ-0", "the number is zero"),
        ("PRJ-42€", 'unexpected character "€"'),
    ],
)
def test_unusable_ids_say_why(raw: str | None, reason: str) -> None:
    result = normalize_id(raw, PRJ)
    assert (result.canonical, result.reason, result.is_canonical) == (None, reason, False)


def test_a_four_digit_convention_pads_and_limits_to_four() -> None:
    four = IdConvention("PRJ", "-", 4)
    assert normalize_id("PRJ-00042", four).canonical == "PRJ-0042"
    assert normalize_id("PRJ-12345", four).reason == "too many digits (12345; the convention has 4)"


def test_a_convention_without_separator() -> None:
    bare = IdConvention("P", "", 3)
    assert normalize_id("p-7", bare).canonical == "P007"
    assert normalize_id("P007", bare).is_canonical


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("PRJ-#####", IdConvention("PRJ", "-", 5)),
        ("prj_####", IdConvention("PRJ", "_", 4)),
        ("P###", IdConvention("P", "", 3)),
        ("#####", IdConvention("", "", 5)),
    ],
)
def test_convention_from_pattern(pattern: str, expected: IdConvention) -> None:
    assert convention_from_pattern(pattern) == expected
    assert expected.pattern == pattern.upper()


def test_a_bad_pattern_says_what_a_good_one_looks_like() -> None:
    with pytest.raises(ValueError, match=r'"PRJ-###A" is not .* e\.g\. "PRJ-#####"'):
        convention_from_pattern("PRJ-###A")


def test_a_bad_convention_is_refused() -> None:
    with pytest.raises(ValueError, match='upper-case letters A-Z, not "prj"'):
        IdConvention("prj", "-", 5)
    with pytest.raises(ValueError, match="1 to 12 digits"):
        IdConvention("PRJ", "-", 0)


def test_infer_convention_picks_the_most_common_erp_shape() -> None:
    codes = ["PRJ-00001", "PRJ-00002", "prj-00003", "P-1", None, "INTERNAL", "PRJ–00004"]
    assert infer_convention(codes) == IdConvention("PRJ", "-", 5)


def test_infer_convention_breaks_ties_by_pattern_not_order() -> None:
    assert (
        infer_convention(["B-01", "A-001"])
        == infer_convention(["A-001", "B-01"])
        == IdConvention("A", "-", 3)
    )


def test_infer_convention_without_any_code_asks_for_the_setting_or_uses_the_fallback() -> None:
    with pytest.raises(ValueError, match="set the ID pattern setting"):
        infer_convention([None, "INTERNAL"])
    assert infer_convention([], fallback=PRJ) is PRJ


def test_id_format_shows_digits_and_spaces() -> None:
    assert id_format(" PRJ-42 ") == "␣PRJ-##␣"
    assert id_format("prj00042") == "prj#####"
    assert id_format(None) == id_format("") == "(empty)"


def test_convention_report_counts_formats_and_canonical_share() -> None:
    crm = ["PRJ-00042", "prj-00043", "PRJ-00044", None, "INV-2024-001"]
    erp = ["PRJ-00042", "PRJ-00043"]
    report = convention_report({"CRM": crm, "ERP": erp}, PRJ)

    crm_formats = report.formats[report.formats[c.SYSTEM] == "CRM"]
    assert list(crm_formats[c.ID_FORMAT]) == ["PRJ-#####", "(empty)", "INV-####-###", "prj-#####"]
    assert list(crm_formats[c.COUNT]) == [2, 1, 1, 1]
    assert list(crm_formats[c.SHARE]) == [0.4, 0.2, 0.2, 0.2]
    assert list(crm_formats[c.IS_CANONICAL_FORMAT]) == [True, False, False, False]
    assert crm_formats[c.EXAMPLES].iloc[0] == "'PRJ-00042', 'PRJ-00044'"

    summary = report.summary.set_index(c.SYSTEM)
    assert summary.loc["CRM", [c.TOTAL, c.EMPTY, c.CANONICAL, c.NORMALIZABLE, c.UNNORMALIZABLE]].tolist() == [
        5,
        1,
        2,
        1,
        1,
    ]
    assert summary.loc["CRM", c.CANONICAL_SHARE] == 0.5  # 2 of the 4 IDs present
    assert summary.loc["ERP", c.CANONICAL_SHARE] == 1.0
    assert report.convention.pattern == "PRJ-#####"


def test_frame_cells_that_are_nan_count_as_empty() -> None:
    column = pd.Series(["PRJ-00042", None, float("nan")], dtype="object")
    assert [normalize_id(raw, PRJ).reason for raw in column] == [None, "empty", "empty"]
    report = convention_report({"CRM": column}, PRJ)
    assert report.summary[[c.TOTAL, c.EMPTY, c.CANONICAL]].iloc[0].tolist() == [3, 2, 1]
    assert infer_convention(pd.Series(["P-001", float("nan")], dtype="object")) == IdConvention("P", "-", 3)


def test_the_next_project_id_follows_the_highest_readable_one() -> None:
    from dashboard.transforms.ids import next_project_id

    convention = IdConvention()
    assert next_project_id(
        ["PRJ-00041", "prj 0107", None, "ACME-9999", "W-00500", float("nan")], convention
    ) == ("PRJ-00108")
    assert next_project_id([], convention) == "PRJ-00001"
    with pytest.raises(ValueError, match="every PRJ-## ID is taken"):
        next_project_id(["PRJ-99"], IdConvention(digits=2))
