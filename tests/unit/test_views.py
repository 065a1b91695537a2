"""The pages' shaping functions: filters, project choices and deep links, drill-down, activity, settings."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
import pytest

from dashboard import columns as c
from dashboard import views as v
from dashboard.export import to_csv_bytes
from dashboard.settings import load_settings
from dashboard.transforms.audit import Finding
from dashboard.transforms.ids import IdConvention
from dashboard.ui.tables import labelled
from services.hubspot import PortalNames
from services.models import (
    CrmDealId,
    CrmRecordId,
    CrmSnapshot,
    Deal,
    ErpDocumentLine,
    ErpProjectId,
    ErpRecordId,
    LineItem,
    Note,
    Ticket,
)

CONVENTION = IdConvention("PRJ", "-", 5)
NAN = float("nan")


def figures() -> pd.DataFrame:
    """Four project rows: two linked deals sharing PRJ-00042, one deal without ERP, one ERP-only project."""
    return pd.DataFrame(
        {
            c.ROW_KEY: ["deal:1", "deal:2", "deal:3", "erp:9"],
            c.CRM_DEAL_ID: ["1", "2", "3", None],
            c.ERP_RECORD_ID: ["7", "7", None, "9"],
            c.ERP_PROJECT_ID: ["PRJ-00042", "PRJ-00042", None, "PRJ-00099"],
            c.PROJECT_LABEL: ["Acme – Portal", "Acme – Portal phase 2", "Bolt – App", "Internal – Wiki"],
            c.CUSTOMER_NAME: ["Acme", "Acme", "Bolt", "Demo Inc."],
            c.OWNER_NAME: ["Ann", "Ann", "Ben", None],
            c.MATCH: ["linked", "linked", "deal_only", "erp_only"],
            c.FINANCIAL_OWNER: [False, True, True, True],
            c.CURRENCY: ["USD", "USD", "EUR", "USD"],
            c.EROSION_PP: [2.0, 12.5, NAN, 7.0],
            c.EROSION_FLAG: [False, True, False, True],
            c.OVERRUN_FLAG: [False, False, False, True],
            c.OVERDUE_FLAG: [True, False, False, False],
        }
    )


def joined() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c.ROW_KEY: ["deal:1", "deal:2", "deal:3", "erp:9", "deal:5"],
            c.CLOSE_DATE: pd.to_datetime(["2026-01-15", "2026-03-01", "2026-06-30", None, "2026-02-01"]),
            c.ERP_STATUS: ["open", "closed", None, "open", None],
        }
    )


def rows() -> pd.DataFrame:
    return v.margin_rows(figures(), joined())


def test_margin_rows_add_close_date_and_erp_status_by_row_key() -> None:
    out = rows()
    assert len(out) == 4  # the lost deal 5 of the joined frame is not a project row
    assert out.set_index(c.ROW_KEY)[c.ERP_STATUS].fillna("-").to_dict() == {
        "deal:1": "open",
        "deal:2": "closed",
        "deal:3": "-",
        "erp:9": "open",
    }
    assert out.loc[out[c.ROW_KEY] == "deal:2", c.CLOSE_DATE].iloc[0] == pd.Timestamp("2026-03-01")


def test_choices_are_sorted_with_none_last() -> None:
    assert v.choices(rows(), c.OWNER_NAME) == ["Ann", "Ben", "(none)"]
    assert v.choices(rows(), c.CURRENCY) == ["EUR", "USD"]


def test_no_filter_keeps_every_row_most_eroded_first() -> None:
    out = v.filter_margin(rows(), v.MarginFilter())
    assert list(out[c.ROW_KEY]) == ["deal:2", "erp:9", "deal:1", "deal:3"]  # NaN erosion last


def test_filters_combine_and_none_selects_missing_values() -> None:
    assert list(v.filter_margin(rows(), v.MarginFilter(owners=("Ann",)))[c.ROW_KEY]) == ["deal:2", "deal:1"]
    assert list(v.filter_margin(rows(), v.MarginFilter(owners=("(none)",)))[c.ROW_KEY]) == ["erp:9"]
    both = v.MarginFilter(owners=("Ann",), statuses=("open",))
    assert list(v.filter_margin(rows(), both)[c.ROW_KEY]) == ["deal:1"]
    assert list(v.filter_margin(rows(), v.MarginFilter(currencies=("EUR",)))[c.ROW_KEY]) == ["deal:3"]
    assert list(v.filter_margin(rows(), v.MarginFilter(customers=("Bolt", "Demo Inc.")))[c.ROW_KEY]) == [
        "erp:9",
        "deal:3",
    ]


def test_flag_filter_keeps_rows_with_any_chosen_flag() -> None:
    any_of = v.MarginFilter(flags=(c.OVERDUE_FLAG, c.OVERRUN_FLAG))
    assert list(v.filter_margin(rows(), any_of)[c.ROW_KEY]) == ["erp:9", "deal:1"]


def test_close_date_range_is_inclusive_and_drops_rows_without_a_date() -> None:
    spring = v.MarginFilter(closed_from=date(2026, 3, 1), closed_to=date(2026, 6, 30))
    assert list(v.filter_margin(rows(), spring)[c.ROW_KEY]) == ["deal:2", "deal:3"]
    since = v.MarginFilter(closed_from=date(2026, 1, 16))
    assert set(v.filter_margin(rows(), since)[c.ROW_KEY]) == {"deal:2", "deal:3"}


def test_project_labels_say_which_project_it_is() -> None:
    labels = v.project_choices(figures())
    assert labels == {
        "deal:1": "Acme – Portal (PRJ-00042)",
        "deal:2": "Acme – Portal phase 2 (PRJ-00042)",
        "deal:3": "Bolt – App (deal 3, no project ID)",
        "erp:9": "Internal – Wiki (PRJ-00099)",
    }
    assert list(labels) == ["deal:1", "deal:2", "deal:3", "erp:9"]  # ordered by label


@pytest.mark.parametrize(
    ("link", "row_key"),
    [
        ("PRJ-00099", "erp:9"),
        ("prj 99", "erp:9"),  # typed as people type it
        ("PRJ-00042", "deal:2"),  # shared ID: the row that carries the ERP money
        ("1", "deal:1"),  # a HubSpot deal id
        ("erp:9", "erp:9"),  # a row key
        ("PRJ-00777", None),
        ("OTHER-1", None),
        ("", None),
        (None, None),
    ],
)
def test_find_project_reads_ids_deal_ids_and_row_keys(link: str | None, row_key: str | None) -> None:
    assert v.find_project(figures(), link, CONVENTION) == row_key


def test_project_param_prefers_the_project_id_then_the_deal_id() -> None:
    f = figures().set_index(c.ROW_KEY, drop=False)
    assert v.project_param(f.loc["deal:1"]) == "PRJ-00042"
    assert v.project_param(f.loc["deal:3"]) == "3"


def line(section: str, amount: str, day: int, **extra: object) -> ErpDocumentLine:
    return ErpDocumentLine.model_validate(
        {
            "erp_record_id": ErpRecordId("7"),
            "section": section,
            "date": date(2026, 10, day),
            "document": f"{section}-{day}",
            "amount": Decimal(amount),
            "currency": "USD",
            **extra,
        }
    )


def test_profit_lines_take_the_figures_and_list_their_documents() -> None:
    docs = v.documents_frame(
        [
            line("labor", "100.50", 3, hours=Decimal("2.5")),
            line("labor", "50.25", 9),
            line("invoice", "1000", 5),
            line("vendor", "80", 4),
        ]
    )
    assert list(docs[c.LINE_DATE].dt.day) == [9, 5, 4, 3]  # newest first
    figures_row = pd.Series(
        {
            c.INVOICED_AMOUNT: 1000.0,
            c.REMAINING_TO_INVOICE_AMOUNT: 500.0,
            c.LABOR_COST_AMOUNT: 150.75,
            c.VENDOR_COST_AMOUNT: 80.0,
            c.OTHER_COST_AMOUNT: 0.0,
        }
    )
    lines = v.profit_lines(figures_row, docs)
    assert [(line.label, amount) for line, amount in lines] == [
        ("Invoiced", 1000.0),
        ("To invoice", 500.0),
        ("Labor (timesheets)", 150.75),
        ("Vendor bills", 80.0),
        ("Other costs", 0.0),
    ]  # no other-revenue line: the project has no such document
    labor = v.line_documents(docs, lines[2][0])
    assert labor[c.LINE_AMOUNT].sum() == pytest.approx(150.75)
    assert labor[c.HOURS].tolist()[1] == 2.5


def test_other_revenue_shows_only_when_documents_exist_and_sums_them() -> None:
    docs = v.documents_frame([line("other_revenue", "30", 1), line("other_revenue", "12.5", 2)])
    figures_row = pd.Series(dict.fromkeys(
        [c.INVOICED_AMOUNT, c.REMAINING_TO_INVOICE_AMOUNT, c.LABOR_COST_AMOUNT, c.VENDOR_COST_AMOUNT,
         c.OTHER_COST_AMOUNT], 0.0))  # fmt: skip
    amounts = {line.label: amount for line, amount in v.profit_lines(figures_row, docs)}
    assert amounts["Other revenue"] == 42.5


def test_line_items_keep_quantity_price_and_amount() -> None:
    item = LineItem(
        line_item_id=CrmRecordId("5"), name="Workshop", quantity=Decimal(3), price=Decimal(1400), amount=None
    )
    frame = v.line_items_frame([item])
    assert frame.iloc[0].to_dict() == {
        c.ITEM_NAME: "Workshop",
        c.QUANTITY: 3.0,
        c.UNIT_PRICE_AMOUNT: 1400.0,
        c.LINE_AMOUNT: pytest.approx(NAN, nan_ok=True),
    }


def at(day: int) -> datetime:
    return datetime(2026, 10, day, 9, 0, tzinfo=UTC)


def test_activity_pins_open_incidents_then_lists_the_newest_first() -> None:
    tickets = (
        Ticket(
            ticket_id=CrmRecordId("t1"), subject="Outage", kind="incident", is_open=True, created_at=at(20)
        ),
        Ticket(
            ticket_id=CrmRecordId("t2"), subject="Other deal", kind="other", is_open=True, created_at=at(1)
        ),
        Ticket(
            ticket_id=CrmRecordId("t3"), subject=None, kind="change_request", is_open=False, created_at=None
        ),
    )
    deal = Deal(crm_deal_id=CrmDealId("1"), name="Acme", stage="won", ticket_ids=(CrmRecordId("t1"), "t3"))
    crm = CrmSnapshot(deals=(deal,), tickets=tickets, read_at=at(30))
    notes = [
        Note(note_id=CrmRecordId("n1"), body="<p>Kick-off &amp; <b>plan</b></p>", timestamp=at(5)),
        Note(note_id=CrmRecordId("n2"), body="Follow-up", timestamp=at(25)),
    ]
    frame = v.activity_frame(crm, deal, notes)
    assert frame[[c.ACTIVITY_KIND, c.ACTIVITY_TEXT, c.ACTIVITY_STATE]].to_numpy().tolist() == [
        ["Incident", "Outage", "open"],  # pinned, though older than the follow-up
        ["Note", "Follow-up", ""],  # then the newest first
        ["Note", "Kick-off & plan", ""],
        ["Change request", "(no subject)", "closed"],  # undated: last
    ]


def test_note_text_is_plain() -> None:
    assert v.note_text("<p>Line one</p><p>line&nbsp;two</p>") == "Line one line two"
    assert v.note_text(None) == "(empty note)"


def delivery() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c.DEAL_NAME: ["A", "B", "C", "D"],
            c.OWNER_NAME: ["Ann", "Ben", "Ann", None],
            c.OPEN_INCIDENTS: pd.array([0, 2, 1, 0], dtype="Int64"),
            c.OPEN_CHANGE_REQUESTS: pd.array([1, 0, 0, 3], dtype="Int64"),
            c.NEXT_MILESTONE_DATE: pd.to_datetime(["2026-12-01", None, "2026-11-20", "2026-11-10"]),
            c.ERP_STATUS: ["open", "open", "closed", None],
        }
    )


def test_delivery_rows_filter_by_owner_and_incidents_with_incidents_first() -> None:
    assert list(v.delivery_rows(delivery())[c.DEAL_NAME]) == ["B", "C", "D", "A"]
    assert list(v.delivery_rows(delivery(), "Ann")[c.DEAL_NAME]) == ["C", "A"]
    assert list(v.delivery_rows(delivery(), "(none)")[c.DEAL_NAME]) == ["D"]
    assert list(v.delivery_rows(delivery(), only_incidents=True)[c.DEAL_NAME]) == ["B", "C"]


def test_delivery_summary_counts() -> None:
    summary = v.delivery_summary(v.delivery_rows(delivery()))
    assert summary == v.DeliverySummary(
        deals=4, open_projects=2, open_incidents=3, open_change_requests=4, with_incidents=("B", "C")
    )


def test_settings_rows_mask_every_secret() -> None:
    settings = load_settings(
        odoo={"api_key": "odoo-key-123456"},
        tryton={"password": "tryton-pass-987"},
        store={"database_url": "postgresql+psycopg://app:db-pass-555@db.internal:5432/throughline"},
    )
    frame = v.settings_rows(settings)
    text = frame.to_csv()
    for secret in ("odoo-key-123456", "tryton-pass-987", "db-pass-555", "sandbox-token", "sandbox-key"):
        assert secret not in text
    values = frame.set_index([c.SETTING_SECTION, c.SETTING_NAME])[c.SETTING_VALUE]
    assert values["odoo", "api_key"] == v.MASK
    assert values["store", "database_url"] == v.MASK
    assert values["sandbox", "token"] == v.MASK
    assert values["hubspot", "token"] == "not set"
    assert values["thresholds", "erosion_alert_pp"] == "5.0"
    assert values["general", "cache_ttl_s"] == "60"
    shown = list(v.property_rows(frame)[c.SETTING_NAME])
    assert shown[:4] == [
        "project_id_property",
        "estimated_margin_property",
        "scope_property",
        "proposal_version_property",
    ]
    assert shown == list(PortalNames.model_fields)  # every name the portal may call its own


def test_connected_systems_show_addresses_without_credentials() -> None:
    settings = load_settings(
        sandbox={"crm_port": 9101, "erp_port": 9102},
        store={"database_url": "postgresql+psycopg://app:db-pass-555@db.internal:5432/throughline"},
    )
    frame = v.connected_systems(settings)
    assert frame.to_numpy().tolist() == [
        ["CRM", "HubSpot sandbox", "http://127.0.0.1:9101"],
        ["ERP", "Odoo sandbox", "http://127.0.0.1:9102"],
        ["Store", "postgresql+psycopg", "postgresql+psycopg://db.internal:5432/throughline"],
    ]
    assert v.without_credentials("https://u:p@acme.odoo.com/x?key=abc") == "https://acme.odoo.com/x"


def test_the_margin_export_has_the_page_headers_and_no_formula() -> None:
    frame = rows().assign(**{c.PROJECT_LABEL: ["=HYPERLINK(1)", "Acme – Portal phase 2", "+1", "@SUM(A1)"]})
    export = labelled(v.filter_margin(frame, v.MarginFilter()), c.MARGIN_TABLE)
    lines = to_csv_bytes(export).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Project,Customer,Owner,Ccy")  # the deciding columns first
    header = lines[0].split(",")
    first = dict(zip(header, next(csv.reader([lines[1]])), strict=False))
    assert (first["Project"], first["Project ID"], first["Customer"], first["Owner"]) == (
        "Acme – Portal phase 2", "PRJ-00042", "Acme", "Ann",
    )  # fmt: skip
    assert (first["ERP status"], first["Closed"]) == ("Closed", "2026-03-01")  # the status in words
    assert [line.split(",")[0] for line in lines[2:]] == ["'@SUM(A1)", "'=HYPERLINK(1)", "'+1"]


def test_the_next_milestone_says_its_days_to_due_or_that_it_is_overdue() -> None:
    today = date(2026, 12, 3)
    assert v.milestone_due("Go-live", pd.Timestamp("2026-12-08"), today) == "Go-live · due in 5 days"
    assert v.milestone_due("Go-live", pd.Timestamp("2026-11-30"), today) == "Go-live · OVERDUE 3 days late"
    assert v.milestone_due("Go-live", pd.NaT, today) == "Go-live"
    assert v.milestone_due(None, pd.Timestamp("2026-11-30"), today) == "—"


def test_the_customer_filter_leaves_only_that_customers_deals() -> None:
    rows = delivery().assign(**{c.CUSTOMER_NAME: ["Acme", "Bluefin", "Acme", None]})
    assert v.delivery_rows(rows, customers=("Acme",))[c.DEAL_NAME].tolist() == ["C", "A"]
    assert v.delivery_rows(rows, customers=("(none)",))[c.DEAL_NAME].tolist() == ["D"]


def test_a_bulk_accept_pattern_names_the_findings_it_accepts() -> None:
    def orphan(code: str, message: str) -> Finding:
        return Finding(
            kind="orphan",
            severity="low",
            message=message,
            crm_deal_id=None,
            erp_project_id=ErpProjectId(code),
        )

    findings = [
        orphan("PRJ-00901", "Internal tools: no won deal names it"),
        orphan("PRJ-00902", "Internal training: no won deal names it"),
        orphan("PRJ-00903", "Acme portal: no won deal names it"),
    ]
    assert [f.erp_project_id for f in v.findings_matching(findings, "orphan", "internal*")] == [
        "PRJ-00901",
        "PRJ-00902",
    ]
    assert [f.erp_project_id for f in v.findings_matching(findings, "orphan", "acme")] == ["PRJ-00903"]
    assert v.findings_matching(findings, "orphan", "  ") == []  # nothing named, nothing accepted
    assert v.findings_matching(findings, "missing", "internal*") == []
