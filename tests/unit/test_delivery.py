"""Delivery status per won deal, for sales: status, milestones, progress, open tickets, billing, activity."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from dashboard import columns as c
from dashboard.transforms.delivery import delivery_status
from dashboard.transforms.margin import project_figures
from dashboard.transforms.thresholds import Thresholds
from services.models import CrmRecordId, Note, Ticket
from tests.unit.builders import actuals, crm, deal, erp, erp_project, joined, project_record, receivables

RID = CrmRecordId
AS_OF = date(2026, 11, 1)


def at(day: int, month: int = 10) -> datetime:
    return datetime(2026, month, day, 12, 0, tzinfo=UTC)


def ticket(
    ticket_id: str, kind: str, is_open: bool, created: datetime, closed: datetime | None = None
) -> Ticket:
    return Ticket.model_validate(
        {
            "ticket_id": ticket_id,
            "subject": ticket_id,
            "kind": kind,
            "is_open": is_open,
            "created_at": created,
            "closed_at": closed,
        }
    )


CRM = crm(
    deal(
        "1",
        "Bluefin – Data platform",
        "Bluefin",
        "PRJ-00001",
        updated_at=at(5),
        ticket_ids=(RID("t1"), RID("t2"), RID("t3"), RID("t4")),
        note_ids=(RID("n1"),),
    ),
    deal("2", "Acme – ERP rollout", "Acme", None, amount="40000", updated_at=at(1, 9)),
    deal("3", "Lost one", "Hooli", None, won=False),
    projects=(
        project_record(
            "r1",
            "1",
            status="in_progress",
            percent_complete=Decimal("0.4"),
            milestones_total=5,
            milestones_done=2,
            next_milestone="UAT",
            next_milestone_date=date(2026, 11, 20),
            updated_at=at(12),
        ),
    ),
    tickets=(
        ticket("t1", "incident", True, at(2)),
        ticket("t2", "incident", False, at(3), closed=at(20)),  # closed: not open, but the latest activity
        ticket("t3", "change_request", True, at(4)),
        ticket("t4", "presales", False, at(1, 2)),
    ),
    notes=(Note(note_id=RID("n1"), body="Steering committee", timestamp=at(15)),),
)
ERP = erp(
    erp_project("10", "PRJ-00001", "Data platform", "Bluefin"),
    actuals=(actuals("10", labor_cost="20000", invoiced="30000"),),
)


@pytest.fixture(scope="module")
def status() -> pd.DataFrame:
    table = joined(CRM, ERP)
    figures = project_figures(table, receivables(ERP), AS_OF, Thresholds())
    return delivery_status(table, figures).set_index(c.CRM_DEAL_ID)


def test_one_row_per_won_deal(status: pd.DataFrame) -> None:
    assert list(status.index) == ["1", "2"]


def test_a_running_project(status: pd.DataFrame) -> None:
    row = status.loc["1"]
    assert (row[c.PROJECT_STATUS], row[c.ERP_STATUS], row[c.ERP_PROJECT_ID]) == (
        "in_progress",
        "open",
        "PRJ-00001",
    )
    assert (row[c.MILESTONES_DONE], row[c.MILESTONES_TOTAL]) == (2, 5)
    assert (row[c.NEXT_MILESTONE], row[c.NEXT_MILESTONE_DATE]) == ("UAT", pd.Timestamp("2026-11-20"))
    assert (row[c.POC], row[c.POC_METHOD]) == (0.4, "reported")
    assert (row[c.OPEN_INCIDENTS], row[c.OPEN_CHANGE_REQUESTS]) == (1, 1)
    assert (row[c.INVOICED_AMOUNT], row[c.CONTRACT_VALUE_AMOUNT]) == (30_000, 100_000)
    assert row[c.BILLING_BURN_PCT] == pytest.approx(0.3)
    assert row[c.LAST_ACTIVITY_AT] == pd.Timestamp(at(20))  # ticket t2 closed after the note and updates


def test_a_deal_with_no_project_yet(status: pd.DataFrame) -> None:
    row = status.loc["2"]
    assert pd.isna(row[c.PROJECT_STATUS])
    assert pd.isna(row[c.ERP_PROJECT_ID])
    assert row[c.POC_METHOD] == "none"
    assert (row[c.OPEN_INCIDENTS], row[c.CONTRACT_VALUE_AMOUNT]) == (0, 40_000)
    assert pd.isna(row[c.INVOICED_AMOUNT])
    assert row[c.LAST_ACTIVITY_AT] == pd.Timestamp(at(1, 9))  # only the deal's own update
