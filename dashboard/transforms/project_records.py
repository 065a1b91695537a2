"""The handover's write, proposed: the project record each won deal would get, or why it cannot get one yet.

A project record carries what sales promised at close (scope, pricing, primary contact, signed proposal
version, contract value) stamped with the deal's ERP project ID, in domain terms (`NewProjectRecord`); the
CRM adapter names the portal's properties. The shell (`dashboard/writeback.py`) reads the deals' line items
and creates the records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from dashboard import columns as c
from dashboard.transforms.ids import IdConvention, normalize_id
from services.models import Contact, CrmDealId, CrmProjectRecord, Deal, LineItem, NewProjectRecord

NEW_PROJECT_STATUS = "planning"


@dataclass(frozen=True)
class ProjectRecordDraft:
    """The project record a won deal would get, or why it cannot get one yet (`blocked`)."""

    crm_deal_id: str
    deal_name: str
    record: NewProjectRecord | None = None
    blocked: str | None = None


def linked_codes(joined: pd.DataFrame) -> dict[str, str]:
    """Deal id -> the canonical ERP project ID it is linked to. Needs CRM_DEAL_ID, ERP_PROJECT_ID, MATCH."""
    linked = joined[joined[c.MATCH] == c.MATCH_LINKED]
    return {str(k): str(v) for k, v in zip(linked[c.CRM_DEAL_ID], linked[c.ERP_PROJECT_ID], strict=True)}


def draft_project_records(
    deal_ids: Sequence[str],
    deals: Mapping[str, Deal],
    codes: Mapping[str, str],
    records: Iterable[CrmProjectRecord],
    convention: IdConvention,
    line_items: Mapping[str, LineItem],
    contacts: Mapping[str, Contact],
) -> list[ProjectRecordDraft]:
    """The project record each deal would get (`deal_ids` in order, each once).

    `codes` are the deals' linked ERP project IDs (`linked_codes`); `records` the CRM's project records, so
    an ID already carried by another record blocks a second one; `line_items` at least the ready deals'."""
    record_of_code: dict[str, str] = {}
    for record in records:
        code = normalize_id(record.raw_project_id, convention).canonical
        if code:
            record_of_code.setdefault(code, record.project_record_id)
    drafts: list[ProjectRecordDraft] = []
    for deal_id in dict.fromkeys(deal_ids):
        deal = deals.get(deal_id)
        name = (deal.name if deal else None) or f"deal {deal_id}"
        reason = blocked_reason(deal, codes.get(deal_id), record_of_code)
        if reason is not None or deal is None:
            drafts.append(ProjectRecordDraft(deal_id, name, blocked=reason))
            continue
        drafts.append(
            ProjectRecordDraft(
                deal_id, name, record=new_project_record(deal, codes[deal_id], line_items, contacts)
            )
        )
    return drafts


def blocked_reason(deal: Deal | None, code: str | None, record_of_code: Mapping[str, str]) -> str | None:
    """Why a deal cannot get a project record now, in words; None when it can."""
    if deal is None:
        return "the deal is not in the data read; refresh the page"
    if not deal.is_won:
        return "the deal is not won"
    if deal.project_record_ids:
        return f"the deal already has project record {', '.join(deal.project_record_ids)}"
    if code is None:
        return "its project ID names no ERP project; correct the ID on the ID audit page first"
    if code in record_of_code:
        return (
            f"project record {record_of_code[code]} already carries {code}; associate the deal with it "
            "in HubSpot instead"
        )
    return None


def new_project_record(
    deal: Deal, code: str, line_items: Mapping[str, LineItem], contacts: Mapping[str, Contact]
) -> NewProjectRecord:
    """The record a won deal hands to delivery, stamped with its ERP project ID `code`."""
    contact = contacts.get(deal.primary_contact_id or "")
    person = None
    if contact is not None:
        person = f"{contact.name} <{contact.email}>" if contact.email else contact.name
    items = [line_items[i] for i in deal.line_item_ids if i in line_items]
    return NewProjectRecord(
        crm_deal_id=CrmDealId(deal.crm_deal_id),
        name=deal.name or f"Deal {deal.crm_deal_id}",
        project_id=code,
        status=NEW_PROJECT_STATUS,
        contract_value=deal.amount,
        currency=deal.currency,
        scope=deal.scope_summary,
        proposal_version=deal.proposal_version,
        primary_contact=person,
        pricing_summary=pricing_summary(items, deal.currency) if items else None,
    )


def pricing_summary(items: Sequence[LineItem], currency: str | None) -> str:
    """ "Design: 10 × 1,200.00 = 12,000.00; ... Total 12,000.00 USD" from the deal's line items."""
    parts, total = [], Decimal(0)
    for item in items:
        amount = item.amount
        if amount is None and item.quantity is not None and item.price is not None:
            amount = item.quantity * item.price
        total += amount or Decimal(0)
        detail = (
            f"{item.quantity:g} × {item.price:,.2f}"
            if item.quantity is not None and item.price is not None
            else "—"
        )
        amount_text = f"{amount:,.2f}" if amount is not None else "—"
        parts.append(f"{item.name or 'line item'}: {detail} = {amount_text}")
    return "; ".join(parts) + f". Total {total:,.2f} {currency or ''}".rstrip()


RECORD_FIELDS = {
    "name": "Project name",
    "project_id": "Project ID",
    "status": "Status",
    "contract_value": "Contract value",
    "currency": "Currency",
    "scope": "Scope",
    "proposal_version": "Signed proposal",
    "primary_contact": "Primary contact",
    "pricing_summary": "Pricing",
}
"""The record's fields in the words the preview shows."""
