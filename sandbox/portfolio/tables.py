"""The planned rows: the columns of every table the portfolio fills, and TableRows, one table's rows.

A row is a tuple in its table's COLUMNS order, the shape executemany takes, since a portfolio can run to a
million lines; `records()` turns them into dicts for inspection and tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
                        "is_template", "create_date", "write_date"),
    "account_analytic_line": ("id", "name", "date", "amount", "unit_amount", "account_id", "x_plan2_id",
                              "project_id", "employee_id", "partner_id", "category", "move_line_id",
                              "journal_id", "company_id", "write_date"),
    "account_move": ("id", "name", "move_type", "state", "partner_id", "company_id", "currency_id",
                     "invoice_date", "invoice_date_due", "invoice_origin", "ref", "amount_untaxed",
                     "amount_tax", "amount_total", "amount_residual", "amount_untaxed_signed",
                     "amount_total_signed", "amount_residual_signed", "payment_state", "write_date"),
    "account_move_line": ("id", "move_id", "name", "display_type", "quantity", "price_unit", "price_subtotal",
                          "price_total", "balance", "analytic_distribution", "partner_id", "parent_state",
                          "move_type", "write_date"),
    "sandbox_meta": ("key", "value"),
}  # fmt: skip


@dataclass(frozen=True)
class TableRows:
    """The rows planned for one table, as tuples in `columns` order (date, aware UTC datetime, bool)."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts keyed by column name (for inspection and tests, not for bulk work)."""
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]
