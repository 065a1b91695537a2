"""How one sandbox portal is set up: the words and ids a real portal chooses for itself.

Real portals differ from one another in what Throughline must never assume: the words of association
labels (their type ids are the portal's too), ticket pipelines and their stage ids, the names of custom
properties, which properties enforce unique values, how many associations a batch read returns per
record before it pages, and how long a write takes to show in search. `DEFAULT` is the portal the
sandbox has always served; `VARIED` disagrees with the dashboard's default settings on each of these, so
a test on it shows the client reads the portal's own set-up rather than assuming one (`python -m sandbox
serve --portal varied`; `python -m sandbox env --portal varied` prints the settings that match it).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from sandbox.crm_schema import (
    PRIMARY_CONTACT_LABEL,
    PRIMARY_CONTACT_REVERSE_TYPE_ID,
    PRIMARY_CONTACT_TYPE_ID,
    TICKET_STAGES,
)

# (stage id, label, ticketState)
Stages = tuple[tuple[str, str, str], ...]

SUPPORT_STAGES: Stages = tuple(TICKET_STAGES)  # HubSpot's "0" Support Pipeline


@dataclass(frozen=True)
class TicketPipeline:
    """A ticket pipeline: its id, label and stages. Stage ids are the portal's own (HubSpot numbers the
    stages of every pipeline but the default one itself, e.g. "1234914"), and open/closed is each stage's
    `metadata.ticketState` (GET /crm/v3/pipelines/tickets, developers.hubspot.com/docs/api-reference/
    legacy/crm/pipelines/get-pipeline: `"metadata": {"ticketState": "CLOSED"}`)."""

    id: str
    label: str
    stages: Stages
    from_default: dict[str, str] = field(default_factory=dict)
    """Which of the default pipeline's stages each of this pipeline's stages stands for (the portfolio is
    built in the default pipeline; the varied portal moves some tickets here)."""


@dataclass(frozen=True)
class Portal:
    """One portal's own set-up (see the module docstring)."""

    name: str = "default"
    association_page: int = 500
    """Associations per record in one v4 batch read answer; more follow through `paging.next.after`."""
    primary_contact_label: str = PRIMARY_CONTACT_LABEL
    primary_contact_type_ids: tuple[int, int] = (PRIMARY_CONTACT_TYPE_ID, PRIMARY_CONTACT_REVERSE_TYPE_ID)
    ticket_pipelines: tuple[TicketPipeline, ...] = (TicketPipeline("0", "Support Pipeline", SUPPORT_STAGES),)
    renamed: dict[str, dict[str, str]] = field(default_factory=dict)
    """object type -> {the sandbox's property name: this portal's name for it}."""
    unique_record_ids: bool = False
    """Whether writes are refused that would give two project records the same ERP project ID."""
    partner_every: int = 0
    """Every n-th deal also has a partner company (an unlabeled association, type 341), listed first."""
    links_touch: bool = True
    """Whether making or removing an association moves both records' hs_lastmodifieddate (HubSpot does
    not say it does)."""
    search_index_delay_s: float = 0.0
    """How long a write takes to reach search. HubSpot indexes CRM records for search asynchronously: a
    record searched for right after it was created is not found, and is after a wait (HubSpot/hubspot-api-
    php#59, "Search API delay after insert"; /work/shared/reference/hubspot-api.md 1.3: new or updated
    records appear in search only after a short delay, developers.hubspot.com/docs/api-reference/2026-03/
    crm/search-the-crm). Until then search answers with the version indexed before (a record created
    since is left out, one archived since still listed); reads by id, lists and batch reads show the
    write at once. `python -m sandbox serve --search-index-delay-s`."""
    scopes: tuple[str, ...] = (
        "oauth",
        "crm.objects.deals.read",
        "crm.objects.deals.write",
        "crm.objects.companies.read",
        "crm.objects.contacts.read",
        "crm.objects.line_items.read",
        "crm.objects.owners.read",
        "tickets",
        "crm.schemas.custom.read",
        "crm.objects.custom.read",
        "crm.objects.custom.write",
    )
    """The scopes the sandbox's token has (HubSpot's scope names). Written out here, not taken from the
    client's list (services/hubspot/doctor.py `SCOPES`): it is what the portal granted, so a scope the
    client starts to need and the token lacks shows up in `doctor` instead of agreeing by construction."""

    def stage_pipeline(self, stage_id: str) -> str | None:
        """The pipeline a ticket stage belongs to."""
        return next((p.id for p in self.ticket_pipelines for s in p.stages if s[0] == stage_id), None)


DEFAULT = Portal()

VARIED = Portal(
    name="varied",
    association_page=100,
    primary_contact_label="Sponsor",  # one word: `env $(python -m sandbox env ...)` splits on spaces
    primary_contact_type_ids=(1207, 1208),
    ticket_pipelines=(
        TicketPipeline("0", "Support Pipeline", SUPPORT_STAGES),
        TicketPipeline(
            "31337101",
            "Delivery desk",
            (
                ("31337201", "Logged", "OPEN"),
                ("31337202", "Being worked on", "OPEN"),
                ("31337203", "Resolved", "CLOSED"),
            ),
            from_default={"1": "31337201", "2": "31337202", "3": "31337202", "4": "31337203"},
        ),
    ),
    renamed={
        "deals": {
            "erp_project_id": "delivery_project_ref",
            "estimated_margin_at_close": "forecast_margin_pct",
            "scope_summary": "sow_summary",
            "signed_proposal_version": "proposal_rev",
        },
        "tickets": {"ticket_kind": "request_type"},
        "projects": {
            "erp_project_id": "delivery_code",
            "project_name": "engagement_name",
            "project_status": "engagement_state",
            "percent_complete": "pct_done",
        },
    },
    unique_record_ids=True,
    partner_every=4,
    links_touch=False,
    search_index_delay_s=5.0,
)

PORTALS = {portal.name: portal for portal in (DEFAULT, VARIED)}


def cursor(offset: int) -> str:
    """An opaque paging cursor, as HubSpot's are (e.g. "MC0yLTE1OTc0MDA2NTg%3D")."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def offset(after: str | None) -> int | None:
    """The offset a cursor from `cursor` names; None when it is not one."""
    if not after:
        return 0
    try:
        text = base64.urlsafe_b64decode(after.encode()).decode()
    except ValueError:
        return None
    kind, _, number = text.partition(":")
    return int(number) if kind == "offset" and number.isdigit() else None
