"""HubSpot records read into the typed records of `services.models`, property by property.

A value HubSpot sends that cannot be read (an amount that is not a number, a date that is not a date) leaves
the field empty and names the record, the property and the value in the record's `problems`, so one bad value
never fails a page and the page can say what to fix. Properties come back as strings or null (HubSpot's
wire format, reference/hubspot-api.md §7); datetimes in Java `Instant.toString` style or epoch milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from services.hubspot.names import PortalNames
from services.models import (
    Company,
    Contact,
    CrmDealId,
    CrmProjectRecord,
    CrmRecordId,
    Deal,
    LineItem,
    Note,
    Owner,
    Ticket,
    TicketKind,
)

PRIMARY_COMPANY_TYPE = 5
"""deal -> company "Primary", HUBSPOT_DEFINED and the same in every portal (HubSpot's association type
table: "Deal to company, 5, Primary"; 341 is the unlabeled deal -> company association of, say, a partner)."""
Links = Mapping[str, list[tuple[str, tuple[int, ...]]]]
"""Per associated type: (target id, its association type ids)."""


@dataclass(frozen=True)
class Semantics:
    """What this portal means by a deal's primary contact and by an open ticket, read from the portal
    (the labels API and the ticket pipelines), never from a label's words or a stage id."""

    primary_contact_types: frozenset[int] = frozenset()
    ticket_open: Mapping[str, bool] = field(default_factory=dict)


def text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def decimal(value: Any) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(str(value)) from None
    if not number.is_finite():
        raise ValueError(str(value))
    return number


def instant(value: Any) -> datetime | None:
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: Any) -> date | None:
    parsed = instant(value)
    return parsed.date() if parsed else None


class Reader:
    """Reads one record's properties, collecting what could not be read instead of failing the page."""

    def __init__(self, kind: str, record_id: str, props: Mapping[str, Any]) -> None:
        self.kind, self.record_id, self.props = kind, record_id, props
        self.problems: list[str] = []

    def number(self, name: str) -> Decimal | None:
        try:
            return decimal(self.props.get(name))
        except ValueError:
            self.problems.append(
                f"{self.kind} {self.record_id}: {name} '{self.props.get(name)}' is not a number"
            )
            return None

    def when(self, name: str) -> datetime | None:
        try:
            return instant(self.props.get(name))
        except ValueError:
            self.problems.append(
                f"{self.kind} {self.record_id}: {name} '{self.props.get(name)}' is not a date"
            )
            return None

    def day(self, name: str) -> date | None:
        value = self.when(name)
        return value.date() if value else None

    def integer(self, name: str) -> int | None:
        number = self.number(name)
        return int(number) if number is not None else None


def _raw(value: Any) -> str | None:
    """A project ID exactly as the portal holds it (untrimmed), or None when empty."""
    return None if value in (None, "") else str(value)


def ids(targets: Iterable[tuple[str, tuple[int, ...]]]) -> tuple[CrmRecordId, ...]:
    return tuple(dict.fromkeys(CrmRecordId(t) for t, _ in targets))


def companies_primary_first(targets: list[tuple[str, tuple[int, ...]]]) -> tuple[CrmRecordId, ...]:
    """The deal's companies, its primary company (type 5) first: the customer is the primary company,
    not whichever company HubSpot happens to list first (a partner or reseller, say)."""
    primary = [t for t in targets if PRIMARY_COMPANY_TYPE in t[1]]
    return ids([*primary, *targets])


def deal(
    raw: dict[str, Any],
    n: PortalNames,
    stages: Mapping[str, tuple[str, bool, bool]],
    assoc: Links,
    semantics: Semantics,
) -> Deal:
    deal_id = str(raw["id"])
    props = raw.get("properties") or {}
    r = Reader("deal", deal_id, props)
    stage = text(props.get("dealstage"))
    label, closed, won = stages.get(stage or "", (stage, False, False))
    margin = r.number(n.estimated_margin_property)
    return Deal(
        crm_deal_id=CrmDealId(deal_id),
        name=text(props.get("dealname")),
        stage=stage,
        stage_label=label,
        pipeline=text(props.get("pipeline")),
        is_closed=closed,
        is_won=won,
        amount=r.number("amount"),
        currency=(text(props.get("deal_currency_code")) or None),
        close_date=r.day("closedate"),
        created_at=r.when("createdate"),
        updated_at=r.when("hs_lastmodifieddate"),
        owner_id=text(props.get("hubspot_owner_id")),
        raw_project_id=_raw(props.get(n.project_id_property)),
        estimated_margin_pct=(margin / 100 if margin is not None else None),
        scope_summary=text(props.get(n.scope_property)),
        proposal_version=text(props.get(n.proposal_version_property)),
        **association_fields(assoc, n, semantics),
        problems=tuple(r.problems),
    )


def association_fields(assoc: Links, n: PortalNames, semantics: Semantics) -> dict[str, Any]:
    """A deal's fields that come from its associations (the customer first, the primary contact by its
    association type)."""
    contacts = assoc.get("contacts", [])
    wanted = semantics.primary_contact_types
    primary = next((c for c, types in contacts if wanted.intersection(types)), None)
    return {
        "company_ids": companies_primary_first(assoc.get("companies", [])),
        "contact_ids": ids(contacts),
        "primary_contact_id": CrmRecordId(primary) if primary else None,
        "line_item_ids": ids(assoc.get("line_items", [])),
        "ticket_ids": ids(assoc.get("tickets", [])),
        "note_ids": ids(assoc.get("notes", [])),
        "project_record_ids": ids(assoc.get(n.project_object_type, [])),
    }


def project(raw: dict[str, Any], n: PortalNames, deal_ids: list[CrmDealId]) -> CrmProjectRecord:
    record_id = str(raw["id"])
    props = raw.get("properties") or {}
    r = Reader("project record", record_id, props)
    percent = r.number(n.record_percent_complete_property)
    return CrmProjectRecord(
        project_record_id=CrmRecordId(record_id),
        name=text(props.get(n.record_name_property)),
        raw_project_id=text(props.get(n.record_project_id_property)),
        status=text(props.get(n.record_status_property)),
        percent_complete=(percent / 100 if percent is not None else None),
        milestones_total=r.integer(n.record_milestones_total_property),
        milestones_done=r.integer(n.record_milestones_done_property),
        next_milestone=text(props.get(n.record_next_milestone_property)),
        next_milestone_date=r.day(n.record_next_milestone_date_property),
        updated_at=r.when("hs_lastmodifieddate"),
        deal_ids=tuple(deal_ids),
        problems=tuple(r.problems),
    )


def company(raw: dict[str, Any]) -> Company:
    props = raw.get("properties") or {}
    return Company(
        company_id=CrmRecordId(str(raw["id"])),
        name=text(props.get("name")),
        domain=text(props.get("domain")),
    )


def contact(raw: dict[str, Any]) -> Contact:
    props = raw.get("properties") or {}
    name = " ".join(p for p in (text(props.get("firstname")), text(props.get("lastname"))) if p)
    return Contact(
        contact_id=CrmRecordId(str(raw["id"])),
        name=name or str(props.get("email") or raw["id"]),
        email=text(props.get("email")),
        job_title=text(props.get("jobtitle")),
    )


TICKET_KINDS: dict[str, TicketKind] = {
    "presales": "presales",
    "incident": "incident",
    "change_request": "change_request",
}


def ticket(raw: dict[str, Any], n: PortalNames, semantics: Semantics) -> Ticket:
    """A ticket, open or closed as its stage's `ticketState` says (a stage the pipelines do not list: open
    unless it has a close date)."""
    props = raw.get("properties") or {}
    r = Reader("ticket", str(raw["id"]), props)
    stage = str(props.get("hs_pipeline_stage") or "")
    is_open = semantics.ticket_open.get(stage)
    if is_open is None:
        is_open = text(props.get("closed_date")) is None
    return Ticket(
        ticket_id=CrmRecordId(str(raw["id"])),
        subject=text(props.get("subject")),
        kind=TICKET_KINDS.get(str(props.get(n.ticket_kind_property) or "").lower(), "other"),
        is_open=is_open,
        created_at=r.when("createdate"),
        closed_at=r.when("closed_date"),
    )


def line_item(raw: dict[str, Any]) -> LineItem:
    props = raw.get("properties") or {}
    r = Reader("line item", str(raw["id"]), props)
    return LineItem(
        line_item_id=CrmRecordId(str(raw["id"])),
        name=text(props.get("name")),
        quantity=r.number("quantity"),
        price=r.number("price"),
        amount=r.number("amount"),
        problems=tuple(r.problems),
    )


def note(raw: dict[str, Any]) -> Note:
    props = raw.get("properties") or {}
    r = Reader("note", str(raw["id"]), props)
    return Note(
        note_id=CrmRecordId(str(raw["id"])),
        body=text(props.get("hs_note_body")),
        timestamp=r.when("hs_timestamp"),
    )


def owner(row: Mapping[str, Any]) -> Owner:
    """An owner from the owners API (`hubspot_owner_id` on deals holds its `id`, not its `userId`)."""
    name = " ".join(p for p in (row.get("firstName"), row.get("lastName")) if p) or row.get("email")
    teams = row.get("teams") or []
    return Owner(
        owner_id=str(row["id"]),
        email=str(row.get("email") or ""),
        name=str(name or row["id"]),
        team=teams[0].get("name") if teams else None,
    )


def deal_stages(pipelines: Iterable[Mapping[str, Any]]) -> dict[str, tuple[str, bool, bool]]:
    """Deal stage id -> (label, is_closed, is_won) from the pipelines API: closed per the stage's
    `isClosed`, won when closed with probability 1 (stage metadata values are strings)."""
    stages: dict[str, tuple[str, bool, bool]] = {}
    for pipeline in pipelines:
        for stage in pipeline.get("stages") or []:
            meta = stage.get("metadata") or {}
            closed = str(meta.get("isClosed", "false")).lower() == "true"
            try:
                probability = decimal(meta.get("probability"))
            except ValueError:
                probability = None
            won = closed and probability is not None and probability >= 1
            stages[str(stage["id"])] = (str(stage.get("label") or stage["id"]), closed, won)
    return stages


def touched(
    kind: str, raw: dict[str, Any], n: PortalNames, semantics: Semantics
) -> Company | Contact | Ticket:
    """A record of a type the deals touch ("companies", "contacts" or "tickets"), parsed."""
    if kind == "companies":
        return company(raw)
    if kind == "contacts":
        return contact(raw)
    return ticket(raw, n, semantics)


def ticket_states(pipelines: Iterable[Mapping[str, Any]]) -> dict[str, bool]:
    """Ticket stage id -> open, from each stage's `metadata.ticketState` ("OPEN" or "CLOSED"), as the
    pipelines API describes ticket stages (GET /crm/pipelines/2026-09/tickets; a stage without it: open
    unless its `isClosed` says "true")."""
    states: dict[str, bool] = {}
    for pipeline in pipelines:
        for stage in pipeline.get("stages") or []:
            meta = stage.get("metadata") or {}
            state = str(meta.get("ticketState") or "").upper()
            closed = state == "CLOSED" if state else str(meta.get("isClosed", "false")).lower() == "true"
            states[str(stage["id"])] = not closed
    return states
