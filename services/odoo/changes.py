"""Incremental refresh of an Odoo read: what changed since the last one, found with six requests.

The marks a full read leaves (figures.OdooMarks): per combination of plan-column accounts (the accounts a line
holds, one per plan), its lines' count, Σ amount and Σ hours, from the same grouped sum; each project's line
figures; which project each account counts for. Five questions, asked at once, each one request:
- which accounts have lines written since the last read (less the client's `change_lag`): a grouped count,
  by plan column, of the lines with a recent `write_date` (Odoo sets it on every create and write);
- the count, Σ amount and Σ hours of all lines. With the lines of the touched accounts summed again (one more
  request: every line holding one of them in any plan column), the marks must add up to these: a line
  deleted (Odoo keeps no trace of an unlink) or moved out of an untouched account shows as a difference, and
  then every line is summed again;
- whether any project changed, was created or deleted (count and latest `write_date`, one grouped call), and
  whether any analytic account was written (a count): then the projects are read again;
- which customer invoices were written, or had a line written: their shares are read again. A posted
  invoice cannot be deleted without a write first (reset to draft), so deletions show here too.
Each question uses the version's own method (read_group or formatted_read_group, grouping.py).
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services.models import ErpReceivable, ErpRecordId, ErpSnapshot
from services.odoo import figures as F
from services.odoo import invoices
from services.odoo.grouping import group_arguments, normalized

if TYPE_CHECKING:
    from services.odoo.client import OdooClient

ALL = {"active_test": False}


def refreshed(
    client: OdooClient, previous: ErpSnapshot, marks: F.OdooMarks, since: datetime
) -> tuple[F.Projects, dict[ErpRecordId, F.LineFigures], list[ErpReceivable], F.OdooMarks]:
    """The projects, line figures, receivables and marks as they are now, from `previous` and its marks."""
    cutoff = F.odoo_time(since - client.change_lag)
    lines = client.lines()
    with ThreadPoolExecutor(max_workers=4) as pool:
        touched_f = pool.submit(_touched_accounts, client, lines, cutoff)
        totals_f = pool.submit(_line_totals, client)
        projects_f = pool.submit(_projects_changed, client, marks.project_count, cutoff)
        moves_f = pool.submit(
            client.search_read_all,
            "account.move",
            [["move_type", "in", list(invoices.INVOICE_TYPES)], "|", ["write_date", ">=", cutoff],
             ["line_ids.write_date", ">=", cutoff]],
            [*invoices.MOVE_FIELDS, "state"],
        )  # fmt: skip
        part = client.read_projects() if projects_f.result() else F.previous_part(previous, marks)
        old_map, new_map = marks.project_of_account, part.project_of_account
        remapped = {a for a in old_map.keys() | new_map.keys() if old_map.get(a) != new_map.get(a)}
        accounts = touched_f.result() | remapped
        # the touched accounts are summed while the totals are still on their way (they are only compared)
        figures, sets = _refreshed_figures(client, lines, marks, part, accounts, remapped, totals_f)
        # an account with lines (so perhaps invoices) that now counts for another project, or none
        seen = {a for key in marks.line_sets for a in key if a is not None}
        reassigned = remapped & (old_map.keys() | seen)
        receivables = _refreshed_receivables(client, previous, part, moves_f.result(), reassigned)
    new_marks = F.OdooMarks(sets, new_map, len(part.projects), figures, part.notes)
    return part, figures, receivables, new_marks


def _refreshed_figures(
    client: OdooClient,
    lines: F.Lines,
    marks: F.OdooMarks,
    part: F.Projects,
    accounts: set[int],
    remapped: set[int],
    totals: Future[tuple[int, float, float]],
) -> tuple[dict[ErpRecordId, F.LineFigures], dict[F.LineSet, tuple[int, float, float]]]:
    """Per project, the line figures: those holding `accounts` summed again, the rest as before (everything
    summed again when the marks then do not add up to the server's `totals`, awaited only then); and the
    new marks."""
    old_map, new_map = marks.project_of_account, part.project_of_account
    groups = client.line_groups(lines.touching(accounts)) if accounts else []
    sets = {key: value for key, value in marks.line_sets.items() if not accounts & set(key)}
    sets.update(F.line_sets(groups, lines.columns))
    recount = {new_map[a] for a in accounts if a in new_map} | {old_map[a] for a in remapped if a in old_map}
    if not F.adds_up(sets, totals.result()):  # a deletion, or a line moved between accounts
        groups = client.line_groups([])
        sets, recount = F.line_sets(groups, lines.columns), set(part.currency_of)
    fresh = F.line_figures(groups, lines, new_map)
    return F.merged_figures(marks.line_figures, fresh, recount, part.currency_of), sets


def _touched_accounts(client: OdooClient, lines: F.Lines, cutoff: str) -> set[int]:
    """Analytic accounts, in any plan column, with a line created or written at or after `cutoff`."""
    groups = client.line_groups([["write_date", ">=", cutoff]], groupby=lines.columns)
    return {a for group in groups for a in F.accounts_of(group, lines.columns)}


def _line_totals(client: OdooClient) -> tuple[int, float, float]:
    """Count, Σ amount and Σ hours of every analytic line (one aggregate, no lines sent)."""
    groups = client.line_groups([], groupby=[])
    group = groups[0] if groups else {}
    return (
        int(group.get("__count") or 0),
        float(group.get("amount") or 0),
        float(group.get("unit_amount") or 0),
    )


def _projects_changed(client: OdooClient, count: int, cutoff: str) -> bool:
    """Whether a project was created, written or deleted, or an analytic account written, since."""
    version = client.version()
    method = version.group_method
    projects: list[Any] = [["is_template", "=", False]] if version.has_templates else []  # as read_projects
    arguments: dict[str, Any] = group_arguments(method, projects, [], ["write_date:max"])
    latest = normalized(client.call("project.project", method, context=ALL, **arguments), ["write_date:max"])
    group = latest[0] if latest else {}
    written = str(group.get("write_date") or "")
    accounts = client.call(
        "account.analytic.account", "search_count", domain=[["write_date", ">=", cutoff]], context=ALL
    )
    return int(group.get("__count") or 0) != count or written >= cutoff or bool(accounts)


def _refreshed_receivables(
    client: OdooClient,
    previous: ErpSnapshot,
    part: F.Projects,
    changed_moves: list[dict[str, Any]],
    reassigned: set[int],
) -> list[ErpReceivable]:
    """The previous shares with those of changed invoices read again; all of them read again when an
    analytic account with lines now counts for another project (or none)."""
    if reassigned:
        moves = client.search_read_all("account.move", invoices.MOVE_DOMAIN, invoices.MOVE_FIELDS)
        return client.receivables(part.project_of_account, part.currency_of, {m["id"]: m for m in moves})
    documents = {invoices.document(row["id"], row) for row in changed_moves}
    kept = [r for r in previous.receivables if r.document not in documents]
    posted = {row["id"]: row for row in changed_moves if row.get("state") == "posted"}
    return kept + client.receivables(part.project_of_account, part.currency_of, posted)
