"""Handover completeness per won deal: the nine items, score, missing items, days since close, overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from dashboard import columns as c
from dashboard.transforms.handover import handover_status
from dashboard.transforms.thresholds import Thresholds
from services.models import Contact, CrmRecordId, LineItem, Note, Ticket
from tests.unit.builders import crm, deal, erp, erp_project, joined, project_record

AS_OF = date(2026, 11, 1)
RID = CrmRecordId
COMPLETE = {
    "scope_summary": "Data platform on Azure, 3 phases",
    "proposal_version": "v3 signed",
    "primary_contact_id": RID("c1"),
    "line_item_ids": (RID("li1"),),
    "ticket_ids": (RID("t1"),),
    "note_ids": (RID("n1"),),
}
CRM = crm(
    deal("1", "Complete", "Bluefin", "PRJ-00001", close=date(2026, 7, 1), **COMPLETE),
    deal(
        "2", "Bare", "Acme", None, close=date(2026, 10, 1), line_item_ids=(RID("li2"),), note_ids=(RID("n2"),)
    ),
    deal("3", "Fresh", "Globex", "PRJ-00003", close=date(2026, 10, 22), scope_summary="  "),
    deal("4", "Dangling", "Initech", "PRJ-00099", close=None, **COMPLETE),
    deal("5", "Still open", "Hooli", None, won=False),
    projects=(project_record("r1", "1"), project_record("r4", "4")),
    contacts=(Contact(contact_id=RID("c1"), name="Dana Scully"),),
    line_items=(
        LineItem(
            line_item_id=RID("li1"), name="Build", quantity=Decimal(1), price=Decimal(9), amount=Decimal(9)
        ),
        LineItem(
            line_item_id=RID("li2"), name="Run", quantity=Decimal(1), price=Decimal(5), amount=Decimal(5)
        ),
    ),
    tickets=(
        Ticket(ticket_id=RID("t1"), subject="Scoping", kind="presales", is_open=False, created_at=None),
    ),
    notes=(
        Note(note_id=RID("n1"), body="Kick-off booked", timestamp=datetime(2026, 7, 2, tzinfo=UTC)),
        Note(note_id=RID("n2"), body="Waiting for PO", timestamp=datetime(2026, 10, 2, tzinfo=UTC)),
    ),
)
ERP = erp(
    erp_project("10", "PRJ-00001", "Data platform", "Bluefin"),
    erp_project("30", "PRJ-00003", "Portal", "Globex"),
)


@pytest.fixture(scope="module")
def status() -> pd.DataFrame:
    return handover_status(joined(CRM, ERP), AS_OF, Thresholds()).set_index(c.CRM_DEAL_ID)


def test_one_row_per_won_deal(status: pd.DataFrame) -> None:
    assert list(status.index) == ["1", "2", "3", "4"]


def test_a_complete_handover_scores_one_and_is_never_overdue(status: pd.DataFrame) -> None:
    row = status.loc["1"]
    assert row[c.HANDOVER_SCORE] == 1.0
    assert row[c.MISSING_ITEMS] == ()
    assert row[c.DAYS_SINCE_CLOSE] == 123  # 1 July to 1 November
    assert not row[c.HANDOVER_OVERDUE]


def test_a_bare_handover_lists_what_is_missing_and_is_overdue_after_14_days(status: pd.DataFrame) -> None:
    row = status.loc["2"]
    assert row[c.HANDOVER_SCORE] == pytest.approx(2 / 9)  # pricing and notes only
    assert row[c.MISSING_ITEMS] == (
        "project record",
        "ERP project ID",
        "valid ERP project ID",
        "scope",
        "primary contact",
        "signed proposal version",
        "pre-sales ticket",
    )
    assert row[c.DAYS_SINCE_CLOSE] == 31
    assert row[c.HANDOVER_OVERDUE]


def test_an_incomplete_but_recent_handover_is_not_yet_overdue(status: pd.DataFrame) -> None:
    row = status.loc["3"]
    assert row[c.DAYS_SINCE_CLOSE] == 10
    assert (row[c.ID_PRESENT], row[c.ID_VALID], row[c.HAS_SCOPE]) == (
        True,
        True,
        False,
    )  # blank scope is none
    assert row[c.HANDOVER_SCORE] == pytest.approx(2 / 9)
    assert not row[c.HANDOVER_OVERDUE]


def test_an_id_naming_no_erp_project_is_present_but_not_valid(status: pd.DataFrame) -> None:
    row = status.loc["4"]
    assert (row[c.ID_PRESENT], row[c.ID_VALID]) == (True, False)
    assert row[c.MISSING_ITEMS] == ("valid ERP project ID",)
    assert pd.isna(row[c.DAYS_SINCE_CLOSE])  # no close date: cannot be overdue
    assert not row[c.HANDOVER_OVERDUE]


def test_the_overdue_threshold_is_an_argument() -> None:
    status = handover_status(joined(CRM, ERP), AS_OF, Thresholds(handover_overdue_days=7))
    assert status.set_index(c.CRM_DEAL_ID).loc["3", c.HANDOVER_OVERDUE]


def test_pricing_and_notes_count_from_the_deal_associations_even_unread() -> None:
    # The snapshot may carry only the associations, not the line item and note records themselves.
    lean = crm(
        deal(
            "9", "Lean", "Bluefin", "PRJ-00001", line_item_ids=(RID("li9"),), note_ids=(RID("n9"), RID("n10"))
        )
    )
    row = handover_status(joined(lean, ERP), AS_OF, Thresholds()).iloc[0]
    assert (row[c.HAS_PRICING], row[c.HAS_NOTES]) == (True, True)
