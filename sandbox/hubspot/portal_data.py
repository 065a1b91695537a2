"""A portal's set-up written into the sandbox's records: what the varied portal holds differently.

The demo portfolio is built one way (sandbox/portfolio); a portal set up otherwise (sandbox/hubspot/portal.py)
then has, in its own records: its primary-contact label under its own type ids and words; every other
ticket in its second pipeline, at the stage standing for the one it had; and on every n-th deal a partner
company besides the customer, associated without a label (deal -> company 341, company -> deal 342), which
HubSpot lists before the customer when its id is lower. Property names are not rewritten here: the app
translates them at the edge (sandbox/hubspot/renames.py). Applying it twice changes nothing.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sandbox.crm_schema import PRIMARY_CONTACT_REVERSE_TYPE_ID, PRIMARY_CONTACT_TYPE_ID
from sandbox.db import CrmAssociation, CrmObject, dumps_properties
from sandbox.hubspot.portal import DEFAULT, Portal

OBJECTS = CrmObject.__table__  # type: ignore[attr-defined]
LINKS = CrmAssociation.__table__  # type: ignore[attr-defined]
PARTNER, PARTNER_BACK = 341, 342


def apply_portal(engine: Engine, portal: Portal) -> None:
    """Write `portal`'s set-up into the records of a database holding the demo portfolio."""
    if portal == DEFAULT:
        return
    with engine.begin() as conn:
        forward, backward = portal.primary_contact_type_ids
        for old, new in ((PRIMARY_CONTACT_TYPE_ID, forward), (PRIMARY_CONTACT_REVERSE_TYPE_ID, backward)):
            conn.execute(
                update(LINKS)
                .where(LINKS.c.type_id == old)
                .values(type_id=new, label=portal.primary_contact_label)
            )
        second = next((p for p in portal.ticket_pipelines[1:] if p.from_default), None)
        if second is not None:
            tickets = conn.execute(
                select(OBJECTS.c.id, OBJECTS.c.properties).where(OBJECTS.c.object_type == "tickets")
            ).all()
            for row in tickets:
                props = json.loads(row.properties or "{}")
                stage = str(props.get("hs_pipeline_stage") or "")
                if row.id % 2 or stage not in second.from_default:
                    continue
                props |= {"hs_pipeline": second.id, "hs_pipeline_stage": second.from_default[stage]}
                conn.execute(
                    update(OBJECTS)
                    .where(and_(OBJECTS.c.object_type == "tickets", OBJECTS.c.id == row.id))
                    .values(properties=dumps_properties(props))
                )
        if portal.partner_every:
            _partners(conn, portal.partner_every)


def _partners(conn: object, every: int) -> None:
    companies = sorted(
        conn.execute(  # type: ignore[attr-defined]
            select(OBJECTS.c.id).where(OBJECTS.c.object_type == "companies", OBJECTS.c.archived.is_(False))
        ).scalars()
    )
    customers = conn.execute(  # type: ignore[attr-defined]
        select(LINKS.c.from_id, LINKS.c.to_id)
        .where(LINKS.c.from_type == "deals", LINKS.c.to_type == "companies", LINKS.c.type_id == 5)
        .order_by(LINKS.c.from_id)
    ).all()
    rows = []
    for index, (deal_id, customer) in enumerate(customers):
        if index % every or len(companies) < 2:
            continue
        partner = companies[0] if companies[0] != customer else companies[1]
        common = {"category": "HUBSPOT_DEFINED", "label": None}
        rows += [
            {"from_type": "deals", "from_id": deal_id, "to_type": "companies", "to_id": partner}
            | {"type_id": PARTNER}
            | common,
            {"from_type": "companies", "from_id": partner, "to_type": "deals", "to_id": deal_id}
            | {"type_id": PARTNER_BACK}
            | common,
        ]
    if rows:
        conn.execute(sqlite_insert(LINKS).values(rows).on_conflict_do_nothing())  # type: ignore[attr-defined]
