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
        "hs_pipeline_stage": ("enumeration", "select"),  # 1 new, 2 waiting on contact, 3 waiting on us, 4 closed
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
