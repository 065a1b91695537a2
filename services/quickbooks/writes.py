"""Creating and deactivating a QuickBooks project (the Closed Won workflow): a sub-customer job with the ID.

QuickBooks' v3 API cannot make a QuickBooks project (`IsProject` is set only by the UI or the GraphQL Projects
API; intuit/QuickBooks-V3-DotNET-SDK #197), so a project is what the reads also take for one: a sub-customer
(`Job`, `ParentRef` the customer, `BillWithParent`) carrying the ID where the settings say
(figures.ProjectIds): in its `DisplayName` ("PRJ-00042 · Website revamp"; at most 100 characters and no
colon, Intuit's Customer reference) or as a line "Project ID: PRJ-00042" in its `Notes`. Creating is
`POST /customer` without an Id; the customer (a top-level Customer of that `DisplayName`) is made the same
way when there is none.

QuickBooks deletes no customer: "inactive" is its delete (a sparse update `Active: false` with the current
`SyncToken`, Intuit's Customer reference "Delete a customer"), so that is the undo; the reads skip inactive
customers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.erp import CreatedProject
from services.errors import BadResponseError
from services.models import ErpRecordId
from services.quickbooks.faults import SYSTEM
from services.quickbooks.figures import customer_of

if TYPE_CHECKING:
    from services.quickbooks.client import QuickBooksClient

NAME_LIMIT = 100
"""Intuit's Customer.DisplayName: "maximum of 100 chars"; a colon is refused (it separates levels)."""


def find_project(client: QuickBooksClient, project_id: str) -> ErpRecordId | None:
    """The active job carrying `project_id` where the settings put IDs (every customer is read: QuickBooks'
    query language cannot search Notes, nor match a name's start)."""
    for row in client.query_all("Customer"):
        customer = customer_of(row)
        if customer.job and customer.active and client.project_ids.read(customer)[0] == project_id:
            return ErpRecordId(customer.id)
    return None


def create_project(
    client: QuickBooksClient, project_id: str, name: str, customer: str | None
) -> CreatedProject:
    """The job carrying `project_id`; made now under its customer unless there is one."""
    found = find_project(client, project_id)
    if found is not None:
        return CreatedProject(found, created=False)
    parent = _customer(client, customer or name)
    clean = name.replace(":", " -").strip()
    body: dict[str, Any] = {"ParentRef": {"value": parent}, "Job": True, "BillWithParent": True}
    if client.project_ids.field == "display_name":
        body["DisplayName"] = f"{project_id} · {clean}"[:NAME_LIMIT].rstrip()
    else:
        body["DisplayName"] = clean[:NAME_LIMIT].rstrip()
        body["Notes"] = f"Project ID: {project_id}"
    row = client.write("Customer", body)
    return CreatedProject(ErpRecordId(_id(row)), created=True)


def archive_project(client: QuickBooksClient, erp_record_id: str) -> None:
    """Make the job inactive (QuickBooks' delete for customers)."""
    current = client.read("Customer", erp_record_id)
    if current.get("Active") is False:
        return
    client.write(
        "Customer",
        {"Id": erp_record_id, "SyncToken": current.get("SyncToken"), "sparse": True, "Active": False},
    )


def _customer(client: QuickBooksClient, name: str) -> str:
    """The top-level customer called `name`, made when there is none."""
    display = name.replace(":", " -").strip()[:NAME_LIMIT].rstrip()
    quoted = display.replace("\\", "\\\\").replace("'", "\\'")
    rows = client.query(f"SELECT * FROM Customer WHERE DisplayName = '{quoted}'").get("Customer") or []
    for row in rows:
        if not row.get("ParentRef"):
            return _id(row)
    return _id(client.write("Customer", {"DisplayName": display, "CompanyName": display}))


def _id(row: dict[str, Any]) -> str:
    value = row.get("Id")
    if value in (None, ""):
        raise BadResponseError(SYSTEM, "write Customer", "QuickBooks did not answer the customer's Id")
    return str(value)
