"""The portal's own names for what Throughline reads and writes, and the standard names HubSpot defines.

Every portal names its custom properties and its project object its own way, so each such name is a setting
(`HubSpotSettings` extends `PortalNames`, so the defaults below are the settings' defaults, defined once).
The rest of Throughline speaks domain terms (a deal's project ID, a project record's status); only this
adapter turns them into property names, both ways. Properties HubSpot itself defines (`dealname`, `amount`,
`hs_pipeline_stage`...) are the same in every portal and stay constants.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from services.crm import CrmField


class PortalNames(BaseModel):
    """The portal's property names; the defaults are the sandbox portal's (and the suggested set-up)."""

    model_config = ConfigDict(frozen=True)

    # deals
    project_id_property: str = Field("erp_project_id", description="deal property holding the ERP project ID")
    estimated_margin_property: str = Field(
        "estimated_margin_at_close", description="deal property holding the estimated margin at close, in %"
    )
    scope_property: str = Field("scope_summary", description="deal property holding the scope summary")
    proposal_version_property: str = Field(
        "signed_proposal_version", description="deal property holding the signed proposal version"
    )
    primary_contact_label: str = Field(
        "Primary contact",
        description="the portal's deal -> contact association label that marks the primary contact "
        "(resolved to its type id through the labels API)",
    )
    # tickets
    ticket_kind_property: str = Field(
        "ticket_kind", description="ticket property saying presales, incident or change_request"
    )
    # the project object (custom object) and its properties
    project_object_type: str = Field("p_projects", description="the custom project object's type")
    record_project_id_property: str = Field(
        "erp_project_id", description="project-object property holding the ERP project ID"
    )
    record_name_property: str = "project_name"
    record_status_property: str = "project_status"
    record_percent_complete_property: str = Field("percent_complete", description="0-100")
    record_milestones_total_property: str = "milestones_total"
    record_milestones_done_property: str = "milestones_done"
    record_next_milestone_property: str = "next_milestone"
    record_next_milestone_date_property: str = "next_milestone_date"
    record_scope_property: str = "scope_summary"
    record_proposal_version_property: str = "signed_proposal_version"
    record_contract_value_property: str = "contract_value"
    record_currency_property: str = "deal_currency_code"
    record_primary_contact_property: str = "primary_contact"
    record_pricing_summary_property: str = "pricing_summary"

    def field(self, name: CrmField) -> tuple[str, str]:
        """(object type, property) holding a domain field."""
        if name == "deal.project_id":
            return "deals", self.project_id_property
        raise ValueError(f"unknown CRM field {name!r}")

    def deal_properties(self) -> tuple[str, ...]:
        """Every deal property a snapshot reads."""
        return (
            *DEAL_PROPERTIES,
            self.project_id_property,
            self.estimated_margin_property,
            self.scope_property,
            self.proposal_version_property,
        )

    def record_properties(self) -> tuple[str, ...]:
        """Every project-object property a snapshot reads."""
        return (
            self.record_name_property,
            self.record_status_property,
            self.record_percent_complete_property,
            self.record_milestones_total_property,
            self.record_milestones_done_property,
            self.record_next_milestone_property,
            self.record_next_milestone_date_property,
            self.record_project_id_property,
            "hs_lastmodifieddate",
        )

    def ticket_properties(self) -> tuple[str, ...]:
        """Every ticket property a snapshot reads."""
        return (*TICKET_PROPERTIES, self.ticket_kind_property)


DEAL_PROPERTIES = (
    "dealname",
    "amount",
    "dealstage",
    "pipeline",
    "closedate",
    "createdate",
    "hs_lastmodifieddate",
    "hubspot_owner_id",
    "deal_currency_code",
)
COMPANY_PROPERTIES = ("name", "domain")
CONTACT_PROPERTIES = ("firstname", "lastname", "email", "jobtitle")
TICKET_PROPERTIES = ("subject", "hs_pipeline_stage", "createdate", "closed_date")
LINE_ITEM_PROPERTIES = ("name", "quantity", "price", "amount")
NOTE_PROPERTIES = ("hs_note_body", "hs_timestamp")
DEAL_ASSOCIATIONS = ("companies", "contacts", "line_items", "tickets", "notes")
MODIFIED_PROPERTY = {"contacts": "lastmodifieddate"}  # every other type calls it hs_lastmodifieddate
