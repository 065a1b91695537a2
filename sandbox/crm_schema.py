"""The sandbox portal's CRM schema: object types, their properties and the deal pipeline.

The portal names its custom properties the way a real portal might; the dashboard learns these names from
its settings (see `.env.example`), never from this module.
"""

from __future__ import annotations

PORTAL_ID = 146_000_777

# canonical name -> (objectTypeId, singular label, plural label)
OBJECT_TYPES: dict[str, tuple[str, str, str]] = {
    "contacts": ("0-1", "Contact", "Contacts"),
    "companies": ("0-2", "Company", "Companies"),
    "deals": ("0-3", "Deal", "Deals"),
    "tickets": ("0-5", "Ticket", "Tickets"),
    "line_items": ("0-8", "Line item", "Line items"),
    "notes": ("0-46", "Note", "Notes"),
    "projects": ("2-" + "3210987", "Project", "Projects"),  # the custom object
}
CUSTOM_OBJECT = "projects"
CUSTOM_SCHEMA_ID = "3210987"
CUSTOM_FULLY_QUALIFIED = f"p{PORTAL_ID}_projects"

# The portal's own names for the properties Throughline reads (the sandbox defaults of the settings).
DEAL_PROJECT_ID = "erp_project_id"
DEAL_EST_MARGIN = "estimated_margin_at_close"  # percent, e.g. "27.5"
DEAL_SCOPE = "scope_summary"
DEAL_PROPOSAL_VERSION = "signed_proposal_version"

# Properties each object type defines (name -> (type, fieldType)). A requested property that is defined
# but unset comes back as null; one not defined here is omitted, as HubSpot does.
PROPERTIES: dict[str, dict[str, tuple[str, str]]] = {
    "deals": {
        "dealname": ("string", "text"),
        "amount": ("number", "number"),
        "dealstage": ("enumeration", "radio"),
        "pipeline": ("enumeration", "select"),
        "closedate": ("datetime", "date"),
        "createdate": ("datetime", "date"),
        "hs_lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
        "hubspot_owner_id": ("enumeration", "select"),
        "deal_currency_code": ("enumeration", "select"),
        "hs_deal_stage_probability": ("number", "number"),
        "description": ("string", "textarea"),
        DEAL_PROJECT_ID: ("string", "text"),
        DEAL_EST_MARGIN: ("number", "number"),
        DEAL_SCOPE: ("string", "textarea"),
        DEAL_PROPOSAL_VERSION: ("string", "text"),
    },
    "companies": {
        "name": ("string", "text"),
        "domain": ("string", "text"),
        "industry": ("enumeration", "select"),
        "country": ("string", "text"),
        "createdate": ("datetime", "date"),
        "hs_lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
    },
    "contacts": {
        "firstname": ("string", "text"),
        "lastname": ("string", "text"),
        "email": ("string", "text"),
        "jobtitle": ("string", "text"),
        "phone": ("string", "phonenumber"),
        "createdate": ("datetime", "date"),
        "lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
    },
    "line_items": {
        "name": ("string", "text"),
        "quantity": ("number", "number"),
        "price": ("number", "number"),
        "amount": ("number", "number"),
        "hs_product_id": ("number", "number"),
        "createdate": ("datetime", "date"),
        "hs_lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
    },
    "tickets": {
        "subject": ("string", "text"),
        "content": ("string", "textarea"),
        "hs_pipeline": ("enumeration", "select"),
        "hs_pipeline_stage": ("enumeration", "select"),  # ids of TICKET_STAGES below
        "hs_ticket_category": ("enumeration", "checkbox"),
        "ticket_kind": ("enumeration", "select"),  # presales | incident | change_request
        "closed_date": ("datetime", "date"),
        "createdate": ("datetime", "date"),
        "hs_lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
    },
    "notes": {
        "hs_note_body": ("string", "html"),
        "hs_timestamp": ("datetime", "date"),
        "createdate": ("datetime", "date"),
        "hs_lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
    },
    "projects": {
        "project_name": ("string", "text"),
        "erp_project_id": ("string", "text"),
        "project_status": ("enumeration", "select"),  # planning | in_progress | on_hold | completed
        "percent_complete": ("number", "number"),  # 0-100
        "milestones_total": ("number", "number"),
        "milestones_done": ("number", "number"),
        "next_milestone": ("string", "text"),
        "next_milestone_date": ("date", "date"),
        "scope_summary": ("string", "textarea"),
        "signed_proposal_version": ("string", "text"),
        "contract_value": ("number", "number"),  # the deal's amount at close, carried by the handover
        "deal_currency_code": ("string", "text"),
        "primary_contact": ("string", "text"),
        "pricing_summary": ("string", "textarea"),
        "hs_createdate": ("datetime", "date"),
        "hs_lastmodifieddate": ("datetime", "date"),
        "hs_object_id": ("number", "number"),
    },
}

# Default deal pipeline, as HubSpot ships it (ids, labels, probabilities).
DEAL_STAGES: list[tuple[str, str, float, bool]] = [
    ("appointmentscheduled", "Appointment Scheduled", 0.2, False),
    ("qualifiedtobuy", "Qualified To Buy", 0.4, False),
    ("presentationscheduled", "Presentation Scheduled", 0.6, False),
    ("decisionmakerboughtin", "Decision Maker Bought-In", 0.8, False),
    ("contractsent", "Contract Sent", 0.9, False),
    ("closedwon", "Closed Won", 1.0, True),
    ("closedlost", "Closed Lost", 0.0, True),
]

# Association type ids (HUBSPOT_DEFINED), both directions. Custom-object ones are USER_DEFINED-style ids.
ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("deals", "companies"): 5,
    ("companies", "deals"): 6,
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "line_items"): 19,
    ("line_items", "deals"): 20,
    ("deals", "tickets"): 27,
    ("tickets", "deals"): 28,
    ("deals", "notes"): 214,
    ("notes", "deals"): 213,
    ("contacts", "companies"): 1,
    ("companies", "contacts"): 2,
    ("deals", "projects"): 901,
    ("projects", "deals"): 902,
}
PRIMARY_CONTACT_LABEL = "Primary contact"
PRIMARY_CONTACT_TYPE_ID = 903  # USER_DEFINED label on deal -> contact

# ---------------------------------------------------------------------------------------------------
# Metadata the HubSpot-compatible API serves (labels, groups, defaults, options, schema details).
# ---------------------------------------------------------------------------------------------------

PRIMARY_CONTACT_REVERSE_TYPE_ID = 904  # the same label seen from the contact's side
CUSTOM_OBJECT_TYPES = frozenset({CUSTOM_OBJECT})

SINGULAR: dict[str, str] = {
    "contacts": "contact",
    "companies": "company",
    "deals": "deal",
    "tickets": "ticket",
    "line_items": "line_item",
    "notes": "note",
    "projects": "project",
}

# The properties a read returns when none are asked for.
DEFAULT_PROPERTIES: dict[str, tuple[str, ...]] = {
    "deals": ("dealname", "amount", "closedate", "pipeline", "dealstage"),
    "companies": ("name", "domain"),
    "contacts": ("firstname", "lastname", "email"),
    "tickets": ("subject", "content", "hs_pipeline", "hs_pipeline_stage"),
    "line_items": ("name", "quantity", "price", "amount"),
    "notes": ("hs_note_body", "hs_timestamp"),
    "projects": (),
}

# Properties HubSpot maintains itself: returned on every record, refused on writes.
SYSTEM_PROPERTIES = ("createdate", "hs_createdate", "lastmodifieddate", "hs_lastmodifieddate", "hs_object_id")

# Properties with hasUniqueValue (usable as idProperty besides hs_object_id).
UNIQUE_PROPERTIES: dict[str, frozenset[str]] = {
    "deals": frozenset({DEAL_PROJECT_ID}),
    "projects": frozenset({"erp_project_id"}),
}

# Text properties the search `query` looks in.
SEARCHABLE_PROPERTIES: dict[str, tuple[str, ...]] = {
    "deals": ("dealname",),
    "companies": ("name", "domain"),
    "contacts": ("firstname", "lastname", "email", "phone"),
    "tickets": ("subject", "content"),
    "line_items": ("name",),
    "notes": ("hs_note_body",),
    "projects": ("project_name", "erp_project_id"),
}

PROPERTY_GROUPS: dict[str, str] = {
    "deals": "dealinformation",
    "companies": "companyinformation",
    "contacts": "contactinformation",
    "tickets": "ticketinformation",
    "line_items": "lineiteminformation",
    "notes": "engagement",
    "projects": "project_information",
}

PROPERTY_LABELS: dict[str, str] = {
    "dealname": "Deal Name",
    "dealstage": "Deal Stage",
    "closedate": "Close Date",
    "createdate": "Create Date",
    "hs_createdate": "Object create date/time",
    "hs_lastmodifieddate": "Last Modified Date",
    "lastmodifieddate": "Last Modified Date",
    "hs_object_id": "Record ID",
    "hubspot_owner_id": "Deal owner",
    "deal_currency_code": "Currency",
    "hs_deal_stage_probability": "Deal Stage Probability",
    DEAL_PROJECT_ID: "ERP project ID",
    DEAL_EST_MARGIN: "Estimated margin at close (%)",
    DEAL_SCOPE: "Scope summary",
    DEAL_PROPOSAL_VERSION: "Signed proposal version",
    "erp_project_id": "ERP project ID",
}

# Ticket pipeline "0", as HubSpot ships it: (id, label, ticket state).
TICKET_STAGES: list[tuple[str, str, str]] = [
    ("1", "New", "OPEN"),
    ("2", "Waiting on contact", "OPEN"),
    ("3", "Waiting on us", "OPEN"),
    ("4", "Closed", "CLOSED"),
]

# Options of enumeration properties whose values the sandbox checks on writes.
PROPERTY_OPTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("deals", "dealstage"): tuple(stage[0] for stage in DEAL_STAGES),
    ("deals", "pipeline"): ("default",),
    ("tickets", "hs_pipeline"): ("0",),
    ("tickets", "hs_pipeline_stage"): tuple(stage[0] for stage in TICKET_STAGES),
    ("tickets", "ticket_kind"): ("presales", "incident", "change_request"),
    ("projects", "project_status"): ("planning", "in_progress", "on_hold", "completed"),
}

# The custom object's schema details (GET /crm-object-schemas/v3/schemas).
CUSTOM_PRIMARY_DISPLAY = "project_name"
CUSTOM_SECONDARY_DISPLAY = ("erp_project_id", "project_status")
CUSTOM_REQUIRED = ("project_name", "erp_project_id")


def association_category(from_type: str, to_type: str, type_id: int) -> str:
    """HubSpot's category for an association type: labels and custom-object pairs are USER_DEFINED."""
    if type_id in (PRIMARY_CONTACT_TYPE_ID, PRIMARY_CONTACT_REVERSE_TYPE_ID):
        return "USER_DEFINED"
    if from_type in CUSTOM_OBJECT_TYPES or to_type in CUSTOM_OBJECT_TYPES:
        return "USER_DEFINED"
    return "HUBSPOT_DEFINED"
