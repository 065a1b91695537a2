"""Some projects' figures read alone (the deal card), exactly as a full read (`fetch_read`) has them.

Four requests from Odoo 17 (five on 16, which reads projects and accounts apart), after the version and the
analytic lines' fields the client asks once:
- every project with its account's code (`read_projects`, as the full read): the caller picks its projects
  from them, and every code is what tells the ID convention and a code used twice;
- the grouped sum of the lines holding the picked projects' accounts in any plan column (the refresh's
  `touching` domain, changes.py): a project's figures come only from lines holding its account, so these
  groups give it the full read's figures (other projects a line also counts for are left out);
- the posted customer invoices with a line distributed to one of those accounts (`line_ids.
  analytic_distribution in [...]`: Odoo's analytic mixin searches the distribution's keys by account id,
  analytic/models/analytic_mixin.py `_search_analytic_distribution`), and then all their product lines: an
  invoice is shared out among all the projects its lines name (invoices.py, to the cent by largest
  remainder), so a project's share needs the whole invoice.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.models import ErpProject, ErpRecordId, ErpSnapshot
from services.odoo import figures as F
from services.odoo import invoices

if TYPE_CHECKING:
    from services.odoo.client import OdooClient


def fetch_project_read(
    client: OdooClient,
    select: Callable[[Sequence[ErpProject]], Collection[str]],
    now: Callable[[], datetime],
) -> ErpSnapshot:
    """Every project, with the actuals and receivables of those `select` picks (module docstring)."""
    start = client.requests
    lines = client.lines()
    part = client.read_projects()
    chosen = {ErpRecordId(i) for i in select(part.projects)} & set(part.currency_of)
    accounts = sorted(a for a, project in part.project_of_account.items() if project in chosen)
    groups: list[dict[str, Any]] = []
    receivables = []
    if accounts:
        with ThreadPoolExecutor(max_workers=2) as pool:
            groups_f = pool.submit(client.line_groups, lines.touching(accounts))
            moves = client.search_read_all(
                "account.move",
                [*invoices.MOVE_DOMAIN, ["line_ids.analytic_distribution", "in", accounts]],
                invoices.MOVE_FIELDS,
            )
            shares = client.receivables(
                part.project_of_account, part.currency_of, {row["id"]: row for row in moves}
            )
            groups = groups_f.result()
        receivables = [r for r in shares if r.erp_record_id in chosen]
    figures = {
        project: values
        for project, values in F.line_figures(groups, lines, part.project_of_account).items()
        if project in chosen
    }
    currency_of = {project: currency for project, currency in part.currency_of.items() if project in chosen}
    return ErpSnapshot(
        erp="odoo",
        projects=part.projects,
        actuals=F.actuals(currency_of, figures, receivables),
        receivables=tuple(receivables),
        read_at=now(),
        requests=client.requests - start,
        notes=part.notes + F.line_notes(figures, part.projects, part.currency_of),
        unavailable=F.unavailable(lines),
    )
