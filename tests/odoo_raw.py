"""The yardstick for Odoo figures: raw rows read with plain HTTP calls, and per-project figures worked out
from them here, independently of the adapter (services/odoo), by the rules the issue and Odoo's project
profitability panel set:

- a line counts for the project whose analytic account it holds in any plan column (`account_id`, and
  `x_plan2_id` from 17);
- timesheet lines (`project_id` set) are labor, vendor-bill lines vendor cost, invoice lines revenue (taken
  from the invoices below, not from these lines), lines from any other journal item left out, and every
  other line other cost (its sign kept: revenue posted on the account lowers it); costs are -amount;
- a posted customer invoice credits a project Σ line subtotal (and total) x the project's percentage of the
  line, credit notes negative; the project's share of what is due is the residual x its share of the total;
  per invoice the projects' shares are rounded to the cent so they add up (largest remainder, ties to the
  lower project).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import httpx

from tests.sandbox_fixture import ODOO

CENT = Decimal("0.01")


class RawOdoo:
    """Plain HTTP to an Odoo: JSON-2 where /web/version answers (19+), JSON-RPC execute_kw before."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)
        self.json2 = self.http.get("/web/version").status_code == 200
        self.uid = (
            None
            if self.json2
            else self._rpc("common", "login", ODOO["database"], ODOO["login"], ODOO["api_key"])
        )

    def _rpc(self, service: str, method: str, *args: Any) -> Any:
        payload = {
            "jsonrpc": "2.0",
            "id": 1,
            "params": {"service": service, "method": method, "args": list(args)},
        }
        body = self.http.post("/jsonrpc", json=payload).json()
        assert "error" not in body, body["error"]["data"]["message"]
        return body["result"]

    def call(self, model: str, method: str, ids: list[int] | None = None, **named: Any) -> Any:
        if self.json2:
            body = named | ({"ids": ids} if ids is not None else {})
            response = self.http.post(
                f"/json/2/{model}/{method}", json=body, headers={"Authorization": f"bearer {ODOO['api_key']}"}
            )
            assert response.status_code == 200, response.text
            return response.json()
        args = [ids] if ids is not None else []
        return self._rpc(
            "object", "execute_kw", ODOO["database"], self.uid, ODOO["api_key"], model, method, args, named
        )

    def rows(self, model: str, domain: list[Any], fields: list[str]) -> list[dict[str, Any]]:
        return list(
            self.call(model, "search_read", domain=domain, fields=fields, context={"active_test": False})
        )

    def close(self) -> None:
        self.http.close()


@dataclass(frozen=True)
class Figures:
    labor: Decimal
    vendor: Decimal
    other: Decimal
    invoiced: Decimal
    paid: Decimal
    outstanding: Decimal

    @property
    def cost(self) -> Decimal:
        return self.labor + self.vendor + self.other

    @property
    def margin(self) -> Decimal:
        return self.invoiced - self.cost


def figures_by_code(raw: RawOdoo, major: int) -> dict[str, Figures]:
    """Per project code (the analytic account's `code`): the figures, from raw lines and invoice lines."""
    field = "analytic_account_id" if major <= 17 else "account_id"
    columns = ["account_id"] if major == 16 else ["account_id", "x_plan2_id"]
    aal_fields = set(raw.call("account.analytic.line", "fields_get", attributes=["type"]))
    timesheets = "project_id" in aal_fields
    projects = raw.rows("project.project", [], ["name", field])
    accounts = {a["id"]: a["code"] for a in raw.rows("account.analytic.account", [], ["code"])}
    account_ids = {p[field][0] for p in projects if p[field]}
    money: dict[int, dict[str, Decimal]] = {a: defaultdict(Decimal) for a in account_ids}
    wanted = ["amount", "category", "journal_id", *columns, *(["project_id"] if timesheets else [])]
    for line in raw.rows("account.analytic.line", [], wanted):
        amount = Decimal(str(line["amount"]))
        for account in {line[c][0] for c in columns if line[c]} & account_ids:
            if timesheets and line["project_id"]:
                money[account]["labor"] -= amount
            elif line["category"] == "vendor_bill":
                money[account]["vendor"] -= amount
            elif line["category"] == "invoice" or line["journal_id"]:
                continue
            else:
                money[account]["other"] -= amount
    _invoice_shares(raw, account_ids, money)
    return {
        accounts[a]: Figures(
            *(money[a][k].quantize(CENT) for k in ("labor", "vendor", "other", "invoiced")),
            paid=money[a]["paid"],
            outstanding=money[a]["outstanding"],
        )
        for a in account_ids
        if accounts.get(a)
    }


def _invoice_shares(raw: RawOdoo, account_ids: set[int], money: dict[int, dict[str, Decimal]]) -> None:
    kinds = ["out_invoice", "out_refund"]
    moves = {
        m["id"]: m
        for m in raw.rows(
            "account.move", [["move_type", "in", kinds], ["state", "=", "posted"]],
            ["move_type", "amount_total", "amount_residual_signed"],
        )
    }  # fmt: skip
    lines = raw.rows(
        "account.move.line", [["move_id", "in", sorted(moves)], ["display_type", "=", "product"]],
        ["move_id", "analytic_distribution", "price_subtotal", "price_total"],
    )  # fmt: skip
    untaxed: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    total: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for line in lines:
        for key, percent in (line["analytic_distribution"] or {}).items():
            for account in {int(part) for part in key.split(",")} & account_ids:
                untaxed[line["move_id"][0]][account] += (
                    Decimal(str(line["price_subtotal"])) * Decimal(str(percent)) / 100
                )
                total[line["move_id"][0]][account] += (
                    Decimal(str(line["price_total"])) * Decimal(str(percent)) / 100
                )
    for move_id, shares in untaxed.items():
        move = moves[move_id]
        sign = -1 if move["move_type"] == "out_refund" else 1
        whole, due = Decimal(str(move["amount_total"])), abs(Decimal(str(move["amount_residual_signed"])))
        residual = {a: due * t / whole for a, t in total[move_id].items()}
        for name, exact in (("invoiced", shares), ("gross", total[move_id]), ("outstanding", residual)):
            for account, cents in _largest_remainder({a: sign * v for a, v in exact.items()}).items():
                money[account][name] += cents
        for account in shares:
            money[account]["paid"] = money[account]["gross"] - money[account]["outstanding"]


def _largest_remainder(exact: dict[int, Decimal]) -> dict[int, Decimal]:
    target = sum(exact.values(), Decimal(0)).quantize(CENT, rounding=ROUND_HALF_UP)
    down = {k: v.quantize(CENT, rounding=ROUND_FLOOR) for k, v in exact.items()}
    spare = int((target - sum(down.values(), Decimal(0))) / CENT)
    for key in sorted(exact, key=lambda k: (down[k] - exact[k], k))[:spare]:
        down[key] += CENT
    return down
