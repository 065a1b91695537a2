"""The server log: one test per event kind, asserting its fields, and no secret in any line.

Each test points the log at a buffer (JSON lines, as in production) and makes the event happen the way it
happens in the app: a read of the sandbox, a fault injected into it, a write through the write side.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dashboard.roles import Actor
from dashboard.settings import load_settings
from dashboard.snapshot import refresh_snapshot
from dashboard.transforms.corrections import DEAL_PROJECT_ID, ProposedCorrection
from dashboard.wiring import build_clients
from dashboard.writeback import (
    accept_finding,
    apply_corrections,
    settle_pending,
    unaccept_finding,
    undo_corrections,
)
from services import log
from services.errors import ConfigError, ServiceError
from services.hubspot import HubSpotClient
from services.odoo import OdooClient
from services.store import NewCorrection, Store
from tests.sandbox_fixture import ODOO, TOKEN, RunningSandbox

Events = Callable[[], list[dict[str, Any]]]
OPS = Actor("olga.ops@example.com", "ops")


@pytest.fixture
def events() -> Iterator[Events]:
    """The log's events so far, parsed from the JSON lines it wrote."""
    buffer = io.StringIO()
    log.configure("DEBUG", "json", buffer)

    def read() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]

    yield read
    log.configure()


def only(found: list[dict[str, Any]], event: str) -> list[dict[str, Any]]:
    return [e for e in found if e["event"] == event]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    the_store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    the_store.migrate()
    yield the_store
    the_store.close()


def test_startup_names_the_mode_and_the_systems(
    events: Events, demo: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THROUGHLINE_SANDBOX__CRM_PORT", demo.crm_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_SANDBOX__ERP_PORT", demo.erp_url.rsplit(":", 1)[1])
    clients = build_clients(load_settings())
    clients.close()
    [startup] = only(events(), "startup")
    assert (startup["mode"], startup["crm"], startup["erp"]) == ("sandbox", "HubSpot sandbox", "Odoo sandbox")
    assert startup["level"] == "info"
    assert startup["component"] == "dashboard.wiring"


def test_settings_out_of_order_stop_start_up_and_are_logged(
    events: Events, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THROUGHLINE_THRESHOLDS__MATCH_REVIEW", "0.9")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert message.startswith("THROUGHLINE_THRESHOLDS__MATCH_REVIEW and THROUGHLINE_THRESHOLDS__MATCH_APPLY:")
    assert "(0.9) must not be above the apply cut-off (0.85)" in message
    [invalid] = only(events(), "settings.invalid")
    assert (invalid["level"], invalid["message"]) == ("error", message)


def test_each_read_logs_its_system_mode_requests_seconds_and_outcome(
    events: Events, crm: HubSpotClient, erp: OdooClient
) -> None:
    snap = refresh_snapshot(crm, erp)
    reads = {e["system"]: e for e in only(events(), "source.read")}
    assert set(reads) == {"HubSpot", "Odoo"}
    assert reads["HubSpot"]["requests"] == snap.crm_source.requests > 0
    assert reads["Odoo"]["requests"] == snap.erp_source.requests > 0
    for read in reads.values():
        assert (read["operation"], read["outcome"]) == ("full", "ok")
        assert 0 < read["seconds"] < 60


def test_a_failure_logs_the_exception_and_the_services_request_id(
    events: Events, demo: RunningSandbox, erp: OdooClient
) -> None:
    demo.faults("crm", fail_next=100, error_status=500, path_contains="/crm/objects")
    with HubSpotClient(demo.crm_url, TOKEN, max_retries=1, policy_waits={"TEN_SECONDLY_ROLLING": 0}) as crm:
        with pytest.raises(ServiceError) as raised:
            crm.fetch_snapshot()
        snap = refresh_snapshot(crm, erp)
    found = events()
    failures = only(found, "service.failure")
    assert failures, found
    first = failures[0]
    assert (first["system"], first["status"], first["error_type"]) == ("HubSpot", 500, "UnavailableError")
    assert first["request_id"]
    assert first["request_id"] in first["error"]
    assert raised.value.request_id is not None
    retries = only(found, "service.retry")
    assert retries
    assert retries[0]["status"] == 500
    assert retries[0]["attempt"] == 1
    failed = [e for e in only(found, "source.read") if e["outcome"] == "failed"]
    assert [e["system"] for e in failed] == ["HubSpot"]
    assert snap.crm_source.error
    assert failed[0]["error"] == snap.crm_source.error


def test_an_unexpected_exception_is_logged_with_its_traceback(events: Events, erp: OdooClient) -> None:
    class Broken:
        label = "HubSpot"
        requests = 0

        def fetch_snapshot(self, **_: Any) -> Any:
            raise ZeroDivisionError("a bug in the reader")

    snap = refresh_snapshot(Broken(), erp)  # type: ignore[arg-type]
    [unexpected] = only(events(), "unexpected")
    assert unexpected["system"] == "HubSpot"
    assert "ZeroDivisionError: a bug in the reader" in unexpected["exception"]
    assert "Traceback" in unexpected["exception"]
    assert snap.crm_source.error == (
        "unexpected ZeroDivisionError; the details are in the server log (event 'unexpected')"
    )


def test_writes_undos_and_settles_are_logged_with_who_and_which_batch(
    events: Events, crm: HubSpotClient, store: Store
) -> None:
    deal = next(d for d in crm.fetch_snapshot().deals if d.raw_project_id)
    proposal = ProposedCorrection(
        DEAL_PROJECT_ID, deal.crm_deal_id, deal.raw_project_id, "PRJ-99998", None, "x"
    )
    applied = apply_corrections(crm, store, [proposal], actor=OPS)
    [row] = store.corrections(batch_id=applied.batch_id)
    undone = undo_corrections(crm, store, [row.id], actor=OPS)
    # a row a crash left pending: the CRM holds its before-value, so it settles as failed
    [pending] = store.log_pending(
        [
            NewCorrection(
                user=OPS.email, system="hubspot", object_type="deal", object_id=deal.crm_deal_id,
                field="project_id", before=deal.raw_project_id, after="PRJ-99997", finding_key=None,
                batch_id="crashed-batch",
            )
        ]
    )  # fmt: skip
    settle_pending(crm, store)
    accept_finding(store, "malformed:deal:1", "known", actor=OPS)
    unaccept_finding(store, "malformed:deal:1", actor=OPS)
    found = events()
    [write] = only(found, "write.apply")
    assert (write["actor"], write["batch_id"], write["applied"]) == (
        OPS.email,
        applied.batch_id,
        [deal.crm_deal_id],
    )
    assert (write["records"], write["failed"], write["conflicts"], write["system"]) == (1, [], [], "HubSpot")
    [undo] = only(found, "write.undo")
    assert (undo["actor"], undo["batch_id"], undo["applied"]) == (
        OPS.email,
        undone.batch_id,
        [deal.crm_deal_id],
    )
    [settle] = only(found, "write.settle")
    assert (settle["correction"], settle["status"], settle["batch_id"]) == (
        pending.id,
        "failed",
        "crashed-batch",
    )
    [accepted] = only(found, "finding.accept")
    assert (accepted["actor"], accepted["finding"], accepted["reason"]) == (
        OPS.email,
        "malformed:deal:1",
        "known",
    )
    assert only(found, "finding.unaccept")[0]["finding"] == "malformed:deal:1"


def test_a_run_with_known_fake_secrets_leaves_none_in_the_log(
    events: Events, demo: RunningSandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    token = "pat-na1-0f0f0f0f-1111-2222-3333-444444444444"
    api_key = "odoo-key-5e5e5e5e5e5e"
    store_password = "st0re-pa55-7a7a"
    monkeypatch.setenv("THROUGHLINE_HUBSPOT__TOKEN", token)
    monkeypatch.setenv("THROUGHLINE_HUBSPOT__BASE_URL", demo.crm_url)
    monkeypatch.setenv("THROUGHLINE_HUBSPOT__MAX_RETRIES", "0")
    monkeypatch.setenv("THROUGHLINE_ODOO__URL", f"http://throughline:{api_key}@{demo.erp_url.split('//')[1]}")
    monkeypatch.setenv("THROUGHLINE_ODOO__DATABASE", ODOO["database"])
    monkeypatch.setenv("THROUGHLINE_ODOO__LOGIN", ODOO["login"])
    monkeypatch.setenv("THROUGHLINE_ODOO__API_KEY", api_key)
    monkeypatch.setenv("THROUGHLINE_ODOO__MAX_RETRIES", "0")
    monkeypatch.setenv(
        "THROUGHLINE_STORE__DATABASE_URL", f"postgresql+psycopg://u:{store_password}@127.0.0.1:1/x"
    )
    monkeypatch.setenv("THROUGHLINE_ACCESS__MODE", "local")
    buffer = io.StringIO()
    settings = load_settings()
    log.configure("DEBUG", "json", buffer)
    clients = build_clients(settings)
    try:
        snap = refresh_snapshot(clients.crm, clients.erp)  # HubSpot refuses the token, Odoo the key
    finally:
        clients.close()
    log.get("tests").error("service.failure", error=f"echo of a body that quoted {token} and {api_key}")
    written = buffer.getvalue()
    assert snap.crm_source.error
    assert snap.erp_source.error
    assert "service.failure" in written
    assert "[redacted]" in written
    for secret in (token, api_key, store_password):
        assert secret not in written
