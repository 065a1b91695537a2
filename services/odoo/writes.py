"""Creating and archiving an Odoo project with its project ID (the Closed Won workflow).

An Odoo project carries the shared ID as its analytic account's `code` (what `read_projects` reads), so a
project is made as Odoo's own forms make one with an account: the `account.analytic.account` first (name,
code, the plan, the customer, the company), then the `project.project` pointing at it through the version's
field (`analytic_account_id` up to 17.0, `account_id` from 18.0; project/models/project_project.py). Both are
plain `create` calls of the external API (`execute_kw` before 19, JSON-2 from 19;
odoo/documentation external_api.rst "Create records"), which any version answers with the new id. A create is
never sent twice by the transport (`call_once`): one whose answer was lost fails, and the next run finds what
it made by the code.

Which plan and company: those of the projects already there (Odoo keeps the Projects plan in a setting only an
administrator reads; the account of an existing project is on it). The customer is the contact with exactly
that name, made (as a company) when there is none, as Odoo's quick-create does from a many2one field.

Archiving is `write({'active': False})` on the project and its account (models.py `action_archive` does the
same write), so the history stays and `read_projects` (which reads archived projects too) shows it closed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.erp import CreatedProject
from services.errors import BadResponseError, ConfigError, NotFoundError
from services.models import ErpRecordId
from services.odoo import figures as F
from services.odoo.diagnosis import SYSTEM

if TYPE_CHECKING:
    from services.odoo.client import OdooClient


def find_project(client: OdooClient, project_id: str) -> tuple[ErpRecordId | None, int | None]:
    """The active project whose account has code `project_id`, and that account (either may be None)."""
    field = client.version().project_account_field
    accounts = client.call(
        "account.analytic.account", "search_read", domain=[["code", "=", project_id]], fields=["id"], limit=1
    )
    if not accounts:
        return None, None
    account = int(accounts[0]["id"])
    projects = client.call(
        "project.project", "search_read", domain=[[field, "=", account]], fields=["id"], limit=1
    )
    return (ErpRecordId(str(projects[0]["id"])) if projects else None), account


def create_project(client: OdooClient, project_id: str, name: str, customer: str | None) -> CreatedProject:
    """The active project carrying `project_id`; made with its analytic account when there is none."""
    found, account = find_project(client, project_id)
    if found is not None:
        return CreatedProject(found, created=False)
    field = client.version().project_account_field
    plan, company = _plan_and_company(client, field)
    partner = _partner(client, customer) if customer else None
    if account is None:  # an account left by a create that failed before its project is used again
        values: dict[str, Any] = {"name": name, "code": project_id, "plan_id": plan, "company_id": company}
        if partner is not None:
            values["partner_id"] = partner
        account = _new_id(client.call_once("account.analytic.account", "create", vals_list=values), "account")
    project: dict[str, Any] = {"name": name, field: account, "company_id": company}
    if partner is not None:
        project["partner_id"] = partner
    record = _new_id(client.call_once("project.project", "create", vals_list=project), "project")
    return CreatedProject(ErpRecordId(str(record)), created=True)


def archive_project(client: OdooClient, erp_record_id: str) -> None:
    """Archive the project and its analytic account."""
    field = client.version().project_account_field
    rows = client.call(
        "project.project", "read", ids=[int(erp_record_id)], fields=[field], context={"active_test": False}
    )
    if not rows:
        raise NotFoundError(SYSTEM, "archive project", f"Odoo has no project with id {erp_record_id}")
    client.call("project.project", "write", ids=[int(erp_record_id)], vals={"active": False})
    account = F.m2o_id(rows[0].get(field))
    if account is not None:
        client.call("account.analytic.account", "write", ids=[account], vals={"active": False})


def _plan_and_company(client: OdooClient, field: str) -> tuple[int, int]:
    rows = client.call(
        "project.project", "search_read", domain=[[field, "!=", False]], fields=[field, "company_id"],
        limit=1, order="id desc",
    )  # fmt: skip
    account = F.m2o_id(rows[0].get(field)) if rows else None
    company = F.m2o_id(rows[0].get("company_id")) if rows else None
    if account is None or company is None:
        raise ConfigError(
            "Odoo has no project with an analytic account yet, so Throughline cannot tell which analytic "
            "plan and company a new project belongs to: create one project with its analytic account in Odoo "
            "first"
        )
    accounts = client.call("account.analytic.account", "read", ids=[account], fields=["plan_id"])
    plan = F.m2o_id(accounts[0].get("plan_id")) if accounts else None
    if plan is None:
        raise BadResponseError(SYSTEM, "read analytic account", "the project's account has no plan")
    return plan, company


def _partner(client: OdooClient, customer: str) -> int:
    found = client.call(
        "res.partner", "search_read", domain=[["name", "=", customer]], fields=["id"], limit=1
    )
    if found:
        return int(found[0]["id"])
    made = client.call_once("res.partner", "create", vals_list={"name": customer, "is_company": True})
    return _new_id(made, "contact")


def _new_id(answer: Any, what: str) -> int:
    """`create`'s answer: the id (an object was sent) or a list of one id (JSON-2 and newer versions)."""
    if isinstance(answer, list) and len(answer) == 1:
        answer = answer[0]
    if isinstance(answer, int) and not isinstance(answer, bool):
        return answer
    raise BadResponseError(SYSTEM, f"create {what}", "Odoo did not answer the new record's id")
