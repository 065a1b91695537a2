"""Each customer invoice's share per project, to the cent, from the invoice's own lines.

A project is credited with what its lines carry, never with the whole invoice: for each product line, its
untaxed amount (`price_subtotal`) and its amount with tax (`price_total`) times the project's percentage of
that line's `analytic_distribution`. Keys may join one account per plan ("12,45": Odoo 17+ splits them on
",", account/models/account_move_line.py), so a project's percentage is the sum of the keys that name its
account. Lines for no project, and the department's half of a line split with a department, stay with
nobody. Credit notes (`out_refund`) count negative, as Odoo's signed amounts do.

The project's share of what is still due is the invoice's residual times the project's share of the invoice
total (Odoo records payments against the invoice, not against its lines). Amounts are in the invoice's
currency on the lines and in the company's on the `*_signed` fields: the shares are converted at the
invoice's own rate (signed / unsigned), which is exactly 1 when the two currencies are the same.

Rounding, once: every share is computed exactly (Decimal) and quantized only here, per invoice, by the
largest-remainder method: each project gets its share rounded down to the cent, and the cents the projects'
exact total rounds to (half up) beyond that go one each to the largest remainders (ties to the lower project
id). So the projects' shares of an invoice add up to the cent to what the invoice credits them, and a
project's totals are plain sums of cents.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from services import money
from services.models import ErpReceivable, ErpRecordId

CENT = Decimal("0.01")
INVOICE_TYPES = ("out_invoice", "out_refund")
MOVE_FIELDS = (
    "name",
    "move_type",
    "invoice_date",
    "invoice_date_due",
    "amount_untaxed",
    "amount_total",
    "amount_residual",
    "amount_untaxed_signed",
    "amount_total_signed",
    "amount_residual_signed",
    "payment_state",
)
LINE_FIELDS = ("move_id", "analytic_distribution", "price_subtotal", "price_total")
MOVE_DOMAIN: list[Any] = [["move_type", "in", list(INVOICE_TYPES)], ["state", "=", "posted"]]
LINE_DOMAIN: list[Any] = [
    ["move_type", "in", list(INVOICE_TYPES)],
    ["parent_state", "=", "posted"],
    ["display_type", "=", "product"],
    ["analytic_distribution", "!=", False],
]
"""Posted customer invoices and credit notes, and their product lines that name an analytic account."""


def distribution(value: Any) -> dict[int, Decimal]:
    """Odoo's analytic_distribution {"12": 60.0, "12,45": 40.0} -> {12: 100, 45: 40} (percent per account)."""
    if not value:
        return {}
    if isinstance(value, str):
        value = json.loads(value)
    out: dict[int, Decimal] = defaultdict(Decimal)
    for key, percent in dict(value).items():
        for part in str(key).split(","):
            if part.strip().isdigit():
                out[int(part)] += Decimal(str(percent))
    return dict(out)


def allocated(exact: Mapping[ErpRecordId, Decimal]) -> dict[ErpRecordId, Decimal]:
    """Exact shares in cents that add up to their rounded total: largest remainder, ties to the lower id."""
    if not exact:
        return {}
    target = money.quantized(sum(exact.values(), Decimal(0)), CENT, ROUND_HALF_UP)
    # + 0 turns a -0.00 (a zero share of a credit note) into 0.00
    floors = {key: money.quantized(value, CENT, ROUND_FLOOR) + 0 for key, value in exact.items()}
    spare = int((target - sum(floors.values(), Decimal(0))) / CENT)
    order = sorted(exact, key=lambda key: (-(exact[key] - floors[key]), _id_order(key)))
    for key in order[:spare]:
        floors[key] += CENT
    return floors


def receivable_rows(
    moves: Mapping[int, Mapping[str, Any]],
    lines: Iterable[Mapping[str, Any]],
    project_of_account: Mapping[int, ErpRecordId],
    currency_of: Mapping[ErpRecordId, str],
) -> list[ErpReceivable]:
    """Per invoice (or credit note) and project: its untaxed, total and residual share, to the cent."""
    subtotals: dict[int, dict[ErpRecordId, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    totals: dict[int, dict[ErpRecordId, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in lines:
        move_id = _m2o_id(line.get("move_id"))
        if move_id is None or move_id not in moves:
            continue
        subtotal, total = _dec(line.get("price_subtotal")), _dec(line.get("price_total"))
        for account, percent in distribution(line.get("analytic_distribution")).items():
            project = project_of_account.get(account)
            if project is not None:
                subtotals[move_id][project] += subtotal * percent / 100
                totals[move_id][project] += total * percent / 100
    rows: list[ErpReceivable] = []
    for move_id in sorted(subtotals):
        rows.extend(_shares(move_id, moves[move_id], subtotals[move_id], totals[move_id], currency_of))
    return rows


def _shares(
    move_id: int,
    move: Mapping[str, Any],
    subtotal: Mapping[ErpRecordId, Decimal],
    total: Mapping[ErpRecordId, Decimal],
    currency_of: Mapping[ErpRecordId, str],
) -> list[ErpReceivable]:
    sign = Decimal(-1) if move.get("move_type") == "out_refund" else Decimal(1)
    untaxed_rate = _rate(move.get("amount_untaxed_signed"), move.get("amount_untaxed"))
    total_rate = _rate(move.get("amount_total_signed"), move.get("amount_total"))
    invoice_total = _dec(move.get("amount_total"))
    residual = abs(_dec(move.get("amount_residual_signed")))
    untaxed_cents = allocated({p: sign * v * untaxed_rate for p, v in subtotal.items()})
    total_cents = allocated({p: sign * v * total_rate for p, v in total.items()})
    residual_cents = allocated(
        {p: sign * residual * v / invoice_total if invoice_total else Decimal(0) for p, v in total.items()}
    )
    return [
        ErpReceivable(
            erp_record_id=project,
            document=document(move_id, move),
            invoice_date=_day(move.get("invoice_date")),
            due_date=_day(move.get("invoice_date_due")),
            amount_untaxed=untaxed_cents[project],
            amount_total=total_cents[project],
            amount_residual=residual_cents[project],
            currency=currency_of[project],
            payment_state=move.get("payment_state") or None,
        )
        for project in sorted(subtotal, key=_id_order)
    ]


def document(move_id: int, move: Mapping[str, Any]) -> str:
    """The invoice's number, or its id while it has none."""
    return str(move.get("name") or move_id)


def _rate(signed: Any, unsigned: Any) -> Decimal:
    """Company currency per invoice currency: |signed| / unsigned, 1 when the invoice is zero."""
    amount = _dec(unsigned)
    return abs(_dec(signed)) / amount if amount else Decimal(1)


def _id_order(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (0, key)


def _dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, False) else Decimal(0)


def _m2o_id(value: Any) -> int | None:
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None
