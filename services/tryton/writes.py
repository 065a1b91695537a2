"""Creating and closing a Tryton project with its project ID (the Closed Won workflow), over JSON-RPC.

A Tryton project is a `project.work` of type project; its `number` is the shared ID (what the reads use).
Tryton fills `number` from the project configuration's work sequence when a work is created without one
(project/work.py `preprocess_values`), and refuses a `number` sent over RPC: the field is readonly, and
`check_modification` raises an AccessError for a readonly field in external create or write values
(trytond/model/modelstorage.py). So the ID is given the way Tryton gives numbers: the work sequence is set
so that its next number is the ID (prefix, padding and next number; members of Project Administration may
change sequences of the work type, project/work.xml `sequence_type_work_group_project_admin`), then the work
is created, and its number is read back and checked.

Tryton's works have no `active` field: a project is closed by its status (`project.work.status`; the shipped
"Done" has progress 1, which the reads take as closed), set with the work's progress at 100 %: that is the
undo.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from services.erp import CreatedProject
from services.errors import BadResponseError, ConfigError, NotFoundError, RejectedError
from services.models import ErpRecordId
from services.tryton.transport import SYSTEM

if TYPE_CHECKING:
    from services.tryton.client import TrytonClient

_ID_SHAPE = re.compile(r"(?P<prefix>.*?)(?P<digits>[0-9]+)")


def find_project(client: TrytonClient, project_id: str) -> ErpRecordId | None:
    """The project work numbered `project_id`, if any (numbers are unique in Tryton)."""
    ids = client.call("project.work", "search", [["number", "=", project_id]], 0, 1, None)
    return ErpRecordId(str(ids[0])) if ids else None


def create_project(client: TrytonClient, project_id: str, name: str, customer: str | None) -> CreatedProject:
    """The project work numbered `project_id`; made now (numbered through the work sequence) unless one is."""
    found = find_project(client, project_id)
    if found is not None:
        return CreatedProject(found, created=False)
    shape = _ID_SHAPE.fullmatch(project_id)
    if shape is None:
        raise ConfigError(f"'{project_id}' does not end with a number, so Tryton's sequence cannot give it")
    company = _company(client)
    sequence = _work_sequence(client)
    client.call(
        "ir.sequence",
        "write",
        [sequence],
        {"prefix": shape["prefix"], "suffix": "", "padding": len(shape["digits"]),
         "number_next": int(shape["digits"])},
    )  # fmt: skip
    values: dict[str, Any] = {"name": name, "type": "project", "company": company}
    if customer:
        values["party"] = _party(client, customer)
    made = client.call("project.work", "create", [values], idempotent=False)
    if not isinstance(made, list) or len(made) != 1:
        raise BadResponseError(SYSTEM, "create project.work", "Tryton did not answer the new work's id")
    record = int(made[0])
    number = client.read("project.work", [record], ["number"])[0].get("number")
    if number != project_id:
        raise RejectedError(
            SYSTEM,
            "create project.work",
            f"Tryton numbered the new project {number!r}, not {project_id!r}: check the project "
            "configuration's work sequence (a sequence of another type, or one another process moved)",
        )
    return CreatedProject(ErpRecordId(str(record)), created=True)


def archive_project(client: TrytonClient, erp_record_id: str) -> None:
    """Close the project: its status becomes the one that means done (progress 100 %)."""
    if not erp_record_id.isdigit() or not client.read("project.work", [int(erp_record_id)], ["id"]):
        raise NotFoundError(SYSTEM, "close project", f"Tryton has no project with id {erp_record_id}")
    done = client.search_read("project.work.status", [["progress", "=", 1]], ["types"])
    status = next((row["id"] for row in done if "project" in (row.get("types") or ())), None)
    if status is None:
        raise ConfigError("Tryton has no project status with progress 100 %, so a project cannot be closed")
    # Tryton refuses a done status below 100 % progress (project/work.py `check_state`), so both go together.
    client.call("project.work", "write", [int(erp_record_id)], {"status": status, "progress": 1.0})


def _company(client: TrytonClient) -> int:
    rows = client.call("project.work", "search_read", [["type", "=", "project"]], 0, 1, None, ["company"])
    if rows and rows[0].get("company"):
        return int(rows[0]["company"])
    companies = client.call("company.company", "search", [], 0, 1, None)
    if not companies:
        raise ConfigError("Tryton has no company to create the project in")
    return int(companies[0])


def _work_sequence(client: TrytonClient) -> int:
    rows = client.call("project.configuration", "read", [1], ["work_sequence"])
    sequence = rows[0].get("work_sequence") if rows else None
    if not sequence:
        raise ConfigError(
            "Tryton's project configuration has no work sequence: set one (Project > Configuration) so "
            "that project numbers can be given"
        )
    return int(sequence)


def _party(client: TrytonClient, customer: str) -> int:
    found = client.call("party.party", "search", [["name", "=", customer]], 0, 1, None)
    if found:
        return int(found[0])
    made = client.call("party.party", "create", [{"name": customer}], idempotent=False)
    return int(made[0])
