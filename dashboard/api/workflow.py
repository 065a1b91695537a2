"""`POST /hubspot/closed-won`: HubSpot's custom workflow action at Closed Won, answered in its outputFields.

HubSpot posts the action's payload when a workflow reaches the action (developers.hubspot.com, "Custom
workflow actions", Execution): `callbackId`, `origin` (portalId, actionDefinitionId, version), `context`,
`object` ({objectType, objectId}: here the deal) and `inputFields` (the action's inputs: `projectName`, when
not empty, names the ERP project and the project record instead of the deal's name). The answer is
`{"outputFields": {...}}` with the definition's output fields (hubspot-app/src/app/workflow-actions/
closed-won-hsmeta.json: outcome, projectId, projectRecordId, message) and the special `hs_execution_state`:
SUCCESS when every step is done (now or by an earlier request), FAIL_CONTINUE otherwise, so the workflow goes
on and the message says what failed; sending the same request again resumes at the failed step
(dashboard/closed_won.py). A read that fails before any step (HubSpot or the ERP down: nothing written)
answers 429 with Retry-After, the status HubSpot's workflows retry on, with exponential backoff honouring
Retry-After; any other non-2xx is logged as a failure and the workflow goes on
(developers.hubspot.com/docs/api/automation/custom-workflow-actions, "Execution").

The request is signed like every other (app.py checks the v3 signature first). HubSpot's action guide says
its requests "use the v2 version of the X-HubSpot-Signature"; its request-validation page adds that "requests
from HubSpot also include older versions of the signature" beside X-HubSpot-Signature-v3, and the v3
changelog that v3 is added to outgoing requests to OAuth apps (developers.hubspot.com/docs/apps/
developer-platform/build-apps/authentication/request-validation). The run is serialized per deal within
this process, and the store's unique row per deal serializes it across processes.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from dashboard.closed_won import ClosedWonReport, id_convention, run_closed_won, settled_report
from dashboard.roles import Actor
from dashboard.snapshot import Snapshot, refresh_snapshot
from dashboard.wiring import Clients
from services.errors import ThroughlineError
from services.models import CrmSnapshot, ErpSnapshot
from services.store import Store

CLOSED_WON_PATH = "/hubspot/closed-won"
RETRY_AFTER_S = 60
"""When HubSpot should send the action again after the systems could not be read."""
WORKFLOW_ACTOR = Actor("hubspot-workflow@throughline", "ops")
"""Who the log names for the workflow's writes: HubSpot does not say which person's workflow ran."""
Outcome = Literal["created", "unchanged", "partial", "failed"]


class WorkflowObject(BaseModel):
    """The record the workflow runs on."""

    model_config = ConfigDict(extra="allow")
    objectType: str  # HubSpot's field names
    objectId: int | str

    @field_validator("objectId")
    @classmethod
    def _numeric(cls, value: int | str) -> int | str:
        if not str(value).isascii() or not str(value).isdigit():
            raise ValueError("objectId must be the deal's numeric id")
        return value


class WorkflowPayload(BaseModel):
    """HubSpot's custom workflow action request body (the fields this action reads; others are kept)."""

    model_config = ConfigDict(extra="allow")
    callbackId: str
    origin: dict[str, Any] = {}
    object: WorkflowObject
    inputFields: dict[str, Any] = {}


class PayloadError(ValueError):
    """A body that is not a workflow action payload for a deal."""


def parse_payload(body: bytes) -> WorkflowPayload:
    """The payload, or PayloadError saying what to fix."""
    try:
        payload = WorkflowPayload.model_validate_json(body or b"{}")
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise PayloadError(f"not a HubSpot workflow action payload: {where}: {first['msg']}") from None
    if payload.object.objectType.upper() not in ("DEAL", "0-3"):
        raise PayloadError(f"this action runs on deals, not on {payload.object.objectType!r} records")
    return payload


def project_name(payload: WorkflowPayload) -> str | None:
    """The `projectName` input, when the workflow gave one (HubSpot sends an unset property as "" or null)."""
    value = payload.inputFields.get("projectName")
    return str(value).strip() or None if value is not None else None


def outcome_of(report: ClosedWonReport) -> Outcome:
    """The outcome output field: created, unchanged (a retry of a finished run), partial or failed."""
    if report.complete:
        return "created" if report.changed else "unchanged"
    if report.refused is None and report.project_id is not None:
        return "partial"
    return "failed"


def output_fields(report: ClosedWonReport) -> dict[str, Any]:
    """The answer HubSpot reads: the definition's output fields and `hs_execution_state`."""
    return {
        "outputFields": {
            "outcome": outcome_of(report),
            "projectId": report.project_id or "",
            "projectRecordId": report.project_record_id or "",
            "message": report.message,
            "hs_execution_state": "SUCCESS" if report.complete else "FAIL_CONTINUE",
        }
    }


class ClosedWonHandler:
    """Runs the action one request at a time per deal, on both systems read fresh for each request.

    The reads are the dashboard's (dashboard/snapshot.py `refresh_snapshot`): the first request reads
    everything, later ones only what changed since (with a full read every half hour), so a request in a
    large portal costs a few requests, not a full read. A source that fails to read refuses the request (its
    last data may lack an ID given meanwhile)."""

    def __init__(self, clients: Clients, store: Any, id_pattern: str | None) -> None:
        self._clients = clients
        self._store = store
        self._id_pattern = id_pattern
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._read_lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def _lock(self, deal_id: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(deal_id, threading.Lock())

    def read(self) -> tuple[CrmSnapshot, ErpSnapshot]:
        """Both systems as they are now (what changed since the last request); ThroughlineError when either
        cannot be read."""
        clients = self._clients
        with self._read_lock:
            snapshot = refresh_snapshot(
                clients.crm, clients.erp, self._snapshot, labels=(clients.crm_label, clients.erp_label)
            )
            self._snapshot = snapshot
        for source in (snapshot.crm_source, snapshot.erp_source):
            if source.error is not None:
                raise ThroughlineError(f"{source.label} could not be read: {source.error}")
        if snapshot.crm is None or snapshot.erp is None:
            raise ThroughlineError("HubSpot and the ERP must both be read before a project ID is given")
        return snapshot.crm, snapshot.erp

    def run(self, deal_id: str, project_name: str | None = None) -> ClosedWonReport:
        """The deal's run, completed as far as the systems allow (services errors are in the report)."""
        store: Store = self._store()
        crm, erp = self._clients.crm, self._clients.erp
        with self._lock(deal_id):
            settled = settled_report(store.closed_won(deal_id))
            if settled is not None:
                return settled
            # Read now, not the card's cache: the next ID must be above every ID either system holds now.
            crm_snapshot, erp_snapshot = self.read()
            return run_closed_won(
                crm, erp, store, deal_id,
                crm_snapshot=crm_snapshot, erp_snapshot=erp_snapshot,
                convention=id_convention(self._id_pattern, erp_snapshot), actor=WORKFLOW_ACTOR,
                project_name=project_name,
            )  # fmt: skip
