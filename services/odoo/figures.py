"""Odoo's answers turned into figures: per-project sums from grouped analytic lines, invoice shares.

Pure functions over what the JSON-RPC calls returned (no network), so the attribution rules can be read and
tested on their own: labor = timesheet lines (`project_id` set), vendor cost = lines of category
`vendor_bill`, other cost = the remaining negative lines; an invoice's untaxed, total and residual amounts
are spread over projects by the `analytic_distribution` of its product lines.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from services import money
from services.models import ErpProject, ErpReceivable, ErpRecordId, ErpSnapshot

SUM_TOLERANCE = 0.005  # totals are float sums in another order; a real change moves them by a cent or more
LINE_FIGURES = ("labor_hours", "labor_cost", "vendor_cost", "other_cost")


@dataclass(frozen=True)
class OdooMarks:
    """What a read saw, for the next refresh to tell what changed since."""

    account_lines: Mapping[int, tuple[int, float, float]]
    """Per analytic account: its lines' count, Σ amount and Σ hours."""
    project_of_account: Mapping[int, ErpRecordId]
    """The project each analytic account's figures count for."""
    project_count: int


@dataclass(frozen=True)
class Projects:
    """The projects part of a read: the records, which project each account counts for, currencies."""

    projects: tuple[ErpProject, ...]
    project_of_account: Mapping[int, ErpRecordId]
    currency_of: Mapping[ErpRecordId, str]
    notes: tuple[str, ...]


def line_sums(
    groups: Iterable[Mapping[str, Any]],
    project_of_account: Mapping[int, ErpRecordId],
    currency_of: Mapping[ErpRecordId, str],
) -> dict[ErpRecordId, dict[str, Decimal]]:
    """Per project: labor (timesheet lines), vendor cost and other cost, from `read_group` groups."""
    sums: dict[ErpRecordId, dict[str, Decimal]] = {pid: defaultdict(Decimal) for pid in currency_of}
    for group in groups:
        account_id = m2o_id(group.get("account_id"))
        project = project_of_account.get(account_id or 0)
        if project is None:
            continue
        amount = Decimal(str(group.get("amount") or 0))
        hours = Decimal(str(group.get("unit_amount") or 0))
        target = sums[project]
        if group.get("project_id"):
            target["labor_cost"] -= amount
            target["labor_hours"] += hours
        elif group.get("category") == "vendor_bill":
            target["vendor_cost"] -= amount
        elif group.get("category") == "other" and amount < 0:
            target["other_cost"] -= amount
    return sums


def receivable_rows(
    moves: Mapping[int, Mapping[str, Any]],
    lines: Iterable[Mapping[str, Any]],
    project_of_account: Mapping[int, ErpRecordId],
    currency_of: Mapping[ErpRecordId, str],
) -> list[ErpReceivable]:
    """Each move's share per project: Σ line subtotal × distribution % (pro-rating split invoices)."""
    weights: dict[int, dict[ErpRecordId, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in lines:
        move_id = m2o_id(line.get("move_id"))
        split = distribution(line.get("analytic_distribution"))
        subtotal = abs(Decimal(str(line.get("price_subtotal") or 0)))
        for account_id, percent in split.items():
            project = project_of_account.get(account_id)
            if move_id is not None and move_id in moves and project is not None:
                weights[move_id][project] += subtotal * percent / 100
    receivables: list[ErpReceivable] = []
    for move_id, shares in weights.items():
        move = moves[move_id]
        total_weight = sum(shares.values()) or Decimal(1)
        for project, weight in shares.items():
            share = weight / total_weight
            receivables.append(
                ErpReceivable(
                    erp_record_id=project,
                    document=document(move_id, move),
                    invoice_date=day(move.get("invoice_date")),
                    due_date=day(move.get("invoice_date_due")),
                    amount_untaxed=cents(Decimal(str(move.get("amount_untaxed_signed") or 0)) * share),
                    amount_total=cents(Decimal(str(move.get("amount_total_signed") or 0)) * share),
                    amount_residual=cents(Decimal(str(move.get("amount_residual_signed") or 0)) * share),
                    currency=currency_of[project],
                    payment_state=move.get("payment_state") or None,
                )
            )
    return receivables


def document(move_id: int, move: Mapping[str, Any]) -> str:
    return str(move.get("name") or move_id)


def lines_by_account(groups: Iterable[Mapping[str, Any]]) -> dict[int, tuple[int, float, float]]:
    """Per analytic account: its lines' count, Σ amount and Σ hours, from `read_group` groups."""
    out: dict[int, tuple[int, float, float]] = {}
    for group in groups:
        account_id = m2o_id(group.get("account_id"))
        if account_id is None:
            continue
        count, amount, hours = out.get(account_id, (0, 0.0, 0.0))
        out[account_id] = (
            count + int(group.get("__count") or 0),
            amount + float(group.get("amount") or 0),
            hours + float(group.get("unit_amount") or 0),
        )
    return out


def previous_part(previous: ErpSnapshot, marks: OdooMarks) -> Projects:
    """The projects part of the previous read, when no project or account changed since."""
    currency_of = {p.erp_record_id: p.currency for p in previous.projects}
    return Projects(previous.projects, marks.project_of_account, currency_of, previous.notes)


def merged_line_sums(
    previous: ErpSnapshot,
    fresh: Mapping[ErpRecordId, Mapping[str, Decimal]],
    recount: set[ErpRecordId],
    part: Projects,
) -> dict[ErpRecordId, dict[str, Decimal]]:
    """Per project: the line figures summed again for `recount`, the previous ones for the rest."""
    before = {a.erp_record_id: a for a in previous.actuals}
    sums: dict[ErpRecordId, dict[str, Decimal]] = {}
    for pid in part.currency_of:
        target: dict[str, Decimal] = defaultdict(Decimal)
        if pid in recount:
            target.update(fresh.get(pid, {}))
        elif pid in before:
            target.update({name: getattr(before[pid], name) for name in LINE_FIGURES})
        sums[pid] = target
    return sums


def adds_up(account_lines: Mapping[int, tuple[int, float, float]], totals: tuple[int, float, float]) -> bool:
    """Whether the per-account marks add up to the server's totals (count exactly, sums to the cent)."""
    count = sum(v[0] for v in account_lines.values())
    amount = sum(v[1] for v in account_lines.values())
    hours = sum(v[2] for v in account_lines.values())
    return (
        count == totals[0]
        and abs(amount - totals[1]) < SUM_TOLERANCE
        and abs(hours - totals[2]) < SUM_TOLERANCE
    )


def odoo_time(moment: datetime) -> str:
    """A UTC instant as Odoo's domains take datetimes: 'YYYY-MM-DD HH:MM:SS'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def add_receivables(
    sums: dict[ErpRecordId, dict[str, Decimal]], receivables: Sequence[ErpReceivable]
) -> None:
    for item in receivables:
        target = sums[item.erp_record_id]
        target["invoiced"] += item.amount_untaxed
        target["invoiced_gross"] += item.amount_total
        target["paid"] += item.amount_total - item.amount_residual
        target["outstanding"] += item.amount_residual


def distribution(value: Any) -> dict[int, Decimal]:
    """Odoo's analytic_distribution {"12": 100.0, "12,45": 40.0} -> {account id: percent}."""
    if not value:
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    out: dict[int, Decimal] = defaultdict(Decimal)
    for key, percent in dict(value).items():
        for part in str(key).split(","):
            if part.strip().isdigit():
                out[int(part)] += Decimal(str(percent))
    return out


def m2o_id(value: Any) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def m2o_name(value: Any) -> str | None:
    if isinstance(value, list | tuple) and len(value) > 1:
        return str(value[1])
    return None


def day(value: Any) -> date | None:
    if not value:
        return None
    return date.fromisoformat(str(value)[:10])


def when(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


def cents(value: Decimal) -> Decimal:
    """Rounded to the cent, whatever its size (services/money.py)."""
    return money.cents(value)
