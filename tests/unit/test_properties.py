"""Properties that hold for any input: normalization, the join, portfolio totals and weighted margins."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import columns as c
from dashboard.transforms.ids import DASHES, IdConvention, normalize_id
from dashboard.transforms.margin import project_figures
from dashboard.transforms.portfolio import SUM_COLUMNS, portfolio_figures
from dashboard.transforms.thresholds import Thresholds
from services.models import Deal, ErpActuals, ErpProject
from tests.unit.builders import CONVENTION, actuals, crm, deal, erp, erp_project, joined, receivables

# The pipeline properties build real frames and joins; fewer examples keep the suite in seconds.
PIPELINE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RATES = {"EUR": 1.1, "GBP": 1.3}

conventions = st.one_of(
    st.builds(
        IdConvention,
        prefix=st.sampled_from(["PRJ", "P", "JOB", "ID"]),
        separator=st.sampled_from(["-", "_", ".", "/", " ", ""]),
        digits=st.integers(1, 8),
    ),
    st.builds(IdConvention, prefix=st.just(""), separator=st.just(""), digits=st.integers(1, 8)),
)
id_like_text = st.text(alphabet=st.sampled_from([*"PRJprjIDINV#:;,._/ \t0123456789€x", *DASHES]), max_size=16)


@given(st.one_of(st.text(max_size=16), id_like_text), conventions)
def test_normalization_gives_a_canonical_id_or_a_reason_and_is_idempotent(
    raw: str, conv: IdConvention
) -> None:
    result = normalize_id(raw, conv)
    if result.canonical is None:
        assert isinstance(result.reason, str)
        assert result.reason.strip()
        assert not result.is_canonical
    else:
        shape = re.escape(conv.prefix + conv.separator) + rf"\d{{{conv.digits}}}"
        assert result.reason is None
        assert re.fullmatch(shape, result.canonical)
        again = normalize_id(result.canonical, conv)
        assert (again.canonical, again.reason, again.is_canonical) == (result.canonical, None, True)


@given(
    number=st.integers(1, 99_999),
    prefix=st.sampled_from(["PRJ", "prj", "Prj", "", "#PRJ", "ID PRJ", "ID: PRJ"]),
    separator=st.sampled_from([*DASHES, "_", ".", "/", " ", "", " - "]),
    padding=st.integers(0, 6),
    space=st.sampled_from(["", " ", "\t"]),
)
def test_typed_variants_normalize_to_the_same_id(
    number: int, prefix: str, separator: str, padding: int, space: str
) -> None:
    digits = f"{number:0{padding}d}" if padding > len(str(number)) else str(number)
    raw = f"{space}{prefix}{separator if prefix else ''}{digits}{space}"
    assert normalize_id(raw, CONVENTION).canonical == f"PRJ-{number:05d}"


# --- the join ----------------------------------------------------------------------------------------------

RAW_IDS = [None, "", "PRJ-00001", "prj-1", "PRJ00002", "PRJ-00003", "INV-2024-1", "PRJ-00009", " 2 "]
ERP_CODES = [None, "PRJ-00001", "PRJ-00002", "PRJ-00003", "PRJ-00004", "prj 2", "INTERNAL"]
NAMES = ["Bluefin", "Acme", "Globex"]


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[list[Deal], list[ErpProject]]:
    deals = [
        deal(f"d{i}", f"{customer} – work", customer, raw, won=won, amount=str(amount))
        for i, (raw, won, customer, amount) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(RAW_IDS), st.booleans(), st.sampled_from(NAMES), st.integers(1, 9)
                    ),
                    max_size=7,
                )
            )
        )
    ]
    projects = [
        erp_project(str(10 + i), code, "work", customer)
        for i, (code, customer) in enumerate(
            draw(st.lists(st.tuples(st.sampled_from(ERP_CODES), st.sampled_from(NAMES)), max_size=6))
        )
    ]
    return deals, projects


@PIPELINE
@given(portfolios())
def test_the_join_neither_drops_nor_doubles_a_record(portfolio: tuple[list[Deal], list[ErpProject]]) -> None:
    deals, projects = portfolio
    table = joined(crm(*deals), erp(*projects))
    assert sorted(table[c.CRM_DEAL_ID].dropna()) == sorted(d.crm_deal_id for d in deals)
    owners = table[table[c.ERP_RECORD_ID].notna() & table[c.FINANCIAL_OWNER]]
    assert sorted(owners[c.ERP_RECORD_ID]) == sorted(p.erp_record_id for p in projects)
    unlinked = set(table.loc[table[c.MATCH] == c.MATCH_ERP_ONLY, c.ERP_RECORD_ID])
    linked = set(table.loc[table[c.MATCH] == c.MATCH_LINKED, c.ERP_RECORD_ID])
    assert not unlinked & linked
    assert len(table) == len(deals) + len(unlinked)
    assert table[c.ROW_KEY].is_unique


# --- portfolio totals --------------------------------------------------------------------------------------

cents = st.integers(0, 10_000_000).map(lambda n: Decimal(n) / 100)


@st.composite
def linked_projects(draw: st.DrawFn) -> pd.DataFrame:
    """Project figures of 1-6 won deals, each linked to its own ERP project, in up to three currencies."""
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["EUR", "USD", "GBP"]),
                cents.filter(lambda amount: amount > 0),
                st.integers(-20, 60),  # estimated margin, %
                cents,  # labor
                cents,  # invoiced
            ),
            min_size=1,
            max_size=6,
        )
    )
    deals, projects, sums = [], [], []
    for i, (currency, amount, margin, labor, invoiced) in enumerate(rows, start=1):
        code = f"PRJ-{i:05d}"
        deals.append(
            deal(
                str(i),
                f"Deal {i}",
                "Bluefin",
                code,
                amount=str(amount),
                margin=str(Decimal(margin) / 100),
                currency=currency,
            )
        )
        projects.append(erp_project(str(i), code, f"Deal {i}", "Bluefin", currency=currency))
        sums.append(
            actuals(
                str(i),
                currency=currency,
                labor_cost=str(labor),
                invoiced=str(invoiced),
                outstanding=str(invoiced),
            )
        )
    snapshot = erp(*projects, actuals=tuple[ErpActuals, ...](sums))
    return project_figures(
        joined(crm(*deals), snapshot), receivables(snapshot), date(2026, 11, 1), Thresholds()
    )


@PIPELINE
@given(linked_projects())
def test_portfolio_totals_equal_the_sum_of_the_projects_to_the_cent(figures: pd.DataFrame) -> None:
    portfolio = portfolio_figures(figures, "USD", RATES)
    for currency, rows in figures.groupby(c.CURRENCY):
        for column in SUM_COLUMNS:
            assert abs(portfolio.by_currency.loc[currency, column] - rows[column].sum()) < 0.005
    rate = figures[c.CURRENCY].map({**RATES, "USD": 1.0})
    for column in SUM_COLUMNS:
        assert abs(portfolio.total.loc["USD", column] - (figures[column].fillna(0) * rate).sum()) < 0.01


@PIPELINE
@given(linked_projects())
def test_weighted_margins_stay_between_the_lowest_and_highest_project(figures: pd.DataFrame) -> None:
    portfolio = portfolio_figures(figures, "USD", RATES)
    for currency, rows in figures.groupby(c.CURRENCY):
        for column in (c.REALIZED_MARGIN_PCT, c.FORECAST_MARGIN_PCT, c.EST_MARGIN_PCT):
            margins = rows[column].dropna()
            weighted = portfolio.by_currency.loc[currency, column]
            if margins.empty:
                assert pd.isna(weighted)
            else:
                assert margins.min() - 1e-9 <= weighted <= margins.max() + 1e-9
