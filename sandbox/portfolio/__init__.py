"""The demo portfolio: a deterministic CRM + ERP data set with known project-ID problems.

`plan_portfolio` builds every row in memory from (deals, seed, as_of); `write_portfolio` bulk-inserts
them into the sandbox database (`sandbox.db`). Everything is drawn as "days before as_of", so another
`as_of` shifts the dates and nothing else: record ids, project codes and the deliberate ID problems
(`manifest`) depend only on (deals, seed). Independent random streams (`random.Random("<seed>:<purpose>")`)
keep the manifest independent of the CRM details and of the ERP volume, too.

The CRM side is stored as HubSpot sends it (every property a string or null); the ERP side as Odoo 17 does.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import Boolean, Connection, Date, DateTime, Engine, TypeDecorator
from sqlmodel import SQLModel

from sandbox import crm_schema as cs
from sandbox import names
from sandbox.db import create_schema

ProblemKind = Literal["missing", "malformed", "dangling", "duplicate", "orphan", "conflict"]
PROBLEM_KINDS: tuple[ProblemKind, ...] = (
    "missing",
    "malformed",
    "dangling",
    "duplicate",
    "orphan",
    "conflict",
)
MALFORMED_VARIANTS = ("lower_case", "no_dash", "unpadded", "spaces", "unicode_dash", "prefix")
CODE_PREFIX = "PRJ-"
HISTORY_DAYS = 730  # the demo covers the 24 months before as_of
GAPS = ("scope", "proposal", "line_items", "primary_contact", "presales_ticket", "notes", "project_record")

# Per 300 deals; "duplicate" counts pairs here and deals (two per pair) in the manifest.
_PROBLEMS_PER_300: dict[ProblemKind, int] = {
    "missing": 4, "malformed": 6, "dangling": 3, "duplicate": 2, "orphan": 5, "conflict": 3,
}  # fmt: skip
_ID_BASE = {
    "deals": 21_000_000_000, "companies": 31_000_000_000, "contacts": 41_000_000_000,
    "line_items": 51_000_000_000, "tickets": 61_000_000_000, "notes": 71_000_000_000,
    "projects": 81_000_000_000,
}  # fmt: skip
_OWNER_ID_BASE = 70_000_000
_CURRENCIES = (("USD", "$"), ("EUR", "€"), ("GBP", "£"))
_COMPANIES = ("Throughline Demo Inc.", "Throughline Demo GmbH", "Throughline Demo Ltd")
_COMPANY_OF_CURRENCY = {"USD": 1, "EUR": 2, "GBP": 3}
_TAX_PERMILLE = {1: 0, 2: 190, 3: 200}  # US services untaxed, German VAT, UK VAT
_STAGE_PROBABILITY = {stage: probability for stage, _, probability, _ in cs.DEAL_STAGES}
_OPEN_STAGES = tuple(stage for stage, _, _, closed in cs.DEAL_STAGES if not closed)
_WORKDAY_START, _WORKDAY_SECONDS = 8 * 3600, 11 * 3600  # timestamps fall in office hours
_MOVE_LABELS = {
    "out_invoice": "Milestone invoice",
    "out_refund": "Credit note",
    "in_invoice": "Subcontracted work",
}
_ENCODE_PROPERTIES = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode  # = db.dumps_properties

COLUMNS: dict[str, tuple[str, ...]] = {
    "crm_owner": ("id", "user_id", "email", "first_name", "last_name", "team", "archived", "created_at",
                  "updated_at"),
    "crm_object": ("object_type", "id", "properties", "created_at", "updated_at", "archived"),
    "crm_association": ("from_type", "from_id", "to_type", "to_id", "type_id", "category", "label"),
    "res_currency": ("id", "name", "symbol"),
    "res_company": ("id", "name", "currency_id"),
    "res_partner": ("id", "name", "is_company", "email", "company_id", "write_date"),
    "hr_employee": ("id", "name", "hourly_cost", "company_id"),
    "account_analytic_account": ("id", "name", "code", "partner_id", "company_id", "plan_id", "active",
                                 "write_date"),
    "project_project": ("id", "name", "partner_id", "analytic_account_id", "company_id", "user_id",
                        "date_start", "date", "active", "last_update_status", "allow_timesheets",
                        "create_date", "write_date"),
    "account_analytic_line": ("id", "name", "date", "amount", "unit_amount", "account_id", "project_id",
                              "employee_id", "partner_id", "category", "move_line_id", "company_id",
                              "write_date"),
    "account_move": ("id", "name", "move_type", "state", "partner_id", "company_id", "currency_id",
                     "invoice_date", "invoice_date_due", "invoice_origin", "ref", "amount_untaxed",
                     "amount_tax", "amount_total", "amount_residual", "amount_untaxed_signed",
                     "amount_total_signed", "amount_residual_signed", "payment_state", "write_date"),
    "account_move_line": ("id", "move_id", "name", "display_type", "quantity", "price_unit", "price_subtotal",
                          "price_total", "balance", "analytic_distribution", "partner_id", "parent_state",
                          "move_type", "write_date"),
    "sandbox_meta": ("key", "value"),
}  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One deliberate ID problem, the ground truth an audit should find."""

    kind: ProblemKind
    crm_deal_id: str | None  # HubSpot deal id; None for orphans
    erp_project_id: str | None  # the ERP project code the record relates to
    raw_id: str | None  # the deal's project-ID property exactly as stored
    expected_id: str | None  # the canonical ID the deal should carry; None for orphans

    def as_dict(self) -> dict[str, str | None]:
        """The problem as a manifest row."""
        return {
            "kind": self.kind,
            "crm_deal_id": self.crm_deal_id,
            "erp_project_id": self.erp_project_id,
            "raw_id": self.raw_id,
            "expected_id": self.expected_id,
        }


@dataclass(frozen=True)
class TableRows:
    """The rows planned for one table, as tuples in `columns` order (date, aware UTC datetime, bool)."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column name (for inspection and tests, not for bulk work)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Portfolio:
    """Every row of a demo portfolio, keyed by table name, and its deliberate ID problems."""

    deals: int
    seed: int
    as_of: date
    erp_lines_per_project: int | None
    tables: dict[str, TableRows]
    problems: tuple[Problem, ...]

    def records(self, table: str) -> list[dict[str, Any]]:
        """The planned rows of `table` as dicts."""
        return self.tables[table].records()

    def manifest(self) -> list[dict[str, str | None]]:
        """The problems as dicts, sorted by (kind, crm_deal_id, erp_project_id)."""
        return _sorted_manifest(self.problems)


def problem_counts(deals: int) -> dict[ProblemKind, int]:
    """How many problems of each kind `deals` deals carry (duplicates count deals: two per shared ID)."""
    won = _stage_counts(deals)[0]
    per_deal = {kind: round(base * deals / 300) for kind, base in _PROBLEMS_PER_300.items()}
    if deals >= 40:
        per_deal = {kind: max(1, n) for kind, n in per_deal.items()}
        per_deal["malformed"] = max(len(MALFORMED_VARIANTS), per_deal["malformed"])
    per_deal["duplicate"] *= 2
    # A tiny portfolio has too few won deals for every problem: drop the most numerous first.
    on_deals: list[ProblemKind] = ["missing", "malformed", "dangling", "duplicate", "conflict"]
    while sum(per_deal[k] for k in on_deals) > won:
        biggest = max(on_deals, key=lambda k: per_deal[k])
        per_deal[biggest] -= 2 if biggest == "duplicate" else 1
    return per_deal


def manifest(*, deals: int, seed: int, as_of: date | None = None) -> list[dict[str, str | None]]:
    """The deliberate ID problems of (deals, seed) as dicts, sorted by kind, deal id and project code."""
    del as_of  # accepted for symmetry with plan_portfolio: problems never depend on the date
    _check_arguments(deals, seed, None)
    return _sorted_manifest(_skeleton(deals, seed).problems)


def plan_portfolio(
    *, deals: int = 300, seed: int = 7, as_of: date, erp_lines_per_project: int | None = None
) -> Portfolio:
    """Plan every CRM and ERP row of the demo portfolio in memory, deterministically from the arguments."""
    _check_arguments(deals, seed, erp_lines_per_project)
    if not isinstance(as_of, date):
        raise ValueError(f"as_of must be a date such as date(2026, 1, 31), got {as_of!r}")
    skeleton = _skeleton(deals, seed)
    clock = _Clock(as_of)
    deliveries = _plan_deliveries(skeleton, seed)
    tables = _plan_crm(skeleton, deliveries, seed, clock) | _plan_erp(
        skeleton, deliveries, seed, clock, erp_lines_per_project
    )
    problems = tuple(skeleton.problems)
    meta = {
        "deals": deals,
        "seed": seed,
        "erp_lines_per_project": erp_lines_per_project,
        "as_of": as_of.isoformat(),
    }
    tables["sandbox_meta"] = TableRows(
        COLUMNS["sandbox_meta"],
        [("manifest", json.dumps(_sorted_manifest(problems))), ("portfolio", json.dumps(meta))],
    )
    return Portfolio(deals, seed, as_of, erp_lines_per_project, tables, problems)


def write_portfolio(engine: Engine, portfolio: Portfolio, *, chunk_size: int = 50_000) -> None:
    """Create the sandbox schema and bulk-insert the portfolio's rows (the database must hold none yet)."""
    create_schema(engine)
    with engine.begin() as conn:
        for name in ("crm_object", "project_project", "account_analytic_line"):
            if conn.exec_driver_sql(f"SELECT 1 FROM {name} LIMIT 1").first() is not None:
                raise ValueError(
                    f"the sandbox database {engine.url.database} already holds a portfolio (table {name} "
                    "has rows); write into a new file or delete the old one first"
                )
        # pysqlite opens its transaction at the first INSERT: the bookkeeping rows go first, so that the
        # index drops of the big tables belong to the same all-or-nothing transaction.
        _insert(conn, "sandbox_meta", portfolio.tables["sandbox_meta"], chunk_size)
        for name, planned in portfolio.tables.items():
            if name != "sandbox_meta":
                _insert(conn, name, planned, chunk_size, reindex=True)


def _insert(
    conn: Connection, name: str, planned: TableRows, chunk_size: int, *, reindex: bool = False
) -> None:
    """executemany in chunks; with `reindex`, the table's own indexes are dropped first and rebuilt after."""
    # Filling a table and then building its indexes is several times faster than updating them row by
    # row (account_analytic_line.write_date arrives in random order).
    indexes = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql NOT NULL", (name,)
    ).all() if reindex else []  # fmt: skip
    for index_name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{index_name}"')
    table = SQLModel.metadata.tables[name]
    convert = _row_converter([table.c[column].type for column in planned.columns])
    sql = (
        f"INSERT INTO {name} ({', '.join(planned.columns)}) VALUES ({', '.join('?' * len(planned.columns))})"
    )
    for start in range(0, len(planned.rows), chunk_size):
        conn.exec_driver_sql(sql, [convert(row) for row in planned.rows[start : start + chunk_size]])
    for _, create_index in indexes:
        conn.exec_driver_sql(create_index)


# ---------------------------------------------------------------------------------------------------
# The skeleton: customers, deals, project codes and problems. Depends on (deals, seed) only.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Customer:
    short: str  # "Bluefin Analytics", as in deal names
    name: str  # "Bluefin Analytics Ltd", the company record and ERP partner
    domain: str
    industry: str
    country: str


@dataclass(slots=True)
class _Deal:
    draw: int  # draw order, the tie-breaker for sorting
    stage: str
    customer: int
    service: str
    amount_cents: int
    currency: str
    margin_pct: float
    create_ago: int  # days before as_of
    close_ago: int  # negative: expected close in the future (open deals)
    follow_on: bool = False
    crm_id: int = 0
    gaps: frozenset[str] = frozenset()
    code: str | None = None  # its ERP project code (won deals)
    raw_id: str | None = None  # the erp_project_id property as stored
    problem: ProblemKind | None = None

    @property
    def won(self) -> bool:
        return self.stage == "closedwon"

    def title(self, customers: Sequence[_Customer]) -> str:
        return f"{customers[self.customer].short} – {self.service}" + (
            names.FOLLOW_ON_SUFFIX if self.follow_on else ""
        )


@dataclass(slots=True)
class _Orphan:
    name: str
    start_ago: int
    code: str = ""


@dataclass
class _Skeleton:
    customers: list[_Customer]
    deals: list[_Deal]  # in CRM id order
    orphans: list[_Orphan]
    problems: list[Problem] = field(default_factory=list)


def _check_arguments(deals: object, seed: object, lines: object) -> None:
    if not isinstance(deals, int) or isinstance(deals, bool) or deals < 1:
        raise ValueError(f"deals must be a whole number of at least 1, got {deals!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"seed must be a whole number, got {seed!r}")
    if lines is not None and (not isinstance(lines, int) or isinstance(lines, bool) or lines < 1):
        raise ValueError(f"erp_lines_per_project must be a whole number of at least 1 or None, got {lines!r}")


def _stage_counts(deals: int) -> tuple[int, int, int]:
    won, still_open = round(deals * 0.70), round(deals * 0.15)
    return won, still_open, deals - won - still_open


def _sorted_manifest(problems: Iterable[Problem]) -> list[dict[str, str | None]]:
    rows = [p.as_dict() for p in problems]
    return sorted(rows, key=lambda r: (r["kind"] or "", r["crm_deal_id"] or "", r["erp_project_id"] or ""))


def _code(number: int) -> str:
    return f"{CODE_PREFIX}{number:05d}"


def _skeleton(deals: int, seed: int) -> _Skeleton:
    rng = random.Random(f"{seed}:skeleton")
    customers = _draw_customers(rng, max(60, round(deals / 4)))
    drawn = _draw_deals(rng, deals, len(customers))
    counts = problem_counts(deals)
    chosen = _choose_problem_deals(rng, drawn, counts)
    ordered = sorted(drawn, key=lambda d: (-d.create_ago, d.draw))  # HubSpot ids grow with creation time
    for i, deal in enumerate(ordered):
        deal.crm_id = _ID_BASE["deals"] + 1 + i
        if deal.won:
            deal.gaps = frozenset(g for g in GAPS if rng.random() < 0.07)
            if deal.problem is not None:  # every problem deal has its project record
                deal.gaps -= {"project_record"}
    orphans = _draw_orphans(rng, counts["orphan"])
    taken = _assign_codes(rng, ordered, orphans)
    skeleton = _Skeleton(customers, ordered, orphans)
    skeleton.problems = _set_raw_ids(rng, ordered, chosen, orphans, taken)
    return skeleton


def _draw_customers(rng: random.Random, count: int) -> list[_Customer]:
    sectors, prefixes = names.COMPANY_SECTORS, names.COMPANY_PREFIXES
    space = len(prefixes) * len(sectors)
    regions = ("", *names.REGIONS)
    picks = (
        rng.sample(range(space * len(regions)), count) if count > space else rng.sample(range(space), count)
    )
    legal_forms = [(suffix, country) for suffix, country, _ in names.LEGAL_FORMS]
    legal_weights = [weight for _, _, weight in names.LEGAL_FORMS]
    customers = []
    for pick in picks:
        region = regions[pick // space]
        prefix, (sector, industry) = prefixes[pick % space // len(sectors)], sectors[pick % len(sectors)]
        short = f"{prefix} {sector}" + (f" {region}" if region else "")
        suffix, country = rng.choices(legal_forms, weights=legal_weights)[0]
        domain = f"{prefix}{sector}{region}".lower() + ".example"
        customers.append(_Customer(short, f"{short} {suffix}", domain, industry, country))
    return customers


def _draw_deals(rng: random.Random, count: int, n_customers: int) -> list[_Deal]:
    won, still_open, lost = _stage_counts(count)
    stages = (
        ["closedwon"] * won + ["closedlost"] * lost + [rng.choice(_OPEN_STAGES) for _ in range(still_open)]
    )
    rng.shuffle(stages)
    # A few big accounts, a long tail of small ones (capped so no customer runs out of services).
    weights = [min(6.0, rng.paretovariate(1.3)) for _ in range(n_customers)]
    buyers = rng.choices(range(n_customers), weights=weights, k=count)
    services = list(names.SERVICES)
    used: set[tuple[int, str]] = set()
    deals = []
    for i, stage in enumerate(stages):
        customer, service = buyers[i], rng.choice(services)
        while (customer, service) in used:  # deal names stay unique, so a fuzzy matcher has one answer
            free = [s for s in services if (customer, s) not in used]
            customer, service = (
                (customer, rng.choice(free)) if free else ((customer + 1) % n_customers, service)
            )
        used.add((customer, service))
        typical = names.SERVICES[service][0]
        amount = min(400_000.0, max(5_000.0, typical * math.exp(rng.gauss(0, 0.5))))
        r = rng.random()
        currency = "EUR" if r < 0.05 else "GBP" if r < 0.08 else "USD"
        margin = round(rng.uniform(15, 45) * 2) / 2
        if stage in _OPEN_STAGES:
            create_ago, close_ago = rng.randint(1, 120), -rng.randint(7, 120)
        else:
            close_ago = rng.randint(1, HISTORY_DAYS)
            create_ago = close_ago + rng.randint(14, 120)
        amount_cents = round(amount / 500) * 50_000
        deals.append(
            _Deal(i, stage, customer, service, amount_cents, currency, margin, create_ago, close_ago)
        )
    return deals


def _choose_problem_deals(
    rng: random.Random, deals: list[_Deal], counts: dict[ProblemKind, int]
) -> dict[ProblemKind, list[_Deal]]:
    on_deals = sum(n for kind, n in counts.items() if kind != "orphan")
    pool = rng.sample([d for d in deals if d.won], on_deals)
    chosen: dict[ProblemKind, list[_Deal]] = {}
    for kind in ("missing", "malformed", "dangling", "duplicate", "conflict"):
        chosen[kind] = [pool.pop() for _ in range(counts[kind])]
        for deal in chosen[kind]:
            deal.problem = kind
    dupes = chosen["duplicate"]
    for owner, follow_on in zip(dupes[0::2], dupes[1::2], strict=True):
        # The second deal becomes a later phase for the same customer that reused the first deal's ID.
        follow_on.customer, follow_on.service = owner.customer, owner.service
        follow_on.currency, follow_on.follow_on = owner.currency, True
        smaller = round(owner.amount_cents * rng.uniform(0.3, 0.7) / 50_000) * 50_000
        follow_on.amount_cents = max(500_000, smaller)
        follow_on.close_ago = rng.randint(max(1, owner.close_ago - 240), max(1, owner.close_ago - 21))
        follow_on.create_ago = follow_on.close_ago + rng.randint(14, 60)
    return chosen


def _draw_orphans(rng: random.Random, count: int) -> list[_Orphan]:
    titles = rng.sample(names.INTERNAL_PROJECTS, len(names.INTERNAL_PROJECTS))
    orphans = []
    for i in range(count):
        title = titles[i % len(titles)] + (f" ({i // len(titles) + 1})" if i >= len(titles) else "")
        orphans.append(_Orphan(title, rng.randint(60, HISTORY_DAYS)))
    return orphans


def _assign_codes(rng: random.Random, deals: list[_Deal], orphans: list[_Orphan]) -> set[int]:
    """Number the ERP projects in the order they started, with gaps (numbers burnt on cancelled work)."""
    events: list[tuple[int, int, _Deal | _Orphan]] = [(d.close_ago, d.draw, d) for d in deals if d.won]
    events += [(o.start_ago, -1 - i, o) for i, o in enumerate(orphans)]
    events.sort(key=lambda e: (-e[0], e[1]))
    number, taken = rng.randint(100, 400), set()
    for _, _, item in events:
        number += 1 + (rng.randint(1, 3) if rng.random() < 0.2 else 0)
        item.code = _code(number)
        taken.add(number)
    return taken


def _set_raw_ids(
    rng: random.Random,
    deals: list[_Deal],
    chosen: dict[ProblemKind, list[_Deal]],
    orphans: list[_Orphan],
    taken: set[int],
) -> list[Problem]:
    for deal in deals:
        deal.raw_id = deal.code if deal.won else None
    problems = [Problem("orphan", None, o.code, None, None) for o in orphans]
    for deal in chosen["missing"]:
        deal.raw_id = None
        problems.append(Problem("missing", str(deal.crm_id), deal.code, None, deal.code))
    # "unpadded" needs leading zeros to strip, so it goes to the oldest deals (the smallest numbers).
    malformed = sorted(chosen["malformed"], key=lambda d: (-d.close_ago, d.draw))
    variants = sorted((MALFORMED_VARIANTS[i % len(MALFORMED_VARIANTS)] for i in range(len(malformed))),
                      key=lambda v: v != "unpadded")  # fmt: skip
    for deal, variant in zip(malformed, variants, strict=True):
        deal.raw_id = _malformed(rng, str(deal.code), variant)
        problems.append(Problem("malformed", str(deal.crm_id), deal.code, deal.raw_id, deal.code))
    for deal in chosen["dangling"]:
        number = _dangling_number(rng, int(str(deal.code).removeprefix(CODE_PREFIX)), taken)
        taken.add(number)
        deal.raw_id = _code(number)
        problems.append(Problem("dangling", str(deal.crm_id), deal.code, deal.raw_id, deal.code))
    dupes = chosen["duplicate"]
    for owner, follow_on in zip(dupes[0::2], dupes[1::2], strict=True):
        follow_on.raw_id = owner.code
        problems.append(Problem("duplicate", str(owner.crm_id), owner.code, owner.code, owner.code))
        problems.append(Problem("duplicate", str(follow_on.crm_id), owner.code, owner.code, follow_on.code))
    for deal in chosen["conflict"]:
        problems.append(Problem("conflict", str(deal.crm_id), deal.code, deal.code, deal.code))
    return problems


def _malformed(rng: random.Random, code: str, variant: str) -> str:
    number = code.removeprefix(CODE_PREFIX)
    raw = {
        "lower_case": code.lower(),
        "no_dash": code.replace("-", ""),
        "unpadded": f"{CODE_PREFIX}{int(number)}",
        "spaces": rng.choice((f" {code} ", f"{code} ", f"  {code}")),
        "unicode_dash": code.replace("-", rng.choice(("–", "‐"))),
        "prefix": rng.choice(("#", "ID ")) + code,
    }[variant]
    if raw == code:  # only a code of 5+ significant digits cannot lose padding; never a silent non-problem
        raise RuntimeError(f"cannot make a {variant} variant of {code}")
    return raw


def _dangling_number(rng: random.Random, number: int, taken: set[int]) -> int:
    """A code number no ERP project has: two digits transposed, else the next unused number."""
    digits = f"{number:05d}"
    swaps = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]]
    rng.shuffle(swaps)
    for i in swaps:
        swapped = int(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :])
        if swapped > 0 and swapped not in taken:
            return swapped
    while number in taken:
        number += 1
    return number


# ---------------------------------------------------------------------------------------------------
# Delivery: how each ERP project went (dates, health, progress, cost). Shared by the CRM and ERP sides.
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Delivery:
    code: str
    name: str
    deal: _Deal | None  # None for internal work (the orphans)
    currency: str
    contract_cents: int
    start_ago: int  # < 1: not started yet
    planned_days: int
    actual_days: int
    progress: float  # 0..1, share of the work done by as_of
    status: str  # CRM project_status: planning | in_progress | on_hold | completed
    erp_status: str  # Odoo last_update_status
    cost_cents: int  # actual cost to date
    milestones_total: int
    milestones_done: int  # = customer invoices issued: billing is by milestone

    @property
    def planned_end_ago(self) -> int:
        return self.start_ago - self.planned_days


def _plan_deliveries(skeleton: _Skeleton, seed: int) -> list[_Delivery]:
    deliveries = [_deal_delivery(seed, d, d.title(skeleton.customers)) for d in skeleton.deals if d.won]
    deliveries += [_internal_delivery(seed, o) for o in skeleton.orphans]
    return sorted(deliveries, key=lambda d: d.code)


def _deal_delivery(seed: int, deal: _Deal, title: str) -> _Delivery:
    rng = random.Random(f"{seed}:delivery:{deal.code}")
    start_ago = deal.close_ago - rng.randint(3, 21)
    planned = int(min(480, max(30, (40 + deal.amount_cents / 60_000) * rng.uniform(0.8, 1.2))))
    # Most jobs land near the estimate; some erode; a few lose money outright.
    r = rng.random()
    if r < 0.80:
        health, cost_factor, overrun = "healthy", rng.uniform(0.9, 1.1), rng.uniform(0.95, 1.15)
    elif r < 0.95:
        health, cost_factor, overrun = "eroding", rng.uniform(1.2, 1.4), rng.uniform(1.1, 1.35)
    else:
        health, overrun = "losing", rng.uniform(1.2, 1.5)
        cost_factor = rng.uniform(1.05, 1.3) / (1 - deal.margin_pct / 100)
    actual = max(planned, round(planned * overrun))
    progress = 0.0 if start_ago < 1 else min(1.0, start_ago / actual)
    on_hold = rng.random() < 0.05
    if progress == 0:
        status = "planning"
    elif progress >= 1:
        status = "completed"
    else:
        status = "on_hold" if on_hold else "in_progress"
    estimate_at_completion = deal.amount_cents * (1 - deal.margin_pct / 100) * cost_factor
    cost = round(estimate_at_completion * progress * (1.0 if progress >= 1 else rng.uniform(0.93, 1.07)))
    milestones = rng.randint(3, 6)
    if status == "completed":
        done = milestones
    elif status == "planning":
        done = 0
    else:  # billing runs a little ahead of or behind the work
        done = max(0, min(milestones - 1, round((progress + rng.gauss(0, 0.08)) * milestones)))
    return _Delivery(
        str(deal.code), title, deal, deal.currency, deal.amount_cents, start_ago, planned, actual, progress,
        status, _erp_status(rng, status, health), cost, milestones, done,
    )  # fmt: skip


def _erp_status(rng: random.Random, status: str, health: str) -> str:
    if status == "completed":
        return "done"
    if status == "on_hold":
        return "on_hold"
    if status == "planning":
        return "on_track"
    options = {
        "healthy": ("on_track", "at_risk"),
        "eroding": ("at_risk", "off_track"),
        "losing": ("off_track",),
    }
    return rng.choice(options[health]) if rng.random() < 0.8 else "on_track"


def _internal_delivery(seed: int, orphan: _Orphan) -> _Delivery:
    rng = random.Random(f"{seed}:delivery:{orphan.code}")
    planned = rng.randint(60, 360)
    progress = min(1.0, orphan.start_ago / planned)
    status = "completed" if progress >= 1 else "in_progress"
    cost = round(rng.uniform(8_000, 60_000) * 100 * progress)
    return _Delivery(
        orphan.code, orphan.name, None, "USD", 0, orphan.start_ago, planned, planned, progress, status,
        "done" if status == "completed" else "on_track", cost, 0, 0,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------------
# Time and value formats
# ---------------------------------------------------------------------------------------------------


class _Clock:
    """Turns "days before as_of" into dates and datetimes; a day offset >= 1 is strictly before as_of."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self._midnight = datetime.combine(as_of, time(), tzinfo=UTC)
        self._days: dict[int, date] = {}
        self._starts: dict[int, datetime] = {}

    def day(self, ago: int) -> date:
        found = self._days.get(ago)
        if found is None:
            found = self._days[ago] = self.as_of - timedelta(days=ago)
        return found

    def moment(self, rng: random.Random, ago: int) -> datetime:
        """A random office-hours instant that day, with milliseconds (now and then zero, as in real data)."""
        start = self._starts.get(ago)
        if start is None:
            start = self._starts[ago] = self._midnight - timedelta(days=ago)
        ms = int(rng.random() * 1176) - 176  # <= 0 about 15 % of the time
        seconds = _WORKDAY_START + int(rng.random() * _WORKDAY_SECONDS)
        return start + timedelta(0, seconds, ms * 1000 if ms > 0 else 0)


def _instant(moment: datetime) -> str:
    """HubSpot's datetime format (Java Instant.toString): UTC with Z, milliseconds only when non-zero."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")[:23]  # drops the "+00:00"
    return f"{text[:19]}Z" if text.endswith(".000") else f"{text}Z"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _percent(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------------------------------------------
# CRM rows
# ---------------------------------------------------------------------------------------------------


class _Crm:
    """Collects CRM objects (every defined property present, unset ones None) and both link directions."""

    def __init__(self) -> None:
        self.objects: list[tuple[Any, ...]] = []
        self.associations: list[tuple[Any, ...]] = []
        self._next: dict[str, int] = dict.fromkeys(_ID_BASE, 0)

    def new_id(self, object_type: str) -> int:
        self._next[object_type] += 1
        return _ID_BASE[object_type] + self._next[object_type]

    def add(
        self, object_type: str, object_id: int, props: _Props, created: datetime, updated: datetime
    ) -> None:
        created_key = "hs_createdate" if object_type == cs.CUSTOM_OBJECT else "createdate"
        modified_key = "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"
        full: _Props = dict.fromkeys(cs.PROPERTIES[object_type])
        full |= props
        full |= {
            created_key: _instant(created),
            modified_key: _instant(updated),
            "hs_object_id": str(object_id),
        }
        self.objects.append((object_type, object_id, _ENCODE_PROPERTIES(full), created, updated, False))

    def link(self, a_type: str, a_id: int, b_type: str, b_id: int) -> None:
        for from_type, from_id, to_type, to_id in (
            (a_type, a_id, b_type, b_id),
            (b_type, b_id, a_type, a_id),
        ):
            type_id = cs.ASSOCIATION_TYPES[(from_type, to_type)]
            category = cs.association_category(from_type, to_type, type_id)
            self.associations.append((from_type, from_id, to_type, to_id, type_id, category, None))

    def label_primary(self, deal_id: int, contact_id: int) -> None:
        """The USER_DEFINED "Primary contact" label, on top of the plain deal-contact association."""
        label, forward, reverse = (
            cs.PRIMARY_CONTACT_LABEL,
            cs.PRIMARY_CONTACT_TYPE_ID,
            cs.PRIMARY_CONTACT_REVERSE_TYPE_ID,
        )
        self.associations.append(("deals", deal_id, "contacts", contact_id, forward, "USER_DEFINED", label))
        self.associations.append(("contacts", contact_id, "deals", deal_id, reverse, "USER_DEFINED", label))


_Props = dict[str, str | None]


def _email(first: str, last: str, domain: str) -> str:
    return f"{first}.{last}@{domain}".lower().replace("'", "")


def _plan_crm(
    skeleton: _Skeleton, deliveries: list[_Delivery], seed: int, clock: _Clock
) -> dict[str, TableRows]:
    plan = _CrmPlan(random.Random(f"{seed}:crm"), clock, skeleton)
    by_code = {d.code: d for d in deliveries}
    for deal in skeleton.deals:
        plan.deal(deal, by_code.get(str(deal.code)) if deal.won else None)
    # In primary-key order: SQLite then appends to its key index instead of inserting all over it.
    plan.crm.objects.sort(key=lambda row: row[:2])
    plan.crm.associations.sort(key=lambda row: row[:5])
    return {
        "crm_owner": TableRows(COLUMNS["crm_owner"], plan.owners),
        "crm_object": TableRows(COLUMNS["crm_object"], plan.crm.objects),
        "crm_association": TableRows(COLUMNS["crm_association"], plan.crm.associations),
    }


class _CrmPlan:
    """Plans the HubSpot side: owners, companies with contacts, then each deal with everything around it."""

    def __init__(self, rng: random.Random, clock: _Clock, skeleton: _Skeleton) -> None:
        self.rng, self.clock, self.skeleton, self.crm = rng, clock, skeleton, _Crm()
        self.owners = self._owners()
        owner_ids = [row[0] for row in self.owners]
        self.account_owner = [rng.choice(owner_ids) for _ in skeleton.customers]
        self.company_ids: list[int] = []
        self.contacts: list[list[int]] = []
        self.contact_names: dict[int, str] = {}
        self._companies()

    def _owners(self) -> list[tuple[Any, ...]]:
        rng, clock = self.rng, self.clock
        people = [(f, la) for f in names.FIRST_NAMES[:30] for la in names.LAST_NAMES[:30]]
        rows = []
        for i, (first, last) in enumerate(rng.sample(people, rng.randint(10, 15)), start=1):
            created = clock.moment(rng, rng.randint(HISTORY_DAYS + 30, HISTORY_DAYS + 900))
            updated = clock.moment(rng, rng.randint(1, 200))
            email, team = _email(first, last, "throughline-demo.example"), rng.choice(names.OWNER_TEAMS)
            rows.append(
                (_OWNER_ID_BASE + i, 9_100_000 + i, email, first, last, team, False, created, updated)
            )
        return rows

    def _companies(self) -> None:
        rng, clock, crm = self.rng, self.clock, self.crm
        first_deal = [HISTORY_DAYS + 400] * len(self.skeleton.customers)
        for deal in self.skeleton.deals:
            first_deal[deal.customer] = min(first_deal[deal.customer], deal.create_ago)
        for index, customer in enumerate(self.skeleton.customers):
            company_id = _ID_BASE["companies"] + 1 + index
            created = clock.moment(rng, first_deal[index] + rng.randint(5, 200))
            props: _Props = {"name": customer.name, "domain": customer.domain, "industry": customer.industry,
                             "country": customer.country}  # fmt: skip
            crm.add("companies", company_id, props, created, clock.moment(rng, rng.randint(1, 90)))
            mine = []
            for first in rng.sample(names.FIRST_NAMES, rng.randint(1, 4)):
                last, contact_id = rng.choice(names.LAST_NAMES), crm.new_id("contacts")
                contact: _Props = {
                    "firstname": first, "lastname": last, "email": _email(first, last, customer.domain),
                    "jobtitle": rng.choice(names.JOB_TITLES),
                    "phone": f"+1 555 01{rng.randint(10, 99)} {rng.randint(1000, 9999)}",
                }  # fmt: skip
                crm.add("contacts", contact_id, contact, created, clock.moment(rng, rng.randint(1, 120)))
                crm.link("contacts", contact_id, "companies", company_id)
                mine.append(contact_id)
                self.contact_names[contact_id] = f"{first} {last}"
            self.company_ids.append(company_id)
            self.contacts.append(mine)

    def deal(self, deal: _Deal, delivery: _Delivery | None) -> None:
        """The deal record and its company, contacts, line items, tickets, notes and project record."""
        rng, clock, crm = self.rng, self.clock, self.crm
        created, closed = clock.moment(rng, deal.create_ago), clock.moment(rng, deal.close_ago)
        if deal.close_ago >= 1:  # last touched after closing
            modified_ago = rng.randint(max(1, deal.close_ago - 60), deal.close_ago)
        else:
            modified_ago = rng.randint(1, deal.create_ago)
        modified = max(created, clock.moment(rng, modified_ago))
        owner = self.account_owner[deal.customer] if rng.random() < 0.8 else rng.choice(self.owners)[0]
        scope = rng.choice(names.SCOPE_PHRASES) if deal.won and "scope" not in deal.gaps else None
        version = rng.choice(names.PROPOSAL_VERSIONS) if deal.won and "proposal" not in deal.gaps else None
        late_stage = deal.won or _STAGE_PROBABILITY[deal.stage] >= 0.6
        amount = deal.amount_cents
        props: _Props = {
            "dealname": deal.title(self.skeleton.customers),
            "amount": str(amount // 100) if rng.random() < 0.5 else _money(amount),  # both forms occur
            "dealstage": deal.stage,
            "pipeline": "default",
            "closedate": _instant(closed),
            "hubspot_owner_id": str(owner),
            "deal_currency_code": deal.currency,
            "hs_deal_stage_probability": str(
                Decimal(_STAGE_PROBABILITY[deal.stage])
            ),  # the double's expansion
            "description": rng.choice(names.SCOPE_PHRASES) if rng.random() < 0.2 else None,
            cs.DEAL_PROJECT_ID: deal.raw_id,
            cs.DEAL_EST_MARGIN: _percent(deal.margin_pct) if late_stage else None,
            cs.DEAL_SCOPE: scope,
            cs.DEAL_PROPOSAL_VERSION: version,
        }
        crm.add("deals", deal.crm_id, props, created, modified)
        crm.link("deals", deal.crm_id, "companies", self.company_ids[deal.customer])
        contacts = self.contacts[deal.customer]
        mine = rng.sample(contacts, rng.randint(1, min(3, len(contacts))))
        for contact_id in mine:
            crm.link("deals", deal.crm_id, "contacts", contact_id)
        primary = None
        if "primary_contact" not in deal.gaps if deal.won else rng.random() < 0.8:
            primary = self.contact_names[mine[0]]
            crm.label_primary(deal.crm_id, mine[0])
        items = []
        if "line_items" not in deal.gaps if deal.won else deal.stage in _OPEN_STAGES and rng.random() < 0.5:
            items = _line_items(rng, amount)
        for name, quantity, price, total in items:
            item_id = crm.new_id("line_items")
            item = {"name": name, "quantity": str(quantity), "price": _money(price), "amount": _money(total)}
            crm.add("line_items", item_id, item, created, modified)
            crm.link("deals", deal.crm_id, "line_items", item_id)
        if "presales_ticket" not in deal.gaps if deal.won else rng.random() < 0.3:
            self._presales_ticket(deal)
        if "notes" not in deal.gaps:
            self._notes(deal)
        if delivery is not None:
            self._delivery_tickets(deal, delivery)
            if "project_record" not in deal.gaps:
                handover: _Props = {
                    "scope_summary": scope,
                    "signed_proposal_version": version,
                    "contract_value": props["amount"],
                    "deal_currency_code": deal.currency,
                    "primary_contact": primary,
                    "pricing_summary": "; ".join(f"{n} {q} × {_money(p)}" for n, q, p, _ in items) or None,
                }
                self._project_record(deal, delivery, handover)

    def _ticket(self, deal: _Deal, kind: str, opened_ago: int, closed_ago: int | None) -> None:
        rng, clock = self.rng, self.clock
        subjects = {"presales": names.PRESALES_SUBJECTS, "incident": names.INCIDENT_SUBJECTS,
                    "change_request": names.CHANGE_SUBJECTS}  # fmt: skip
        category = {
            "presales": "GENERAL_INQUIRY",
            "incident": "PRODUCT_ISSUE",
            "change_request": "FEATURE_REQUEST",
        }
        opened = clock.moment(rng, opened_ago)
        closed = None if closed_ago is None else max(opened, clock.moment(rng, closed_ago))
        props: _Props = {
            "subject": rng.choice(subjects[kind]),
            "content": "Raised during the sales cycle." if kind == "presales" else "Raised during delivery.",
            "hs_pipeline": "0",
            "hs_pipeline_stage": "4" if closed else rng.choice(("1", "2", "3")),  # 4 = closed
            "hs_ticket_category": category[kind],
            "ticket_kind": kind,
            "closed_date": _instant(closed) if closed else None,
        }
        ticket_id = self.crm.new_id("tickets")
        self.crm.add("tickets", ticket_id, props, opened, closed or opened)
        self.crm.link("deals", deal.crm_id, "tickets", ticket_id)

    def _presales_ticket(self, deal: _Deal) -> None:
        rng = self.rng
        end = max(1, deal.close_ago)
        opened_ago = rng.randint(end, max(end, deal.create_ago))
        is_open = rng.random() < (0.1 if deal.close_ago >= 1 else 0.5)
        self._ticket(deal, "presales", opened_ago, None if is_open else rng.randint(end, opened_ago))

    def _delivery_tickets(self, deal: _Deal, delivery: _Delivery) -> None:
        rng = self.rng
        if delivery.progress < 0.15:
            return
        for _ in range(rng.choices((0, 1, 2, 3), weights=(3, 3, 2, 1))[0]):
            kind = "incident" if rng.random() < 0.6 else "change_request"
            opened_ago = rng.randint(1, delivery.start_ago)
            is_open = rng.random() < (0.7 if opened_ago <= 30 else 0.1)
            self._ticket(deal, kind, opened_ago, None if is_open else max(1, opened_ago - rng.randint(1, 20)))

    def _notes(self, deal: _Deal) -> None:
        rng, end = self.rng, max(1, deal.close_ago)
        for _ in range(rng.randint(1, 6)):
            note_id = self.crm.new_id("notes")
            when = self.clock.moment(rng, rng.randint(end, max(end, deal.create_ago)))
            text = rng.choice(names.NOTE_TEXTS).format(contact=rng.choice(names.FIRST_NAMES))
            note: _Props = {"hs_note_body": f"<p>{text}</p>", "hs_timestamp": _instant(when)}
            self.crm.add("notes", note_id, note, when, when)
            self.crm.link("deals", deal.crm_id, "notes", note_id)

    def _project_record(self, deal: _Deal, delivery: _Delivery, handover: _Props) -> None:
        """The delivery team's project record; `handover` carries what sales passed on (the deal's values)."""
        rng, clock = self.rng, self.clock
        created_ago = max(1, deal.close_ago - rng.randint(0, 5))
        created = clock.moment(rng, created_ago)
        modified = max(created, clock.moment(rng, rng.randint(1, created_ago)))
        reported = {"completed": "100", "planning": "0"}.get(
            delivery.status, str(max(0, min(99, round(delivery.progress * 100 + rng.gauss(0, 3)))))
        )
        total, done = delivery.milestones_total, delivery.milestones_done
        next_name, next_date = None, None
        if done < total:
            milestones = names.SERVICES[deal.service][1]
            next_name = f"M{done + 1}: " + (milestones[done] if done < len(milestones) else "Acceptance")
            next_date = clock.day(delivery.start_ago - round(delivery.planned_days * (done + 1) / total))
        props: _Props = {
            "project_name": delivery.name,
            "erp_project_id": deal.raw_id,  # typed in by the same person as the deal's, so equally wrong
            "project_status": delivery.status,
            "percent_complete": None if rng.random() < 0.3 else reported,  # empty: cost-to-cost fallback
            "milestones_total": str(total),
            "milestones_done": str(done),
            "next_milestone": next_name,
            "next_milestone_date": next_date.isoformat() if next_date else None,
            **handover,
        }
        record_id = self.crm.new_id("projects")
        self.crm.add(cs.CUSTOM_OBJECT, record_id, props, created, modified)
        self.crm.link("deals", deal.crm_id, cs.CUSTOM_OBJECT, record_id)


def _line_items(rng: random.Random, amount_cents: int) -> list[tuple[str, int, int, int]]:
    """2-5 line items (name, quantity, unit price, amount; cents) that add up to the deal amount exactly."""
    count = rng.randint(2, 5)
    others = [(n, 0) for n in names.LINE_ITEM_FIXED[1:]] + list(names.LINE_ITEM_DAY_RATES)
    chosen = [*rng.sample(others, count - 1), (names.LINE_ITEM_FIXED[0], 0)]
    weights = [rng.uniform(0.5, 2.0) for _ in chosen]
    items, total = [], 0
    for (name, day_rate), weight in zip(chosen[:-1], weights, strict=False):
        share = amount_cents * weight / sum(weights)
        if day_rate:
            quantity, price = max(1, round(share / (day_rate * 100))), day_rate * 100
        else:
            quantity, price = 1, max(10_000, round(share / 10_000) * 10_000)
        items.append((name, quantity, price, quantity * price))
        total += quantity * price
    if amount_cents - total < 100_000:  # the fixed fee must keep a sensible remainder: share plainly instead
        items, total = [], 0
        for (name, _), weight in zip(chosen[:-1], weights, strict=False):
            share = int(amount_cents * weight / sum(weights)) // 100 * 100
            items.append((name, 1, share, share))
            total += share
    remainder = amount_cents - total
    items.append((chosen[-1][0], 1, remainder, remainder))
    return items


# ---------------------------------------------------------------------------------------------------
# ERP rows (Odoo 17)
# ---------------------------------------------------------------------------------------------------


@dataclass
class _ErpParties:
    customer_partner: list[int]  # by customer index
    conflict_partner: dict[int, int]  # deal crm id -> partner billed instead
    vendors: list[int]
    employees: dict[int, list[tuple[int, float]]]  # company id -> [(employee id, hourly cost)]


def _plan_erp(
    skeleton: _Skeleton, deliveries: list[_Delivery], seed: int, clock: _Clock, lines_per_project: int | None
) -> dict[str, TableRows]:
    rng = random.Random(f"{seed}:erp")
    rows: dict[str, list[tuple[Any, ...]]] = {
        name: [] for name in COLUMNS if name.startswith(("res_", "hr_"))
    }
    rows["res_currency"] = [(i, code, symbol) for i, (code, symbol) in enumerate(_CURRENCIES, start=1)]
    rows["res_company"] = [(i, name, i) for i, name in enumerate(_COMPANIES, start=1)]
    parties = _plan_parties(rng, skeleton, rows, clock)
    ledger = _Ledger(clock, lines_per_project, parties)
    accounts, projects = [], []
    for erp_id, delivery in enumerate(deliveries, start=1):
        deal = delivery.deal
        company = _COMPANY_OF_CURRENCY[delivery.currency]
        if deal is None:
            partner: int | None = 1 if "pilot" not in delivery.name else None
        else:
            partner = parties.conflict_partner.get(deal.crm_id, parties.customer_partner[deal.customer])
        create_ago = max(1, (deal.close_ago if deal else delivery.start_ago) - rng.randint(0, 3))
        write = clock.moment(rng, rng.randint(1, min(create_ago, 45)))
        accounts.append((erp_id, delivery.name, delivery.code, partner, company, 1, True, write))
        projects.append((
            erp_id, delivery.name, partner, erp_id, company, None, clock.day(delivery.start_ago),
            clock.day(delivery.planned_end_ago), True, delivery.erp_status, True,
            min(clock.moment(rng, create_ago), write), write,
        ))  # fmt: skip
        window = (max(1, delivery.start_ago - delivery.actual_days), max(1, delivery.start_ago))
        job = _Job(delivery, erp_id, company, partner, window)
        ledger.post(random.Random(f"{seed}:actuals:{delivery.code}"), job)
    tables = {name: TableRows(COLUMNS[name], table_rows) for name, table_rows in rows.items()}
    tables["account_analytic_account"] = TableRows(COLUMNS["account_analytic_account"], accounts)
    tables["project_project"] = TableRows(COLUMNS["project_project"], projects)
    tables["account_analytic_line"] = TableRows(COLUMNS["account_analytic_line"], ledger.lines)
    tables["account_move"] = TableRows(COLUMNS["account_move"], ledger.moves)
    tables["account_move_line"] = TableRows(COLUMNS["account_move_line"], ledger.move_lines)
    return tables


def _plan_parties(
    rng: random.Random, skeleton: _Skeleton, rows: dict[str, list[tuple[Any, ...]]], clock: _Clock
) -> _ErpParties:
    partners = rows["res_partner"]

    def partner(name: str, email: str | None, company_id: int | None = None) -> int:
        partner_id = len(partners) + 1
        partners.append((partner_id, name, True, email, company_id, clock.moment(rng, rng.randint(1, 400))))
        return partner_id

    for i, name in enumerate(_COMPANIES, start=1):  # Odoo gives every company its own partner: ids 1-3
        partner(name, f"finance@{name.split()[-1].lower().strip('.')}.throughline-demo.example", i)
    customers = [partner(c.name, f"accounts@{c.domain}") for c in skeleton.customers]
    conflicts = [d for d in skeleton.deals if d.problem == "conflict"]
    holdings = [f"{w} {f}" for w in names.HOLDING_WORDS for f in names.HOLDING_FORMS]
    picks = rng.sample(holdings, min(len(conflicts), len(holdings)))
    picks += [
        f"{holdings[i % len(holdings)]} {i // len(holdings) + 1}" for i in range(len(picks), len(conflicts))
    ]
    conflict = {d.crm_id: partner(name, None) for d, name in zip(conflicts, picks, strict=True)}
    vendors = [partner(name, None) for name in names.VENDORS]
    employees: dict[int, list[tuple[int, float]]] = {1: [], 2: [], 3: []}
    sizes = {1: rng.randint(18, 28), 2: rng.randint(4, 7), 3: rng.randint(3, 5)}
    people = rng.sample([(f, la) for f in names.FIRST_NAMES for la in names.LAST_NAMES], sum(sizes.values()))
    for company, size in sizes.items():
        for _ in range(size):
            first, last = people.pop()
            employee_id, cost = len(rows["hr_employee"]) + 1, round(rng.uniform(35, 110) * 2) / 2
            rows["hr_employee"].append((employee_id, f"{first} {last}", cost, company))
            employees[company].append((employee_id, cost))
    return _ErpParties(customers, conflict, vendors, employees)


@dataclass(frozen=True, slots=True)
class _Job:
    """One ERP project as the ledger books it: its ids, the customer billed and the days work was done."""

    delivery: _Delivery
    account: int  # analytic account id = project id
    company: int
    partner: int | None
    window: tuple[int, int]  # (latest, earliest) day of work, in days before as_of


class _Ledger:
    """Books a project's actuals: timesheets, vendor bills, other costs, invoices and credit notes."""

    def __init__(self, clock: _Clock, lines_per_project: int | None, parties: _ErpParties) -> None:
        self.clock = clock
        self.lines_per_project = lines_per_project
        self.parties = parties
        self.lines: list[tuple[Any, ...]] = []
        self.moves: list[tuple[Any, ...]] = []
        self.move_lines: list[tuple[Any, ...]] = []
        self._sequence: dict[str, int] = {}

    def post(self, rng: random.Random, job: _Job) -> None:
        """Book everything the project has cost and billed up to as_of."""
        cost = job.delivery.cost_cents
        if cost <= 0 and job.delivery.milestones_done == 0:
            return
        vendor = round(cost * (0.0 if rng.random() < 0.3 else rng.uniform(0.05, 0.3)))
        other = round(cost * rng.uniform(0.01, 0.06))
        labor = cost - vendor - other
        before = len(self.lines)
        self._invoices(rng, job)
        for part in _split(rng, vendor, rng.randint(1, 4)):
            ago = rng.randint(*job.window)
            paid = ago > 30 and rng.random() < 0.85
            self._move(rng, job, "in_invoice", part, ago, rng.choice(self.parties.vendors), paid=paid)
        self._other_costs(rng, job, other)
        if self.lines_per_project is not None:
            count = max(1, self.lines_per_project - (len(self.lines) - before))
        else:  # roughly one entry per person-week
            count = max(3, min(80, round(labor / 100 / 70 / 30)))
        self._timesheets(rng, job, labor, count)

    def _timesheets(self, rng: random.Random, job: _Job, cents: int, count: int) -> None:
        if cents <= 0:
            return
        staff = self.parties.employees[job.company]
        team = rng.sample(staff, min(len(staff), rng.randint(2, 5)))
        # The hot loop of a million-line portfolio: plain random() arithmetic instead of randint/choice.
        draw = rng.random
        weights = [draw() + 0.5 for _ in range(count)]
        scale = cents / 100 / sum(weights)
        latest, earliest = job.window
        span = earliest - latest + 1
        days = sorted((earliest - int(draw() * span) for _ in range(count)), reverse=True)
        lines, day, moment = self.lines, self.clock.day, self.clock.moment
        activities, n_activities, n_team = (
            names.TIMESHEET_ACTIVITIES,
            len(names.TIMESHEET_ACTIVITIES),
            len(team),
        )
        account, company = job.account, job.company
        next_id = len(lines) + 1
        for weight, ago in zip(weights, days, strict=True):
            employee, hourly = team[int(draw() * n_team)]
            hours = max(0.25, round(weight * scale / hourly * 4) / 4)
            lag = draw()
            written = moment(rng, max(1, ago - (0 if lag < 0.6 else 1 if lag < 0.8 else 2)))
            lines.append((
                next_id, activities[int(draw() * n_activities)], day(ago), -round(hours * hourly, 2), hours,
                account, account, employee, None, "other", None, company, written,
            ))  # fmt: skip
            next_id += 1

    def _other_costs(self, rng: random.Random, job: _Job, cents: int) -> None:
        for part in _split(rng, cents, rng.randint(1, 3)):
            ago = rng.randint(*job.window)
            self.lines.append((
                len(self.lines) + 1, rng.choice(names.OTHER_COSTS), self.clock.day(ago), -part / 100, 1.0,
                job.account, None, None, None, "other", None, job.company, self._written(rng, ago),
            ))  # fmt: skip

    def _invoices(self, rng: random.Random, job: _Job) -> None:
        total, done = job.delivery.milestones_total, job.delivery.milestones_done
        if done == 0:
            return
        parts = _split(rng, job.delivery.contract_cents, total, even=True)[:done]
        latest, earliest = job.window
        dates = [
            max(latest, earliest - round(job.delivery.actual_days * (i + 1) / total)) for i in range(done)
        ]
        refund = 0
        if rng.random() < 0.04:  # an over-billed first invoice, corrected by a credit note
            refund = round(parts[0] * rng.uniform(0.05, 0.15))
            parts[0] += refund
        for cents, ago in zip(parts, dates, strict=True):
            self._move(rng, job, "out_invoice", cents, ago, job.partner, paid=None)
        if refund:
            ago = max(1, dates[0] - rng.randint(7, 30))
            self._move(rng, job, "out_refund", refund, ago, job.partner, paid=True)

    def _written(self, rng: random.Random, ago: int) -> datetime:
        return self.clock.moment(rng, max(1, ago - rng.choice((0, 0, 0, 1, 2))))

    def _name(self, move_type: str, day: date) -> str:
        """Odoo 17's sequence names: INV/2025/00042, RINV/2025/00003, BILL/2025/03/0007."""
        prefix = {"out_invoice": "INV", "out_refund": "RINV", "in_invoice": "BILL"}[move_type]
        key = f"{prefix}/{day.year}"
        number = self._sequence[key] = self._sequence.get(key, 0) + 1
        return f"{key}/{day.month:02d}/{number:04d}" if prefix == "BILL" else f"{key}/{number:05d}"

    def _move(
        self,
        rng: random.Random,
        job: _Job,
        move_type: str,
        cents: int,
        ago: int,
        partner: int | None,
        *,
        paid: bool | None,
    ) -> None:
        """One posted invoice, bill or credit note, its product line and the analytic line Odoo derives."""
        tax_cents = (cents * _TAX_PERMILLE[job.company] + 500) // 1000  # rounded half up, in whole cents
        if paid is None:
            state, residual_cents = _payment(rng, cents + tax_cents, ago - 30)
        else:
            state, residual_cents = ("paid", 0) if paid else ("not_paid", cents + tax_cents)
        untaxed, tax, total, residual = (
            cents / 100,
            tax_cents / 100,
            (cents + tax_cents) / 100,
            residual_cents / 100,
        )
        invoice_date = self.clock.day(ago)
        name = self._name(move_type, invoice_date)
        sign = 1 if move_type == "out_invoice" else -1  # Odoo's *_signed: refunds and bills negative
        move_id, line_id = len(self.moves) + 1, len(self.move_lines) + 1
        written = self._written(rng, ago if state == "not_paid" else max(1, ago - rng.randint(0, 40)))
        ref = f"V-{rng.randint(10_000, 99_999)}" if move_type == "in_invoice" else None
        self.moves.append((
            move_id, name, move_type, "posted", partner, job.company, job.company, invoice_date,
            self.clock.day(ago - 30), None, ref, untaxed, tax, total, residual, sign * untaxed, sign * total,
            sign * residual, state, written,
        ))  # fmt: skip
        balance = -untaxed if move_type == "out_invoice" else untaxed  # income is a credit, costs a debit
        label = _MOVE_LABELS[move_type]
        self.move_lines.append((
            line_id, move_id, label, "product", 1.0, untaxed, untaxed, total, balance,
            f'{{"{job.account}": 100.0}}', partner, "posted", move_type, written,
        ))  # fmt: skip
        category = "vendor_bill" if move_type == "in_invoice" else "invoice"
        self.lines.append((
            len(self.lines) + 1, f"{name} {label}", invoice_date, -balance, 1.0, job.account, None, None,
            partner, category, line_id, job.company, written,
        ))  # fmt: skip


def _payment(rng: random.Random, total_cents: int, days_overdue: int) -> tuple[str, int]:
    """Payment state and cents still due of an invoice that fell due `days_overdue` days before as_of."""
    r = rng.random()
    paid, partial = (0.88, 0.05) if days_overdue > 30 else (0.55, 0.10) if days_overdue > 0 else (0.2, 0.0)
    if r < paid:
        return "paid", 0
    if r < paid + partial:
        return "partial", round(total_cents * rng.uniform(0.3, 0.7))
    return "not_paid", total_cents


def _split(rng: random.Random, cents: int, parts: int, *, even: bool = False) -> list[int]:
    """`cents` cut into `parts` positive pieces that sum exactly (even: equal ones, the last absorbs)."""
    if cents <= 0:
        return []
    parts = max(1, min(parts, cents // 100))
    weights = [1.0] * parts if even else [rng.uniform(0.5, 1.5) for _ in range(parts)]
    pieces = [int(cents * w / sum(weights)) for w in weights[:-1]]
    return [*pieces, cents - sum(pieces)]


# ---------------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------------


def _row_converter(types: Sequence[Any]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """Turns a planned row into what SQLAlchemy's SQLite dialect would store (its date formats, 0/1)."""
    days: dict[date, str] = {}

    def as_date(value: date | None) -> str | None:
        if value is None:
            return None
        found = days.get(value)
        if found is None:
            found = days[value] = value.isoformat()
        return found

    def as_datetime(value: datetime | None) -> str | None:
        # sqlmodel's UTCDateTime stores UTC without an offset, like this
        if value is None:
            return None
        if value.tzinfo is not UTC:
            if value.utcoffset() is None:
                raise ValueError(f"planned datetimes must be timezone-aware, got {value!r}")
            value = value.astimezone(UTC)
        return value.isoformat(" ", "microseconds")[:26]

    def as_bool(value: bool | None) -> int | None:
        return None if value is None else int(value)

    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for index, declared in enumerate(types):
        column_type = declared.impl if isinstance(declared, TypeDecorator) else declared
        if isinstance(column_type, DateTime):
            converters.append((index, as_datetime))
        elif isinstance(column_type, Date):
            converters.append((index, as_date))
        elif isinstance(column_type, Boolean):
            converters.append((index, as_bool))

    def convert(row: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(row)
        for index, function in converters:
            values[index] = function(values[index])
        return tuple(values)

    return convert
