"""The portal check (`python -m dashboard doctor`): does this portal hold what Throughline reads and writes?

Read-only, from the portal's own descriptions: each configured property exists on its object with a usable
type (the properties API), the project-ID properties enforce unique values (`hasUniqueValue`), the project
object exists and is associated with deals (the schemas API), the primary contact's association label
exists (the labels API), the token has each scope Throughline needs (HubSpot's access-token info:
`POST /oauth/v2/private-apps/get/access-token-info`, developers.hubspot.com/docs/api/private-apps), and the
day's request quota (`X-HubSpot-RateLimit-Daily-Remaining`) leaves room for a full read. Each check says OK
or what to do, in the portal's own names; nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from services.errors import ServiceError

if TYPE_CHECKING:
    from services.hubspot.client import HubSpotClient

TEXT = ("string",)
NUMBER = ("number",)
CHOICE = ("string", "enumeration")
DAY = ("date", "datetime")
SCOPES = (
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
"""What the dashboard reads (deals, companies, contacts, line items, owners, tickets, the project object and
its schema) and writes (deals' project IDs, project records): HubSpot's scope names
(developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/scopes)."""
QUOTA_FLOOR = 1_000
"""Fewer requests than this left today is too few for a full read of a large portal."""


@dataclass(frozen=True)
class Check:
    """One item of the portal check: what was checked, whether it holds, and what to do when it does not."""

    item: str
    ok: bool
    detail: str
    needed_by: tuple[str, ...] = ("read",)
    """What depends on it: "read" (every page), "corrections", "records" (creating project records)."""


def check_portal(client: HubSpotClient) -> list[Check]:
    """Every check of the portal, in order; each failure says what to do."""
    n = client.names
    checks: list[Check] = []
    deals = _properties(client, "deals", checks)
    if deals is not None:
        wanted = [
            ("project ID", n.project_id_property, TEXT, ("read", "corrections")),
            ("estimated margin", n.estimated_margin_property, NUMBER, ("read",)),
            ("scope summary", n.scope_property, TEXT, ("read",)),
            ("proposal version", n.proposal_version_property, CHOICE, ("read",)),
        ]
        checks += [_property("deals", deals, *spec) for spec in wanted]
        checks.append(_unique("deals", deals, n.project_id_property, ("corrections",)))
    tickets = _properties(client, "tickets", checks)
    if tickets is not None:
        checks.append(_property("tickets", tickets, "ticket kind", n.ticket_kind_property, CHOICE, ("read",)))
    checks.append(_project_object(client, n.project_object_type))
    records = _properties(client, n.project_object_type, checks)
    if records is not None:
        wanted = [
            ("project ID", n.record_project_id_property, TEXT, ("read", "records")),
            ("name", n.record_name_property, TEXT, ("read", "records")),
            ("status", n.record_status_property, CHOICE, ("read", "records")),
            ("percent complete", n.record_percent_complete_property, NUMBER, ("read",)),
            ("milestones total", n.record_milestones_total_property, NUMBER, ("read",)),
            ("milestones done", n.record_milestones_done_property, NUMBER, ("read",)),
            ("next milestone", n.record_next_milestone_property, TEXT, ("read",)),
            ("next milestone date", n.record_next_milestone_date_property, DAY, ("read",)),
            ("scope", n.record_scope_property, TEXT, ("records",)),
            ("proposal version", n.record_proposal_version_property, CHOICE, ("records",)),
            ("contract value", n.record_contract_value_property, NUMBER, ("records",)),
            ("currency", n.record_currency_property, CHOICE, ("records",)),
            ("primary contact", n.record_primary_contact_property, TEXT, ("records",)),
            ("pricing summary", n.record_pricing_summary_property, TEXT, ("records",)),
        ]
        checks += [_property(n.project_object_type, records, *spec) for spec in wanted]
        checks.append(_unique(n.project_object_type, records, n.record_project_id_property, ("records",)))
    checks.append(_label(client))
    checks.append(_scopes(client))
    checks.append(_quota(client))
    return checks


def _properties(
    client: HubSpotClient, object_type: str, checks: list[Check]
) -> dict[str, Mapping[str, Any]] | None:
    """The object's property definitions by name; None (and a failed check) when they cannot be read."""
    try:
        path, operation = f"/crm/properties/2026-03/{object_type}", f"list {object_type} properties"
        body = client.request("GET", path, operation)
    except ServiceError as error:
        checks.append(Check(f"{object_type} properties", False, f"could not be read: {error}"))
        return None
    rows = body.get("results")
    rows = rows if isinstance(rows, list) else []
    return {str(r.get("name")): r for r in rows if isinstance(r, dict)}


def _property(
    object_type: str,
    defined: Mapping[str, Mapping[str, Any]],
    role: str,
    name: str,
    types: Sequence[str],
    needed_by: tuple[str, ...],
) -> Check:
    item = f"{object_type}.{name} ({role})"
    found = defined.get(name)
    if found is None:
        return Check(
            item,
            False,
            f"no property '{name}' on {object_type}: create it, or set the setting that names the {role} "
            f"property to the name your portal uses",
            needed_by,
        )
    kind = str(found.get("type") or "")
    if kind not in types:
        wanted = " or ".join(types)
        return Check(item, False, f"'{name}' is of type {kind}; the {role} needs {wanted}", needed_by)
    return Check(item, True, f"{kind}", needed_by)


def _unique(
    object_type: str, defined: Mapping[str, Mapping[str, Any]], name: str, needed_by: tuple[str, ...]
) -> Check:
    item = f"{object_type}.{name} unique values"
    found = defined.get(name)
    if found is None:
        return Check(item, False, f"no property '{name}' on {object_type} (see above)", needed_by)
    if not found.get("hasUniqueValue"):
        return Check(
            item,
            False,
            f"'{name}' does not require unique values: HubSpot sets this only when a property is created, "
            "so create a new property with 'require unique values' on, copy the values, and name it in the "
            "settings",
            needed_by,
        )
    return Check(item, True, "hasUniqueValue", needed_by)


def _project_object(client: HubSpotClient, object_type: str) -> Check:
    item = f"project object {object_type}"
    try:
        schema = client.request("GET", f"/crm-object-schemas/2026-03/schemas/{object_type}", "read schema")
    except ServiceError as error:
        return Check(
            item,
            False,
            f"not found ({error.status or 'no answer'}): create the custom object, or set "
            "THROUGHLINE_HUBSPOT__PROJECT_OBJECT_TYPE to its p_<name> or 2-<id>",
            ("read", "records"),
        )
    deals = [
        a
        for a in schema.get("associations") or []
        if isinstance(a, dict) and "0-3" in (a.get("fromObjectTypeId"), a.get("toObjectTypeId"))
    ]
    if not deals:
        return Check(item, False, "exists but has no association with deals: add one", ("read", "records"))
    return Check(item, True, f"{schema.get('objectTypeId')}, associated with deals", ("read", "records"))


def _label(client: HubSpotClient) -> Check:
    label = client.names.primary_contact_label
    item = f"deal -> contact label '{label}'"
    try:
        types = client.association_types("deals", "contacts", label, refresh=True)
    except ServiceError as error:
        return Check(item, False, f"the labels could not be read: {error}")
    if not types:
        return Check(
            item,
            False,
            "no such association label between deals and contacts: set THROUGHLINE_HUBSPOT__"
            "PRIMARY_CONTACT_LABEL to the label your portal uses for a deal's primary contact",
        )
    return Check(item, True, f"type id {', '.join(str(t) for t in types)}")


def _scopes(client: HubSpotClient) -> Check:
    item = "token scopes"
    try:
        granted = set(client.token_scopes())
    except ServiceError as error:
        return Check(item, False, f"could not be read ({error.status or 'no answer'}): check the token")
    missing = [s for s in SCOPES if s not in granted]
    if missing:
        return Check(item, False, f"add these scopes to the app and use its new token: {', '.join(missing)}")
    return Check(item, True, f"{len(SCOPES)} needed, all granted")


def _quota(client: HubSpotClient) -> Check:
    item = "daily request quota"
    if client.daily is None:
        return Check(item, True, "HubSpot reports no daily limit for this token (an OAuth app has none)")
    remaining, limit = client.daily
    of = f" of {limit:,}" if limit else ""
    if remaining < QUOTA_FLOOR:
        return Check(
            item,
            False,
            f"{remaining:,}{of} left today: wait for the reset at midnight in the portal's time zone, or add "
            "HubSpot's API limit increase",
        )
    return Check(item, True, f"{remaining:,}{of} left today")
