"""A small, hand-checkable HubSpot portal in a temp SQLite file, served by the real sandbox app over HTTP.

Five live deals and one archived, two companies, two contacts, two line items, a ticket, a note, two project
records (the custom object) and four owners. Every value a test checks is written out below.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session

from sandbox.crm_schema import ASSOCIATION_TYPES, PRIMARY_CONTACT_LABEL, association_category
from sandbox.crm_schema import PRIMARY_CONTACT_REVERSE_TYPE_ID as PRIMARY_BACK
from sandbox.crm_schema import PRIMARY_CONTACT_TYPE_ID as PRIMARY
from sandbox.db import CrmAssociation, CrmObject, CrmOwner, create_schema, dumps_properties, make_engine
from sandbox.faults import Faults
from sandbox.hubspot import HubSpotLimits, create_hubspot_app
from sandbox.hubspot.portal import DEFAULT, Portal
from sandbox.server import free_port

TOKEN = "sandbox-token"
CREATED = datetime(2025, 10, 1, 9, 0, tzinfo=UTC)  # record n of a type is created n days later
UPDATED = datetime(2025, 12, 1, 10, 30, 0, 250_000, tzinfo=UTC)

DEALS: dict[int, dict[str, str]] = {
    1001: {
        "dealname": "Acme ERP rollout",
        "amount": "48000",
        "dealstage": "closedwon",
        "pipeline": "default",
        "closedate": "2026-01-15T00:00:00Z",
        "hubspot_owner_id": "101",
        "deal_currency_code": "EUR",
        "erp_project_id": "PRJ-001",
        "estimated_margin_at_close": "27.5",
    },
    1002: {
        "dealname": "Acme support renewal",
        "amount": "9500",
        "dealstage": "closedwon",
        "pipeline": "default",
        "closedate": "2026-02-01T00:00:00Z",
        "hubspot_owner_id": "102",
        "erp_project_id": "PRJ-002",
    },
    1003: {
        "dealname": "Globex data migration",
        "amount": "120000",
        "dealstage": "contractsent",
        "pipeline": "default",
        "closedate": "2026-06-30T00:00:00Z",
        "hubspot_owner_id": "101",
    },
    1004: {
        "dealname": "Globex analytics",
        "amount": "15000.50",
        "dealstage": "closedwon",
        "pipeline": "default",
        "closedate": "2026-03-10T12:30:00Z",
        "hubspot_owner_id": "103",
        "erp_project_id": "PRJ-004",
        "estimated_margin_at_close": "31",
    },
    1005: {"dealname": "Initech pilot", "dealstage": "appointmentscheduled", "pipeline": "default"},
}
ARCHIVED_DEALS: dict[int, dict[str, str]] = {
    1006: {
        "dealname": "Lost and archived",
        "amount": "5000",
        "dealstage": "closedlost",
        "erp_project_id": "PRJ-006",
    }
}
COMPANIES = {
    201: {"name": "Acme GmbH", "domain": "acme.example"},
    202: {"name": "Globex AG", "domain": "globex.example"},
}
CONTACTS = {
    301: {"firstname": "Jane", "lastname": "Doe", "email": "jane@acme.example"},
    302: {"firstname": "John", "lastname": "Roe", "email": "john@globex.example"},
}
LINE_ITEMS = {
    401: {"name": "Implementation days", "quantity": "40", "price": "1200", "amount": "48000"},
    402: {"name": "Dashboards", "quantity": "1", "price": "15000.50", "amount": "15000.50"},
}
TICKETS = {
    501: {"subject": "Login broken", "ticket_kind": "incident", "hs_pipeline": "0", "hs_pipeline_stage": "1"}
}
NOTES = {601: {"hs_note_body": "Kickoff done", "hs_timestamp": "2026-01-20T10:00:00Z"}}
PROJECTS = {
    701: {
        "project_name": "Acme ERP rollout",
        "erp_project_id": "PRJ-001",
        "project_status": "in_progress",
        "percent_complete": "40",
    },
    702: {
        "project_name": "Globex analytics",
        "erp_project_id": "PRJ-004",
        "project_status": "completed",
        "percent_complete": "100",
    },
}
# deal -> associated records by type (default association types, both directions)
DEAL_LINKS: dict[int, dict[str, list[int]]] = {
    1001: {
        "companies": [201],
        "contacts": [301],
        "line_items": [401],
        "tickets": [501],
        "notes": [601],
        "projects": [701],
    },
    1002: {"companies": [201]},
    1003: {"companies": [202], "contacts": [302]},
    1004: {"companies": [202], "line_items": [402], "projects": [702]},
}
PRIMARY_CONTACT = (1001, 301)  # also labelled "Primary contact" (type 903)
# (id, user id, email, first, last, team, archived)
OWNERS = [
    (101, 9001, "alice@example.com", "Alice", "Archer", "Delivery", False),
    (102, 9002, "bob@example.com", "Bob", "Baker", None, False),
    (103, 9003, "carol@example.com", "Carol", "Chen", "Delivery", False),
    (104, 9004, "dave@example.com", "Dave", "Dunn", None, True),
]


def _objects() -> list[CrmObject]:
    tables: list[tuple[str, dict[int, dict[str, str]], bool]] = [
        ("deals", DEALS, False),
        ("deals", ARCHIVED_DEALS, True),
        ("companies", COMPANIES, False),
        ("contacts", CONTACTS, False),
        ("line_items", LINE_ITEMS, False),
        ("tickets", TICKETS, False),
        ("notes", NOTES, False),
        ("projects", PROJECTS, False),
    ]
    rows = []
    for object_type, records, archived in tables:
        for record_id, props in records.items():
            created = CREATED + timedelta(days=record_id % 100 - 1)
            rows.append(
                CrmObject(
                    object_type=object_type,
                    id=record_id,
                    properties=dumps_properties(dict(props)),
                    created_at=created,
                    updated_at=UPDATED,
                    archived=archived,
                )
            )
    return rows


def _link(a: str, a_id: int, b: str, b_id: int, type_id: int, back_id: int, label: str | None) -> list[Any]:
    category = association_category(a, b, type_id)
    return [
        CrmAssociation(
            from_type=a, from_id=a_id, to_type=b, to_id=b_id, type_id=type_id, category=category, label=label
        ),
        CrmAssociation(
            from_type=b, from_id=b_id, to_type=a, to_id=a_id, type_id=back_id, category=category, label=label
        ),
    ]


def _links() -> list[CrmAssociation]:
    rows = []
    for deal_id, targets in DEAL_LINKS.items():
        for to_type, ids in targets.items():
            for to_id in ids:
                forward, back = ASSOCIATION_TYPES[("deals", to_type)], ASSOCIATION_TYPES[(to_type, "deals")]
                rows += _link("deals", deal_id, to_type, to_id, forward, back, None)
    deal_id, contact_id = PRIMARY_CONTACT
    rows += _link("deals", deal_id, "contacts", contact_id, PRIMARY, PRIMARY_BACK, PRIMARY_CONTACT_LABEL)
    return rows


def seed_portal(path: Path) -> Engine:
    """A new sandbox database at `path` holding the portal above."""
    engine = make_engine(path)
    create_schema(engine)
    with Session(engine) as session:
        session.add_all(_objects())
        session.add_all(_links())
        for owner_id, user_id, email, first, last, team, archived in OWNERS:
            session.add(
                CrmOwner(
                    id=owner_id,
                    user_id=user_id,
                    email=email,
                    first_name=first,
                    last_name=last,
                    team=team,
                    archived=archived,
                    created_at=CREATED,
                    updated_at=UPDATED,
                )
            )
        session.commit()
    return engine


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free 127.0.0.1 port in a background thread; yield its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, name=f"hubspot-sandbox-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the HubSpot sandbox did not start on port {port}")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def hubspot_portal(
    tmp_path: Path,
    *,
    limits: HubSpotLimits | None = None,
    faults: Faults | None = None,
    portal: Portal = DEFAULT,
) -> Iterator[str]:
    """The seeded portal served by `create_hubspot_app` (set up as `portal` says); yields the base URL."""
    engine = seed_portal(tmp_path / "hubspot.sqlite")
    try:
        app = create_hubspot_app(engine, token=TOKEN, limits=limits, faults=faults, portal=portal)
        with serving(app) as url:
            yield url
    finally:
        engine.dispose()
