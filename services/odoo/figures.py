"""Per-project costs from Odoo's grouped analytic lines, counted as Odoo's project profitability panel does.

Odoo's panel (`project.project._get_profitability_items`, extended by each module; 17.0-19.0 source):
- timesheets, lines with `project_id` (hr_timesheet), are costs (sale_timesheet `_get_profitability_items_
  from_aal`, amount < 0 is cost);
- vendor bills are costs, from the bill lines' share of the account (project_account `_get_costs_items_from_
  purchase`); their analytic lines (category `vendor_bill`, `-balance x %`, posted bills only) are the same
  amounts;
- customer invoices are revenue, from the invoice lines (sale_project `_get_items_from_invoices`): invoices.py
  reads them, so lines of category `invoice` are not costs here;
- every other line without a journal item, whatever its sign, is "Other Costs" when negative and "Other
  Revenues" when positive (project_account `_get_items_from_aal`, domain `move_line_id = False`; manufacturing
  orders and pickings have sections of their own and are costs here too): Throughline's other cost is that
  net, so revenue posted straight on the account lowers it and a cost reversed is not lost;
- lines from a journal item that is neither an invoice nor a bill (a miscellaneous entry with a distribution)
  are in none of the panel's sections; they are left out here too, and a note says how many and how much.
A line counts for every project whose account it holds in any plan column (`account_id` for the Projects
plan, `x_plan<N>_id` for the others, 17+), so a project whose account sits in another plan has its costs.
Without Timesheets (no `project_id` on lines) labor is unavailable, not zero.

Sums arrive as JSON floats; they become Decimals by their text and are quantized once, in the snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from services import money
from services.models import ErpActuals, ErpProject, ErpReceivable, ErpRecordId, ErpSnapshot

SUM_TOLERANCE = 0.005  # totals are float sums in another order; a real change moves them by a cent or more
LINE_SUMS = ("amount:sum", "unit_amount:sum")
NO_TIMESHEETS = "not available (Timesheets not installed)"

LineSet = tuple[int | None, ...]
"""The accounts a line holds, one per plan column, in the columns' order."""


@dataclass(frozen=True)
class LineFigures:
    """One project's figures from its analytic lines (exact; quantized in the snapshot)."""

    labor_cost: Decimal = Decimal(0)
    labor_hours: Decimal = Decimal(0)
    vendor_cost: Decimal = Decimal(0)
    other_cost: Decimal = Decimal(0)
    left_out_lines: int = 0
    left_out_amount: Decimal = Decimal(0)


@dataclass(frozen=True)
class Lines:
    """How to read the analytic lines of one database: its plan columns and which modules add fields."""

    columns: tuple[str, ...]
    timesheets: bool
    journals: bool

    @property
    def groupby(self) -> list[str]:
        extra = ["journal_id"] if self.journals else []
        return [*self.columns, "category", *extra, *(["project_id"] if self.timesheets else [])]

    def touching(self, accounts: Iterable[int]) -> list[Any]:
        """The domain of lines holding any of `accounts` in any plan column."""
        ids = sorted(accounts)
        leaves: list[Any] = [[column, "in", ids] for column in self.columns]
        return ["|"] * (len(leaves) - 1) + leaves


@dataclass(frozen=True)
class OdooMarks:
    """What a read saw, for the next refresh to tell what changed since."""

    line_sets: Mapping[LineSet, tuple[int, float, float]]
    """Per combination of plan-column accounts: its lines' count, Σ amount and Σ hours."""
    project_of_account: Mapping[int, ErpRecordId]
    """The project each analytic account's figures count for."""
    project_count: int
    line_figures: Mapping[ErpRecordId, LineFigures] = field(default_factory=dict)
    project_notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Projects:
    """The projects part of a read: the records, which project each account counts for, currencies."""

    projects: tuple[ErpProject, ...]
    project_of_account: Mapping[int, ErpRecordId]
    currency_of: Mapping[ErpRecordId, str]
    notes: tuple[str, ...]


def line_figures(
    groups: Iterable[Mapping[str, Any]], lines: Lines, project_of_account: Mapping[int, ErpRecordId]
) -> dict[ErpRecordId, LineFigures]:
    """Per project: labor, vendor cost, net other cost and the lines left out, from grouped analytic lines."""
    sums: dict[ErpRecordId, dict[str, Any]] = defaultdict(lambda: defaultdict(Decimal))
    for group in groups:
        projects = {
            project_of_account[a] for a in accounts_of(group, lines.columns) if a in project_of_account
        }
        if not projects:
            continue
        amount, hours = _dec(group.get("amount")), _dec(group.get("unit_amount"))
        kind = line_kind(group, lines)
        for project in projects:
            target = sums[project]
            if kind == "labor":
                target["labor_cost"] -= amount
                target["labor_hours"] += hours
            elif kind == "vendor":
                target["vendor_cost"] -= amount
            elif kind == "other":
                target["other_cost"] -= amount
            elif kind == "left_out":
                target["left_out_lines"] += int(group.get("__count") or 0)
                target["left_out_amount"] += amount
    return {project: LineFigures(**values) for project, values in sums.items()}


def line_kind(group: Mapping[str, Any], lines: Lines) -> str:
    """labor, vendor, invoice (revenue, read from the invoice lines), other, or left_out (as module doc)."""
    if lines.timesheets and group.get("project_id"):
        return "labor"
    category = group.get("category")
    if category == "vendor_bill":
        return "vendor"
    if category == "invoice":
        return "invoice"
    if lines.journals and group.get("journal_id"):
        return "left_out"
    return "other"


def accounts_of(group: Mapping[str, Any], columns: Sequence[str]) -> set[int]:
    return {a for a in (m2o_id(group.get(column)) for column in columns) if a is not None}


def line_sets(
    groups: Iterable[Mapping[str, Any]], columns: Sequence[str]
) -> dict[LineSet, tuple[int, float, float]]:
    """Per combination of plan-column accounts: count, Σ amount and Σ hours (the refresh's marks)."""
    out: dict[LineSet, tuple[int, float, float]] = {}
    for group in groups:
        key = tuple(m2o_id(group.get(column)) for column in columns)
        count, amount, hours = out.get(key, (0, 0.0, 0.0))
        out[key] = (
            count + int(group.get("__count") or 0),
            amount + float(group.get("amount") or 0),
            hours + float(group.get("unit_amount") or 0),
        )
    return out


def adds_up(sets: Mapping[LineSet, tuple[int, float, float]], totals: tuple[int, float, float]) -> bool:
    """Whether the marks add up to the server's totals (count exactly, sums to the cent)."""
    count = sum(v[0] for v in sets.values())
    amount = sum(v[1] for v in sets.values())
    hours = sum(v[2] for v in sets.values())
    return (
        count == totals[0]
        and abs(amount - totals[1]) < SUM_TOLERANCE
        and abs(hours - totals[2]) < SUM_TOLERANCE
    )


def unavailable(lines: Lines) -> dict[str, str]:
    """The figures this database cannot give, and why."""
    return {} if lines.timesheets else {"labor_cost": NO_TIMESHEETS, "labor_hours": NO_TIMESHEETS}


def line_notes(
    figures: Mapping[ErpRecordId, LineFigures],
    projects: Sequence[ErpProject],
    currency_of: Mapping[ErpRecordId, str],
) -> tuple[str, ...]:
    """What the page should say about lines left out and other costs below zero."""
    names = {p.erp_record_id: p.name for p in projects}
    notes: list[str] = []
    left_out = sorted((pid, f) for pid, f in figures.items() if f.left_out_lines and pid in names)
    if left_out:
        shown = "; ".join(
            f"{names[pid]}: {f.left_out_lines} line(s), {-cents(f.left_out_amount)} {currency_of[pid]}"
            for pid, f in left_out[:3]
        )
        more = f" and {len(left_out) - 3} more" if len(left_out) > 3 else ""
        notes.append(
            "Analytic lines from miscellaneous journal entries (neither invoices nor vendor bills) are not "
            "counted, as Odoo's project profitability panel does not count them: " + shown + more
        )
    negative = sorted(names[pid] for pid, f in figures.items() if f.other_cost < 0 and pid in names)
    if negative:
        listed = ", ".join(negative[:3]) + (f" and {len(negative) - 3} more" if len(negative) > 3 else "")
        notes.append(
            "Other cost is net of revenue posted directly on the analytic account (Odoo's 'Other Revenues'); "
            f"it is below zero for {listed}"
        )
    return tuple(notes)


def actuals(
    currency_of: Mapping[ErpRecordId, str],
    figures: Mapping[ErpRecordId, LineFigures],
    receivables: Iterable[ErpReceivable],
) -> tuple[ErpActuals, ...]:
    """Per project: its line figures quantized to the cent (once, here) and its invoice shares summed (they
    are cents already, invoices.py)."""
    money: dict[ErpRecordId, dict[str, Decimal]] = {pid: defaultdict(Decimal) for pid in currency_of}
    for item in receivables:
        target = money[item.erp_record_id]
        target["invoiced"] += item.amount_untaxed
        target["invoiced_gross"] += item.amount_total
        target["paid"] += item.amount_total - item.amount_residual
        target["outstanding"] += item.amount_residual
    out = []
    for pid, currency in currency_of.items():
        f = figures.get(pid) or LineFigures()
        lines = {
            "labor_cost": cents(f.labor_cost),
            "labor_hours": cents(f.labor_hours),
            "vendor_cost": cents(f.vendor_cost),
            "other_cost": cents(f.other_cost),
        }
        out.append(ErpActuals(erp_record_id=pid, currency=currency, **lines, **money[pid]))
    return tuple(out)


def merged_figures(
    previous: Mapping[ErpRecordId, LineFigures],
    fresh: Mapping[ErpRecordId, LineFigures],
    recount: set[ErpRecordId],
    current: Iterable[ErpRecordId],
) -> dict[ErpRecordId, LineFigures]:
    """Per current project: the figures summed again for `recount`, the previous ones for the rest."""
    out = {}
    for pid in current:
        chosen = fresh.get(pid) if pid in recount else previous.get(pid)
        out[pid] = chosen or LineFigures()
    return out


def previous_part(previous: ErpSnapshot, marks: OdooMarks) -> Projects:
    """The projects part of the previous read, when no project or account changed since."""
    currency_of = {p.erp_record_id: p.currency for p in previous.projects}
    return Projects(previous.projects, marks.project_of_account, currency_of, marks.project_notes)


def odoo_time(moment: datetime) -> str:
    """A UTC instant as Odoo's domains take datetimes: 'YYYY-MM-DD HH:MM:SS'."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def m2o_id(value: Any) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, dict) and isinstance(value.get("id"), int):
        return int(value["id"])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def m2o_name(value: Any) -> str | None:
    if isinstance(value, list | tuple) and len(value) > 1:
        return str(value[1])
    if isinstance(value, dict) and value.get("display_name"):
        return str(value["display_name"])
    return None


def day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None


def when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC) if value else None


def cents(value: Decimal) -> Decimal:
    """Rounded to the cent, whatever its size (services/money.py)."""
    return money.cents(value)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, False) else Decimal(0)
