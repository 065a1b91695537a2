"""The plain way a script reads the same data: HubSpot's official SDK, and every Odoo line summed in pandas.

HubSpot: `hubspot-api-client`'s `get_all` for deals (with their associations inline), project records,
companies, contacts and tickets, then owners and the deal pipelines, one after another, with urllib3
retrying 429s. Odoo: JSON-RPC `search_read` of projects, analytic accounts, invoices and invoice lines, and
of every analytic line in pages of 5,000, summed per account, category and project with pandas.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import httpx
import pandas as pd
from hubspot import HubSpot
from urllib3.util.retry import Retry

from services.hubspot.names import COMPANY_PROPERTIES, CONTACT_PROPERTIES, DEAL_PROPERTIES, TICKET_PROPERTIES
from tests.sandbox_fixture import ODOO, TOKEN

LINE_PAGE = 5_000
DEAL_ASSOCIATIONS = ["companies", "contacts", "line_items", "tickets", "notes", "p_projects"]
PROJECT_PROPERTIES = ["project_name", "erp_project_id", "project_status", "percent_complete"]


def read_crm(url: str) -> tuple[float, int]:
    """Seconds the SDK takes to read everything, and how many records it got."""
    retry = Retry(total=10, status_forcelist=(429, 502, 503, 504), backoff_factor=1, allowed_methods=None)
    api = HubSpot(access_token=TOKEN, host=url, retry=retry)
    started = time.perf_counter()
    deals = api.crm.deals.get_all(
        properties=[*DEAL_PROPERTIES, "erp_project_id", "estimated_margin_at_close"],
        associations=DEAL_ASSOCIATIONS,
    )
    projects = api.crm.objects.get_all("p_projects", properties=PROJECT_PROPERTIES)
    companies = api.crm.companies.get_all(properties=list(COMPANY_PROPERTIES))
    contacts = api.crm.contacts.get_all(properties=list(CONTACT_PROPERTIES))
    tickets = api.crm.tickets.get_all(properties=[*TICKET_PROPERTIES, "ticket_kind"])
    owners = api.crm.owners.get_all()
    stages = api.crm.pipelines.pipelines_api.get_all("deals").results
    seconds = time.perf_counter() - started
    return seconds, sum(map(len, (deals, projects, companies, contacts, tickets, owners, stages)))


class _JsonRpc:
    """Odoo's /jsonrpc as a script calls it: one POST per call."""

    def __init__(self, url: str) -> None:
        self._http = httpx.Client(base_url=url, timeout=600)
        self._ids = itertools.count(1)
        self.uid = self._call(
            "common", "authenticate", [ODOO["database"], ODOO["login"], ODOO["api_key"], {}]
        )

    def _call(self, service: str, method: str, args: list[Any]) -> Any:
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids)}
        payload["params"] = {"service": service, "method": method, "args": args}
        body = self._http.post("/jsonrpc", json=payload).json()
        if "error" in body:
            raise RuntimeError(str(body["error"])[:300])
        return body["result"]

    def search_read(
        self, model: str, domain: list[Any], fields: list[str], page: int
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for offset in itertools.count(0, page):
            kwargs = {"fields": fields, "offset": offset, "limit": page, "order": "id asc"}
            args = [ODOO["database"], self.uid, ODOO["api_key"], model, "search_read", [domain], kwargs]
            batch = self._call("object", "execute_kw", args)
            rows.extend(batch)
            if len(batch) < page:
                return rows
        return rows


def read_erp(url: str) -> tuple[float, int]:
    """Seconds it takes to read every project, invoice and analytic line and sum the lines; lines read."""
    started = time.perf_counter()
    odoo = _JsonRpc(url)
    odoo.search_read("project.project", [], ["name", "analytic_account_id", "company_id", "active"], 10_000)
    odoo.search_read("account.analytic.account", [], ["code", "name"], 10_000)
    invoices = [["move_type", "in", ["out_invoice", "out_refund"]], ["state", "=", "posted"]]
    odoo.search_read("account.move", invoices, ["name", "amount_residual_signed", "payment_state"], 10_000)
    odoo.search_read(
        "account.move.line",
        [["move_type", "in", ["out_invoice", "out_refund"]], ["parent_state", "=", "posted"]],
        ["move_id", "analytic_distribution", "price_subtotal"],
        10_000,
    )
    lines = odoo.search_read(
        "account.analytic.line",
        [],
        ["account_id", "category", "project_id", "amount", "unit_amount"],
        LINE_PAGE,
    )
    frame = pd.DataFrame(lines)
    frame["account"] = frame["account_id"].str[0]
    frame["timesheet"] = frame["project_id"].astype(bool)
    frame.groupby(["account", "category", "timesheet"])[["amount", "unit_amount"]].sum()
    return time.perf_counter() - started, len(frame)
