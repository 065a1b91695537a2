"""The skeleton of the portfolio: customers, deals, ERP project codes and the deliberate ID problems.

It depends on (deals, seed) only, never on as_of or on the ERP volume, so the manifest an audit is checked
against stays the same when the demo is rebuilt on another day: every date is a number of days before
as_of, and every draw comes from the skeleton's own stream, `random.Random("<seed>:skeleton")`. The
problems grow with the portfolio (a few of each kind per 300 deals); each `Problem` is a fact the audit
should find.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sandbox import crm_schema as cs
from sandbox import names

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
ID_BASE = {
    "deals": 21_000_000_000, "companies": 31_000_000_000, "contacts": 41_000_000_000,
    "line_items": 51_000_000_000, "tickets": 61_000_000_000, "notes": 71_000_000_000,
    "projects": 81_000_000_000,
}  # fmt: skip
OPEN_STAGES = tuple(stage for stage, _, _, closed in cs.DEAL_STAGES if not closed)


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


@dataclass(frozen=True, slots=True)
class Customer:
    short: str  # "Bluefin Analytics", as in deal names
    name: str  # "Bluefin Analytics Ltd", the company record and ERP partner
    domain: str
    industry: str
    country: str


@dataclass(slots=True)
class Deal:
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

    def title(self, customers: Sequence[Customer]) -> str:
        return f"{customers[self.customer].short} – {self.service}" + (
            names.FOLLOW_ON_SUFFIX if self.follow_on else ""
        )


@dataclass(slots=True)
class Orphan:
    name: str
    start_ago: int
    code: str = ""


@dataclass
class Skeleton:
    customers: list[Customer]
    deals: list[Deal]  # in CRM id order
    orphans: list[Orphan]
    problems: list[Problem] = field(default_factory=list)


def _stage_counts(deals: int) -> tuple[int, int, int]:
    won, still_open = round(deals * 0.70), round(deals * 0.15)
    return won, still_open, deals - won - still_open


def sorted_manifest(problems: Iterable[Problem]) -> list[dict[str, str | None]]:
    rows = [p.as_dict() for p in problems]
    return sorted(rows, key=lambda r: (r["kind"] or "", r["crm_deal_id"] or "", r["erp_project_id"] or ""))


def _code(number: int) -> str:
    return f"{CODE_PREFIX}{number:05d}"


def plan_skeleton(deals: int, seed: int) -> Skeleton:
    rng = random.Random(f"{seed}:skeleton")
    customers = _draw_customers(rng, max(60, round(deals / 4)))
    drawn = _draw_deals(rng, deals, len(customers))
    counts = problem_counts(deals)
    chosen = _choose_problem_deals(rng, drawn, counts)
    ordered = sorted(drawn, key=lambda d: (-d.create_ago, d.draw))  # HubSpot ids grow with creation time
    for i, deal in enumerate(ordered):
        deal.crm_id = ID_BASE["deals"] + 1 + i
        if deal.won:
            deal.gaps = frozenset(g for g in GAPS if rng.random() < 0.07)
            if deal.problem is not None:  # every problem deal has its project record
                deal.gaps -= {"project_record"}
    orphans = _draw_orphans(rng, counts["orphan"])
    taken = _assign_codes(rng, ordered, orphans)
    skeleton = Skeleton(customers, ordered, orphans)
    skeleton.problems = _set_raw_ids(rng, ordered, chosen, orphans, taken)
    return skeleton


def _draw_customers(rng: random.Random, count: int) -> list[Customer]:
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
        customers.append(Customer(short, f"{short} {suffix}", domain, industry, country))
    return customers


def _draw_deals(rng: random.Random, count: int, n_customers: int) -> list[Deal]:
    won, still_open, lost = _stage_counts(count)
    stages = (
        ["closedwon"] * won + ["closedlost"] * lost + [rng.choice(OPEN_STAGES) for _ in range(still_open)]
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
        if stage in OPEN_STAGES:
            create_ago, close_ago = rng.randint(1, 120), -rng.randint(7, 120)
        else:
            close_ago = rng.randint(1, HISTORY_DAYS)
            create_ago = close_ago + rng.randint(14, 120)
        amount_cents = round(amount / 500) * 50_000
        deals.append(Deal(i, stage, customer, service, amount_cents, currency, margin, create_ago, close_ago))
    return deals


def _choose_problem_deals(
    rng: random.Random, deals: list[Deal], counts: dict[ProblemKind, int]
) -> dict[ProblemKind, list[Deal]]:
    on_deals = sum(n for kind, n in counts.items() if kind != "orphan")
    pool = rng.sample([d for d in deals if d.won], on_deals)
    chosen: dict[ProblemKind, list[Deal]] = {}
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


def _draw_orphans(rng: random.Random, count: int) -> list[Orphan]:
    titles = rng.sample(names.INTERNAL_PROJECTS, len(names.INTERNAL_PROJECTS))
    orphans = []
    for i in range(count):
        title = titles[i % len(titles)] + (f" ({i // len(titles) + 1})" if i >= len(titles) else "")
        orphans.append(Orphan(title, rng.randint(60, HISTORY_DAYS)))
    return orphans


def _assign_codes(rng: random.Random, deals: list[Deal], orphans: list[Orphan]) -> set[int]:
    """Number the ERP projects in the order they started, with gaps (numbers burnt on cancelled work)."""
    events: list[tuple[int, int, Deal | Orphan]] = [(d.close_ago, d.draw, d) for d in deals if d.won]
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
    deals: list[Deal],
    chosen: dict[ProblemKind, list[Deal]],
    orphans: list[Orphan],
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
