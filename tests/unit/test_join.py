"""The join: one row per deal and per unnamed ERP project, nothing dropped or doubled."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from dashboard import columns as c
from dashboard.transforms.frames import crm_projects_frame, deals_frame, erp_projects_frame
from dashboard.transforms.join import join_projects
from tests.unit.builders import CONVENTION, crm, deal, erp, erp_project, project_record

CRM = crm(
    deal("1", "Bluefin – Data platform", "Bluefin GmbH", "prj-00042", project_record_ids=()),
    deal("2", "Acme – ERP rollout", "Acme Ltd", None, project_record_ids=("p2",)),
    deal("3", "Globex – Portal", "Globex Inc", "PRJ-00099"),
    deal("4", "Hooli – Pilot", "Hooli", None, won=False),
    deal("5", "Initech – Audit", "Initech", "PRJ-00050", amount="50000"),
    deal("6", "Initech – Training", "Initech", "PRJ-00050", amount="20000"),
    projects=(
        # Attached through the association, whatever ID the record itself holds.
        project_record("p1", "1", raw_project_id="PRJ-99999"),
        project_record("p2", "", deal_ids=()),  # known from the deal's side only
        project_record("p3", "3", updated_at=datetime(2026, 4, 1, tzinfo=UTC)),
        project_record("p4", "3", updated_at=datetime(2026, 5, 1, tzinfo=UTC)),
    ),
)
ERP = erp(
    erp_project("10", "PRJ-00042", "Data platform", "Bluefin"),
    erp_project("11", "PRJ-00043", "ERP rollout", "ACME Limited"),
    erp_project("13", "PRJ-00050", "Audit", "Initech", planned="50000"),
    erp_project("14", None, "Internal tools", None),
    erp_project("15", "PRJ-00042", "Data platform (copy)", "Bluefin"),
)


@pytest.fixture
def frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return deals_frame(CRM), crm_projects_frame(CRM), erp_projects_frame(ERP)


@pytest.fixture
def joined(frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return join_projects(*frames, CONVENTION)


def test_one_row_per_deal_then_per_erp_project_no_deal_names(joined: pd.DataFrame) -> None:
    assert list(joined[c.ROW_KEY]) == [
        "deal:1",
        "deal:2",
        "deal:3",
        "deal:4",
        "deal:5",
        "deal:6",
        "erp:11",
        "erp:14",
        "erp:15",
    ]
    assert (
        list(joined[c.MATCH])
        == ["linked", "deal_only", "deal_only", "deal_only", "linked", "linked"] + ["erp_only"] * 3
    )


def test_a_malformed_id_links_through_its_normalized_form(joined: pd.DataFrame) -> None:
    row = joined.set_index(c.ROW_KEY).loc["deal:1"]
    assert (row[c.DEAL_RAW_PROJECT_ID], row[c.DEAL_PROJECT_ID], row[c.ERP_RECORD_ID]) == (
        "prj-00042",
        "PRJ-00042",
        "10",
    )
    assert not row[c.DEAL_ID_IS_CANONICAL]
    assert row[c.ERP_CUSTOMER_NAME] == "Bluefin"  # financial and commercial columns side by side


def test_missing_ids_never_match_erp_projects_without_code(joined: pd.DataFrame) -> None:
    rows = joined.set_index(c.ROW_KEY)
    assert pd.isna(rows.loc["deal:2", c.ERP_RECORD_ID])
    assert pd.isna(rows.loc["deal:4", c.ERP_RECORD_ID])
    assert pd.isna(rows.loc["erp:14", c.CRM_DEAL_ID])
    assert rows.loc["deal:2", c.DEAL_ID_REASON] == "empty"


def test_two_deals_on_one_id_point_at_it_and_the_better_fit_owns_its_money(joined: pd.DataFrame) -> None:
    rows = joined.set_index(c.ROW_KEY)
    assert rows.loc[["deal:5", "deal:6"], c.ERP_RECORD_ID].tolist() == ["13", "13"]
    assert rows.loc[["deal:5", "deal:6"], c.DEAL_ID_SHARED].tolist() == [True, True]
    # deal 5 matches the ERP budget (50 000) and name; deal 6 neither
    assert rows.loc[["deal:5", "deal:6"], c.FINANCIAL_OWNER].tolist() == [True, False]
    assert rows.loc["deal:5", c.LINK_FIT] > rows.loc["deal:6", c.LINK_FIT]


def test_every_erp_project_has_exactly_one_financial_owner_row(joined: pd.DataFrame) -> None:
    owners = joined[joined[c.ERP_RECORD_ID].notna() & joined[c.FINANCIAL_OWNER]]
    assert sorted(owners[c.ERP_RECORD_ID]) == ["10", "11", "13", "14", "15"]
    assert joined[c.CRM_DEAL_ID].dropna().tolist() == ["1", "2", "3", "4", "5", "6"]


def test_a_repeated_erp_code_links_the_lowest_record_and_flags_both(joined: pd.DataFrame) -> None:
    rows = joined.set_index(c.ROW_KEY)
    assert rows.loc["deal:1", c.ERP_RECORD_ID] == "10"
    assert rows.loc["deal:1", c.ERP_ID_DUPLICATED]
    assert rows.loc["erp:15", c.ERP_ID_DUPLICATED]
    assert rows.loc["erp:15", c.MATCH] == "erp_only"
    assert not rows.loc["erp:11", c.ERP_ID_DUPLICATED]


def test_project_records_attach_through_the_deal_association(joined: pd.DataFrame) -> None:
    rows = joined.set_index(c.ROW_KEY)
    assert rows.loc["deal:1", c.CRM_PROJECT_RECORD_ID] == "p1"
    assert rows.loc["deal:2", c.CRM_PROJECT_RECORD_ID] == "p2"
    # two records: the newest shows, and the count says there are two
    assert rows.loc["deal:3", c.CRM_PROJECT_RECORD_ID] == "p4"
    assert rows.loc["deal:3", c.CRM_PROJECT_RECORD_COUNT] == 2
    assert rows.loc["deal:5", c.CRM_PROJECT_RECORD_COUNT] == 0


def test_the_join_does_not_touch_its_inputs(frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    before = [frame.copy(deep=True) for frame in frames]
    join_projects(*frames, CONVENTION)
    for original, after in zip(before, frames, strict=True):
        pd.testing.assert_frame_equal(original, after)


def test_empty_inputs_give_an_empty_join_with_every_column() -> None:
    empty_crm, empty_erp = crm(), erp()
    joined = join_projects(
        deals_frame(empty_crm), crm_projects_frame(empty_crm), erp_projects_frame(empty_erp), CONVENTION
    )
    assert len(joined) == 0
    assert {c.ROW_KEY, c.MATCH, c.FINANCIAL_OWNER, c.CRM_DEAL_ID, c.ERP_RECORD_ID} <= set(joined.columns)
