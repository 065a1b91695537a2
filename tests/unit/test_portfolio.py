"""The demo portfolio: exact sizes, deterministic problems, HubSpot value formats, consistent Odoo money."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, SQLModel, select

from sandbox import crm_schema as cs
from sandbox.db import AccountAnalyticLine, make_engine
from sandbox.portfolio import MALFORMED_VARIANTS, Portfolio, manifest, plan_portfolio, write_portfolio

AS_OF = date(2026, 3, 1)
INSTANT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")  # Java Instant.toString
CANONICAL = re.compile(r"^PRJ-\d{5}$")


@dataclass
class Written:
    portfolio: Portfolio
    engine: Engine

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.exec_driver_sql(sql, params).all()]

    def objects(self, object_type: str) -> dict[int, dict[str, str | None]]:
        found = self.rows("SELECT id, properties FROM crm_object WHERE object_type = ?", object_type)
        return {object_id: json.loads(props) for object_id, props in found}


def _write(path: Path, **kwargs: Any) -> Written:
    portfolio = plan_portfolio(as_of=AS_OF, **kwargs)
    engine = make_engine(path)
    write_portfolio(engine, portfolio)
    return Written(portfolio, engine)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Written]:
    written = _write(tmp_path_factory.mktemp("portfolio") / "demo.sqlite", deals=300, seed=7)
    yield written
    written.engine.dispose()


def _deal_of(demo: Written, deal_id: str | None) -> dict[str, str | None]:
    return demo.objects("deals")[int(str(deal_id))]


def _erp_codes(demo: Written) -> set[str]:
    return {code for (code,) in demo.rows("SELECT code FROM account_analytic_account")}


def _variant(raw: str, expected: str) -> str:
    """Which malformed variant `raw` is of `expected`, by the rule a person would apply."""
    number = expected.removeprefix("PRJ-")
    checks = {
        "lower_case": raw == expected.lower(),
        "no_dash": raw == expected.replace("-", ""),
        "unpadded": raw == f"PRJ-{int(number)}",
        "spaces": raw != expected and raw.strip() == expected,
        "unicode_dash": raw in (expected.replace("-", "–"), expected.replace("-", "‐")),
        "prefix": raw in (f"#{expected}", f"ID {expected}"),
    }
    matched = [name for name, ok in checks.items() if ok]
    assert len(matched) == 1, (raw, expected, matched)
    return matched[0]


# --- sizes and determinism --------------------------------------------------------------------------


@pytest.mark.parametrize("deals", [50, 300])
def test_the_database_holds_exactly_the_requested_number_of_deals(tmp_path: Path, deals: int) -> None:
    written = _write(tmp_path / "n.sqlite", deals=deals, seed=11)
    assert written.rows("SELECT COUNT(*) FROM crm_object WHERE object_type = 'deals'") == [(deals,)]
    written.engine.dispose()


def test_stages_and_currencies_follow_the_agreed_shares(demo: Written) -> None:
    deals = demo.objects("deals").values()
    stages = Counter("won" if d["dealstage"] == "closedwon" else "lost" if d["dealstage"] == "closedlost"
                     else "open" for d in deals)  # fmt: skip
    assert stages == {"won": 210, "open": 45, "lost": 45}
    currencies = Counter(d["deal_currency_code"] for d in deals)
    assert set(currencies) == {"USD", "EUR", "GBP"}
    assert currencies["USD"] > 250  # about 92 % of 300


def test_the_same_deals_and_seed_give_the_same_manifest_and_another_seed_does_not() -> None:
    first = manifest(deals=300, seed=7)
    assert manifest(deals=300, seed=7) == first
    assert manifest(deals=300, seed=8) != first
    assert plan_portfolio(deals=300, seed=7, as_of=AS_OF).manifest() == first


def test_as_of_shifts_dates_but_keeps_ids_and_problems() -> None:
    early = plan_portfolio(deals=60, seed=5, as_of=date(2025, 1, 1))
    late = plan_portfolio(deals=60, seed=5, as_of=date(2025, 1, 31))
    assert early.problems == late.problems
    early_deals = {r["id"]: json.loads(r["properties"]) for r in early.records("crm_object")
                   if r["object_type"] == "deals"}  # fmt: skip
    late_deals = {r["id"]: json.loads(r["properties"]) for r in late.records("crm_object")
                  if r["object_type"] == "deals"}  # fmt: skip
    assert early_deals.keys() == late_deals.keys()
    some_id = min(early_deals)
    shifted = datetime.fromisoformat(str(late_deals[some_id]["closedate"]))
    assert shifted - datetime.fromisoformat(str(early_deals[some_id]["closedate"])) == timedelta(days=30)
    assert early_deals[some_id]["dealname"] == late_deals[some_id]["dealname"]


@pytest.mark.parametrize(("deals", "problems"), [(1, 0), (39, 3), (40, 12)])
def test_small_portfolios_carry_what_their_won_deals_allow(deals: int, problems: int) -> None:
    portfolio = plan_portfolio(deals=deals, seed=4, as_of=AS_OF)
    codes = {r["code"] for r in portfolio.records("account_analytic_account")}
    assert len(portfolio.problems) == problems
    assert all(p.erp_project_id in codes for p in portfolio.problems)


# --- the deliberate ID problems ---------------------------------------------------------------------


def test_300_deals_carry_the_agreed_number_of_each_problem(demo: Written) -> None:
    kinds = Counter(p["kind"] for p in demo.portfolio.manifest())
    # duplicates are listed per deal: two pairs make four rows
    assert kinds == {"missing": 4, "malformed": 6, "dangling": 3, "duplicate": 4, "orphan": 5, "conflict": 3}


@pytest.mark.parametrize("deals", [40, 300, 2000])
def test_every_malformed_variant_occurs(deals: int) -> None:
    malformed = [p for p in manifest(deals=deals, seed=3) if p["kind"] == "malformed"]
    variants = {_variant(str(p["raw_id"]), str(p["expected_id"])) for p in malformed}
    assert variants == set(MALFORMED_VARIANTS)


def test_every_expected_id_is_an_erp_project_code(demo: Written) -> None:
    codes = _erp_codes(demo)
    expected = {p["expected_id"] for p in demo.portfolio.manifest() if p["expected_id"] is not None}
    assert expected <= codes
    assert {p["erp_project_id"] for p in demo.portfolio.manifest()} <= codes


def test_no_deal_carries_two_problems(demo: Written) -> None:
    deal_ids = [p["crm_deal_id"] for p in demo.portfolio.manifest() if p["crm_deal_id"] is not None]
    assert len(deal_ids) == len(set(deal_ids)) == 20


def test_each_deal_stores_its_raw_id_exactly(demo: Written) -> None:
    for problem in demo.portfolio.manifest():
        if problem["crm_deal_id"] is not None:
            assert _deal_of(demo, problem["crm_deal_id"])[cs.DEAL_PROJECT_ID] == problem["raw_id"]


def test_dangling_ids_look_canonical_but_name_no_erp_project(demo: Written) -> None:
    dangling = [p for p in demo.portfolio.manifest() if p["kind"] == "dangling"]
    for problem in dangling:
        assert CANONICAL.match(str(problem["raw_id"]))
        assert problem["raw_id"] not in _erp_codes(demo)


def test_duplicates_share_one_id_and_the_follow_on_has_an_unreferenced_project(demo: Written) -> None:
    duplicates = [p for p in demo.portfolio.manifest() if p["kind"] == "duplicate"]
    referenced = {d[cs.DEAL_PROJECT_ID] for d in demo.objects("deals").values()}
    for shared in {p["erp_project_id"] for p in duplicates}:
        pair = [p for p in duplicates if p["erp_project_id"] == shared]
        owner = next(p for p in pair if p["expected_id"] == shared)
        follow_on = next(p for p in pair if p["expected_id"] != shared)
        assert [p["raw_id"] for p in pair] == [shared, shared]
        assert follow_on["expected_id"] in _erp_codes(demo)
        assert follow_on["expected_id"] not in referenced
        owner_name = str(_deal_of(demo, owner["crm_deal_id"])["dealname"])
        assert _deal_of(demo, follow_on["crm_deal_id"])["dealname"] == f"{owner_name} (phase 2)"


def test_unlinked_deals_have_a_recognisable_erp_project(demo: Written) -> None:
    companies = demo.objects("companies")
    company_of = dict(demo.rows("SELECT from_id, to_id FROM crm_association WHERE from_type = 'deals' "
                                "AND to_type = 'companies'"))  # fmt: skip
    erp = {code: (name, partner) for code, name, partner in demo.rows(
        "SELECT a.code, p.name, r.name FROM account_analytic_account a JOIN project_project p "
        "ON p.analytic_account_id = a.id JOIN res_partner r ON r.id = p.partner_id")}  # fmt: skip
    unlinked = [p for p in demo.portfolio.manifest() if p["kind"] in ("missing", "dangling", "duplicate")
                and p["expected_id"] != p["raw_id"]]  # fmt: skip
    assert len(unlinked) == 4 + 3 + 2
    for problem in unlinked:
        deal_id = int(str(problem["crm_deal_id"]))
        deal = demo.objects("deals")[deal_id]
        assert erp[str(problem["expected_id"])] == (deal["dealname"], companies[company_of[deal_id]]["name"])


def test_conflicts_bill_another_legal_entity_and_clean_deals_the_crm_company(demo: Written) -> None:
    companies = demo.objects("companies")
    company_of = dict(demo.rows("SELECT from_id, to_id FROM crm_association WHERE from_type = 'deals' "
                                "AND to_type = 'companies'"))  # fmt: skip
    partner_of = dict(demo.rows("SELECT a.code, r.name FROM account_analytic_account a "
                                "JOIN res_partner r ON r.id = a.partner_id"))  # fmt: skip
    conflicts = {p["crm_deal_id"] for p in demo.portfolio.manifest() if p["kind"] == "conflict"}
    troubled = {p["crm_deal_id"] for p in demo.portfolio.manifest()}
    for deal_id, deal in demo.objects("deals").items():
        code, crm_name = deal[cs.DEAL_PROJECT_ID], companies[company_of[deal_id]]["name"]
        if str(deal_id) in conflicts:
            assert partner_of[code] != crm_name
            assert str(crm_name).split()[0] not in str(partner_of[code])
        elif code is not None and str(deal_id) not in troubled:
            assert partner_of[code] == crm_name


def test_orphans_are_internal_work_with_no_deal(demo: Written) -> None:
    orphans = {p["erp_project_id"] for p in demo.portfolio.manifest() if p["kind"] == "orphan"}
    referenced = {d[cs.DEAL_PROJECT_ID] for d in demo.objects("deals").values()}
    names = dict(demo.rows("SELECT code, name FROM account_analytic_account"))
    assert len(orphans) == 5
    assert not orphans & referenced
    assert all(names[code].startswith(("Internal – ", "Pre-sales pilot")) for code in orphans)


def test_open_and_lost_deals_carry_no_project_id(demo: Written) -> None:
    for deal in demo.objects("deals").values():
        if deal["dealstage"] != "closedwon":
            assert deal[cs.DEAL_PROJECT_ID] is None


# --- HubSpot's side ---------------------------------------------------------------------------------


def test_properties_are_strings_in_hubspots_formats(demo: Written) -> None:
    for object_type in cs.PROPERTIES:
        for record_id, props in demo.objects(object_type).items():
            assert set(props) == set(cs.PROPERTIES[object_type])  # every defined property, unset ones null
            assert all(value is None or isinstance(value, str) for value in props.values())
            assert props["hs_object_id"] == str(record_id)
    deals = list(demo.objects("deals").values())
    assert all(INSTANT.match(str(d["closedate"])) and INSTANT.match(str(d["createdate"])) for d in deals)
    assert {"." in str(d["closedate"]) for d in deals} == {True, False}  # milliseconds dropped when zero
    assert {
        d["amount"] for d in deals if d["amount"] and "." in d["amount"]
    }  # "48500.00" and "48500" both occur
    assert {d["amount"] for d in deals if d["amount"] and "." not in d["amount"]}
    won = [d for d in deals if d["dealstage"] == "closedwon"]
    assert all(15 <= float(str(d[cs.DEAL_EST_MARGIN])) <= 45 for d in won)
    assert {d["hs_deal_stage_probability"] for d in won} == {"1"}


def test_line_items_add_up_to_the_deal_amount(demo: Written) -> None:
    items = demo.objects("line_items")
    totals: dict[int, Decimal] = {}
    for deal_id, item_id in demo.rows("SELECT from_id, to_id FROM crm_association WHERE from_type = 'deals' "
                                      "AND to_type = 'line_items'"):  # fmt: skip
        item = items[item_id]
        assert Decimal(str(item["quantity"])) * Decimal(str(item["price"])) == Decimal(str(item["amount"]))
        totals[deal_id] = totals.get(deal_id, Decimal(0)) + Decimal(str(item["amount"]))
    deals = demo.objects("deals")
    assert len(totals) > 150
    assert all(total == Decimal(str(deals[deal_id]["amount"])) for deal_id, total in totals.items())


def test_every_association_is_stored_in_both_directions(demo: Written) -> None:
    rows = set(
        demo.rows("SELECT from_type, from_id, to_type, to_id, type_id, category, label FROM crm_association")
    )
    reverse_label = {cs.PRIMARY_CONTACT_TYPE_ID: cs.PRIMARY_CONTACT_REVERSE_TYPE_ID,
                     cs.PRIMARY_CONTACT_REVERSE_TYPE_ID: cs.PRIMARY_CONTACT_TYPE_ID}  # fmt: skip
    for from_type, from_id, to_type, to_id, type_id, category, label in rows:
        back = reverse_label.get(type_id, cs.ASSOCIATION_TYPES.get((to_type, from_type)))
        assert (to_type, to_id, from_type, from_id, back, category, label) in rows
    deal_project = [r for r in rows if r[0] == "deals" and r[2] == cs.CUSTOM_OBJECT]
    assert deal_project
    assert {r[5] for r in deal_project} == {"USER_DEFINED"}


def test_won_deals_link_company_contacts_and_a_primary_contact(demo: Written) -> None:
    links = Counter(
        demo.rows("SELECT from_id, to_type, type_id FROM crm_association WHERE from_type = 'deals'")
    )
    won = [i for i, d in demo.objects("deals").items() if d["dealstage"] == "closedwon"]
    assert all(links[(i, "companies", 5)] == 1 for i in won)
    assert all(1 <= links[(i, "contacts", 3)] <= 3 for i in won)
    labelled = sum(links[(i, "contacts", cs.PRIMARY_CONTACT_TYPE_ID)] for i in won)
    assert 0.85 * len(won) <= labelled < len(won)  # a few handover gaps on purpose


def test_project_records_mirror_their_deal(demo: Written) -> None:
    deals, records = demo.objects("deals"), demo.objects(cs.CUSTOM_OBJECT)
    pairs = demo.rows(f"SELECT from_id, to_id FROM crm_association WHERE from_type = 'deals' "
                      f"AND to_type = '{cs.CUSTOM_OBJECT}'")  # fmt: skip
    won = sum(d["dealstage"] == "closedwon" for d in deals.values())
    assert 0.85 * won <= len(pairs) <= 0.97 * won
    for deal_id, record_id in pairs:
        deal, record = deals[deal_id], records[record_id]
        assert record["erp_project_id"] == deal[cs.DEAL_PROJECT_ID]
        assert record["project_name"] == deal["dealname"]
        assert record["contract_value"] == deal["amount"]
        assert record["project_status"] in ("planning", "in_progress", "on_hold", "completed")
    empty_percent = sum(r["percent_complete"] is None for r in records.values())
    assert 0.2 * len(records) <= empty_percent <= 0.4 * len(records)


# --- Odoo's side -----------------------------------------------------------------------------------


def test_timesheet_costs_are_hours_times_the_employees_hourly_cost(demo: Written) -> None:
    worst = demo.rows("SELECT MAX(ABS(l.amount + l.unit_amount * e.hourly_cost)), COUNT(*) FROM "
                      "account_analytic_line l JOIN hr_employee e ON e.id = l.employee_id")  # fmt: skip
    assert worst[0][0] < 0.01
    assert worst[0][1] > 1000


def test_invoices_carry_tax_and_their_analytic_line_the_untaxed_amount(demo: Written) -> None:
    # the usual moves: one product line, wholly one project's (the demo's case moves are checked below)
    moves = demo.rows("SELECT m.move_type, m.company_id, m.amount_untaxed, m.amount_tax, m.amount_total, "
                      "m.amount_total_signed, l.amount, ml.analytic_distribution, l.account_id "
                      "FROM account_move m JOIN account_move_line ml ON ml.move_id = m.id "
                      "JOIN account_analytic_line l ON l.move_line_id = ml.id WHERE m.move_type != 'entry' "
                      "AND (SELECT COUNT(*) FROM account_move_line x WHERE x.move_id = m.id) = 1 "
                      "AND (SELECT COUNT(*) FROM account_analytic_line y WHERE y.move_line_id = ml.id) = 1 "
                      "AND l.account_id IS NOT NULL AND l.x_plan2_id IS NULL")  # fmt: skip
    assert {m[0] for m in moves} == {"out_invoice", "out_refund", "in_invoice"}
    rate = {1: Decimal("0"), 2: Decimal("0.19"), 3: Decimal("0.20")}  # US untaxed, German and UK VAT
    for move_type, company, untaxed, tax, total, total_signed, line_amount, distribution, account in moves:
        due = (Decimal(str(untaxed)) * rate[company]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert Decimal(str(tax)) == due
        assert round(untaxed + tax, 2) == total
        assert total_signed == (total if move_type == "out_invoice" else -total)
        assert line_amount == (untaxed if move_type == "out_invoice" else -untaxed)
        assert json.loads(distribution) == {str(account): 100.0}
    # Odoo rounds each analytic line on its own: a 1,000.01 line shared 33.33 / 33.33 / 33.34 % gives three
    # lines that add up to 1,000.00 (the invoice shares, rounded together, add up to 1,000.01)
    shared = demo.rows(
        "SELECT l.amount FROM account_analytic_line l JOIN account_move_line ml ON ml.id = l.move_line_id "
        "WHERE ml.price_subtotal = 1000.01 ORDER BY l.amount"
    )
    assert [amount for (amount,) in shared] == [333.3, 333.3, 333.4]


def test_completed_projects_are_fully_invoiced(demo: Written) -> None:
    records = demo.objects(cs.CUSTOM_OBJECT)
    # the line three projects share (sandbox/portfolio/erp.py SHARED_SPLIT) bills them beyond their milestones
    invoiced = dict(demo.rows("SELECT a.code, ROUND(SUM(l.amount), 2) FROM account_analytic_line l "
                              "JOIN account_analytic_account a ON a.id = l.account_id "
                              "JOIN account_move_line ml ON ml.id = l.move_line_id "
                              "WHERE l.category = 'invoice' AND ml.price_subtotal != 1000.01 "
                              "GROUP BY a.code"))  # fmt: skip
    # a problem deal's record carries its deal's wrong ID, so only the cleanly linked ones are compared
    wrong = {p["raw_id"] for p in demo.portfolio.manifest() if p["raw_id"] != p["expected_id"]}
    completed = [r for r in records.values() if r["project_status"] == "completed"
                 and r["erp_project_id"] in invoiced and r["erp_project_id"] not in wrong]  # fmt: skip
    assert len(completed) > 100
    for record in completed:
        assert Decimal(str(invoiced[record["erp_project_id"]])) == Decimal(str(record["contract_value"]))


def test_margins_vary_most_healthy_some_losing(demo: Written) -> None:
    figures = demo.rows(
        "SELECT a.code, SUM(CASE WHEN l.category = 'invoice' THEN l.amount ELSE 0 END), "
        "-SUM(CASE WHEN l.category != 'invoice' THEN l.amount ELSE 0 END) FROM account_analytic_line l "
        "JOIN account_analytic_account a ON a.id = l.account_id JOIN project_project p ON p.id = a.id "
        "WHERE p.last_update_status = 'done' AND p.partner_id != 1 GROUP BY a.code"
    )
    margins = [(revenue - cost) / revenue for _, revenue, cost in figures if revenue > 0]
    losing = sum(m < 0 for m in margins)
    assert len(margins) > 100
    assert 1 <= losing <= 0.15 * len(margins)
    assert sum(0.1 <= m <= 0.5 for m in margins) > 0.6 * len(margins)


def test_some_invoices_are_overdue_at_as_of(demo: Written) -> None:
    overdue = demo.rows("SELECT COUNT(*) FROM account_move WHERE move_type = 'out_invoice' AND "
                        "payment_state != 'paid' AND invoice_date_due < ?", AS_OF.isoformat())  # fmt: skip
    paid = demo.rows("SELECT COUNT(*) FROM account_move WHERE payment_state = 'paid'")
    assert overdue[0][0] > 10
    assert paid[0][0] > overdue[0][0]


def test_nothing_is_dated_on_or_after_as_of(demo: Written) -> None:
    midnight = datetime.combine(AS_OF, datetime.min.time(), tzinfo=UTC)
    checks = {"crm_object": "updated_at", "account_analytic_line": "write_date", "account_move": "write_date",
              "project_project": "write_date", "res_partner": "write_date"}  # fmt: skip
    for table, column in checks.items():
        [(latest,)] = demo.rows(f"SELECT MAX({column}) FROM {table}")
        assert latest < midnight.strftime("%Y-%m-%d %H:%M:%S"), table
    [(last_line,)] = demo.rows("SELECT MAX(date) FROM account_analytic_line")
    assert last_line < AS_OF.isoformat()
    [(first_line,)] = demo.rows("SELECT MIN(date) FROM account_analytic_line")
    assert first_line >= (AS_OF - timedelta(days=731)).isoformat()


def test_rows_read_back_through_sqlmodel_as_planned(demo: Written) -> None:
    planned = demo.portfolio.records("account_analytic_line")[0]
    with Session(demo.engine) as session:
        line = session.exec(select(AccountAnalyticLine).where(AccountAnalyticLine.id == planned["id"])).one()
    assert line.date == planned["date"]
    assert line.write_date == planned["write_date"]
    assert line.write_date.tzinfo is not None
    assert line.amount == planned["amount"]


def test_lines_per_project_sets_the_analytic_volume(tmp_path: Path) -> None:
    written = _write(tmp_path / "lines.sqlite", deals=80, seed=2, erp_lines_per_project=40)
    per_project = Counter(n for _, n in written.rows(
        "SELECT account_id, COUNT(*) FROM account_analytic_line GROUP BY account_id"))  # fmt: skip
    assert per_project.most_common(1)[0][0] == 40  # every project with costs has exactly 40 lines
    assert sum(per_project.values()) > 50
    written.engine.dispose()


def test_a_2000_deal_portfolio_plans_and_writes(tmp_path: Path) -> None:
    written = _write(tmp_path / "big.sqlite", deals=2000, seed=7)
    assert written.rows("SELECT COUNT(*) FROM crm_object WHERE object_type = 'deals'") == [(2000,)]
    lines = written.portfolio.tables["account_analytic_line"].rows
    assert written.rows("SELECT COUNT(*), MAX(id) FROM account_analytic_line") == [(len(lines), len(lines))]
    written.engine.dispose()


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deals": 0}, "deals must be a whole number of at least 1"),
        ({"deals": "300"}, "deals must be a whole number"),
        ({"erp_lines_per_project": 0}, "erp_lines_per_project must be a whole number of at least 1"),
        ({"as_of": "2026-03-01"}, "as_of must be a date"),
    ],
)
def test_bad_arguments_say_what_to_fix(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plan_portfolio(**{"as_of": AS_OF, **kwargs})


def test_writing_into_a_filled_database_is_refused_and_keeps_what_is_there(demo: Written) -> None:
    before = demo.rows("SELECT COUNT(*) FROM crm_object")
    with pytest.raises(ValueError, match="already holds a portfolio"):
        write_portfolio(demo.engine, plan_portfolio(deals=40, seed=1, as_of=AS_OF))
    assert demo.rows("SELECT COUNT(*) FROM crm_object") == before
    # the lines' indexes are still there: both plan columns' and write_date's
    assert demo.rows("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                     "'account_analytic_line' AND sql NOT NULL") == [(3,)]  # fmt: skip


def test_every_column_of_every_table_is_planned_explicitly(demo: Written) -> None:
    for name, planned in demo.portfolio.tables.items():
        assert set(planned.columns) == set(SQLModel.metadata.tables[name].columns.keys()), name
