"""Delivery: how each ERP project went (dates, health, progress, cost), shared by the CRM and ERP sides.

Most jobs land near the estimate, some erode and a few lose money; progress, status and the milestones
billed follow from the start date and the overrun. Each project draws from its own stream,
`random.Random("<seed>:delivery:<code>")`, apart from the CRM and ERP streams that use it. The CRM side
reports the status and milestones on the project record; the ERP side books the cost and the invoices.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.portfolio.skeleton import Deal, Orphan, Skeleton


@dataclass(slots=True)
class Delivery:
    code: str
    name: str
    deal: Deal | None  # None for internal work (the orphans)
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


def plan_deliveries(skeleton: Skeleton, seed: int) -> list[Delivery]:
    deliveries = [_deal_delivery(seed, d, d.title(skeleton.customers)) for d in skeleton.deals if d.won]
    deliveries += [_internal_delivery(seed, o) for o in skeleton.orphans]
    return sorted(deliveries, key=lambda d: d.code)


def _deal_delivery(seed: int, deal: Deal, title: str) -> Delivery:
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
    return Delivery(
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


def _internal_delivery(seed: int, orphan: Orphan) -> Delivery:
    rng = random.Random(f"{seed}:delivery:{orphan.code}")
    planned = rng.randint(60, 360)
    progress = min(1.0, orphan.start_ago / planned)
    status = "completed" if progress >= 1 else "in_progress"
    cost = round(rng.uniform(8_000, 60_000) * 100 * progress)
    return Delivery(
        orphan.code, orphan.name, None, "USD", 0, orphan.start_ago, planned, planned, progress, status,
        "done" if status == "completed" else "on_track", cost, 0, 0,
    )  # fmt: skip
