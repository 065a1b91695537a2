"""One project for the project page: finding it from a deep link, its ERP lines by profitability line, the
deal's line items and activity."""

from __future__ import annotations

import html
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

import pandas as pd

from dashboard import columns as c
from dashboard.transforms.ids import IdConvention, normalize_id
from services.models import CrmSnapshot, Deal, ErpDocumentLine, LineItem, Note, Ticket

_TAG = re.compile(r"<[^>]+>")


def project_label(row: Mapping[Hashable, Any] | pd.Series) -> str:
    """ "Customer – Project (PRJ-00042)"; a project without an ID says which deal or ERP record it is."""
    name = row[c.PROJECT_LABEL] if pd.notna(row[c.PROJECT_LABEL]) else "Unnamed project"
    if pd.notna(row[c.ERP_PROJECT_ID]):
        return f"{name} ({row[c.ERP_PROJECT_ID]})"
    if pd.notna(row[c.CRM_DEAL_ID]):
        return f"{name} (deal {row[c.CRM_DEAL_ID]}, no project ID)"
    return f"{name} (ERP record {row[c.ERP_RECORD_ID]}, no project ID)"


def project_choices(figures: pd.DataFrame) -> dict[str, str]:
    """row_key -> label of every project row, ordered by label."""
    columns = [c.ROW_KEY, c.PROJECT_LABEL, c.ERP_PROJECT_ID, c.CRM_DEAL_ID, c.ERP_RECORD_ID]
    labels = {str(row[c.ROW_KEY]): project_label(row) for row in figures[columns].to_dict("records")}
    return dict(sorted(labels.items(), key=lambda item: item[1].casefold()))


def project_param(row: Mapping[Hashable, Any] | pd.Series) -> str:
    """The value of `?project=` that opens this row: its project ID, else its deal id, else its row key."""
    return _param(row[c.ERP_PROJECT_ID], row[c.CRM_DEAL_ID], row[c.ROW_KEY])


def project_params(frame: pd.DataFrame) -> list[str]:
    """`project_param` of every row of `frame`, a column at a time (a Series per row is slow at 10,000)."""
    columns = (frame[c.ERP_PROJECT_ID], frame[c.CRM_DEAL_ID], frame[c.ROW_KEY])
    return [_param(erp, deal, key) for erp, deal, key in zip(*columns, strict=True)]


def _param(erp_project_id: Any, crm_deal_id: Any, row_key: Any) -> str:
    if pd.notna(erp_project_id):
        return str(erp_project_id)
    return str(crm_deal_id if pd.notna(crm_deal_id) else row_key)


def project_href(param: str) -> str:
    """The relative link that opens the Project page on `param` (a sibling of every page's address)."""
    return f"project?project={quote_plus(param)}"  # what urlencode({"project": param}) makes, faster


def hubspot_deal_url(portal_id: str | None, ui_domain: str, crm_deal_id: object) -> str | None:
    """The deal's record page in HubSpot, or None without a portal id or a deal.

    HubSpot's record URLs are `https://<ui domain>/contacts/<hub id>/record/<object type id>/<record id>`,
    deals being object type 0-3 (HubSpot's "Object type IDs" table in the CRM objects guide)."""
    if not portal_id or not isinstance(crm_deal_id, str) or not crm_deal_id:
        return None
    return f"https://{ui_domain}/contacts/{portal_id}/record/0-3/{crm_deal_id}"


def odoo_project_url(odoo_url: str | None, erp_record_id: object) -> str | None:
    """The project's form in Odoo's web client (`/web#id=<id>&model=project.project&view_type=form`, the
    URL Odoo's own "share link" and mail templates build; Odoo 17+ redirects it to its /odoo/ routes)."""
    if not odoo_url or not isinstance(erp_record_id, str) or not erp_record_id.isdigit():
        return None
    query = urlencode({"id": erp_record_id, "model": "project.project", "view_type": "form"})
    return f"{odoo_url.rstrip('/')}/web#{query}"


def with_links(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with c.PROJECT_LINK: each row's Project page link (needs erp_project_id, crm_deal_id,
    row_key)."""
    if frame.empty:
        return frame.assign(**{c.PROJECT_LINK: pd.Series(dtype="object")})
    links = [project_href(param) for param in project_params(frame)]
    return frame.assign(**{c.PROJECT_LINK: links})


def find_project(figures: pd.DataFrame, value: str | None, convention: IdConvention) -> str | None:
    """The row_key a `?project=` value names: a row key, a deal id, or a project ID as people type it.

    A project ID shared by several rows opens the row that carries the ERP project's money, linked first.
    """
    text = (value or "").strip()
    if not text:
        return None
    for column in (c.ROW_KEY, c.CRM_DEAL_ID):
        hit = figures[figures[column].astype("string") == text]
        if len(hit):
            return str(hit[c.ROW_KEY].iloc[0])
    canonical = normalize_id(text, convention).canonical
    hits = figures[figures[c.ERP_PROJECT_ID] == canonical] if canonical else figures.iloc[0:0]
    if not len(hits):
        return None
    ranked = hits.assign(
        _owner=~hits[c.FINANCIAL_OWNER].astype(bool), _linked=hits[c.MATCH] != c.MATCH_LINKED
    ).sort_values(["_owner", "_linked"], kind="stable")
    return str(ranked[c.ROW_KEY].iloc[0])


def row_for(frame: pd.DataFrame, row_key: str) -> pd.Series | None:
    """The row of `frame` with this row_key (joined, figures and delivery frames all carry it)."""
    hits = frame[frame[c.ROW_KEY] == row_key]
    return hits.iloc[0] if len(hits) else None


POC_METHODS = {
    "reported": "as the project record reports it",
    "cost-to-cost": "by cost to date against the estimated cost (cost-to-cost)",
    "none": "unknown: no progress reported and no cost estimate",
}


def eac_help(early_poc: float) -> str:
    """How the estimate at completion is computed, with the early-forecast threshold in words."""
    limit = f"{early_poc * 100:g} %"
    return (
        f"From {limit} complete on: cost to date divided by percent complete. Below {limit} complete the "
        "forecast keeps the estimated cost at close, or the cost to date once that is higher, and says "
        '"too early to extrapolate": dividing by a small percent complete multiplies noise. Setting: '
        "THROUGHLINE_THRESHOLDS__EARLY_FORECAST_POC."
    )


@dataclass(frozen=True)
class ProfitLine:
    """One line of the project's profitability panel: its figure and the ERP document sections behind it."""

    label: str
    kind: str
    """'revenue' or 'cost'."""
    figure: str | None
    """The figures column holding its amount; None for a line summed from its documents."""
    sections: tuple[str, ...]
    empty_note: str = "No ERP document behind this line yet."


PROFIT_LINES = (
    ProfitLine("Invoiced", "revenue", c.INVOICED_AMOUNT, ("invoice",)),
    ProfitLine(
        "To invoice", "revenue", c.REMAINING_TO_INVOICE_AMOUNT, (), "The contract value not invoiced yet."
    ),
    ProfitLine("Other revenue", "revenue", None, ("other_revenue",)),
    ProfitLine("Labor (timesheets)", "cost", c.LABOR_COST_AMOUNT, ("labor",)),
    ProfitLine("Vendor bills", "cost", c.VENDOR_COST_AMOUNT, ("vendor",)),
    ProfitLine("Other costs", "cost", c.OTHER_COST_AMOUNT, ("other_cost",)),
)


def documents_frame(lines: Iterable[ErpDocumentLine]) -> pd.DataFrame:
    """One row per ERP line (list(c.DOCUMENTS_TABLE)), newest first, amounts as floats."""
    rows = [
        {
            c.SECTION: line.section,
            c.LINE_DATE: pd.Timestamp(line.date) if line.date else None,
            c.DOCUMENT: line.document,
            c.PARTNER: line.partner,
            c.DESCRIPTION: line.description,
            c.HOURS: float(line.hours) if line.hours is not None else None,
            c.LINE_AMOUNT: float(line.amount),
            c.CURRENCY: line.currency,
        }
        for line in lines
    ]
    frame = pd.DataFrame(rows, columns=list(c.DOCUMENTS_TABLE)).astype(
        {c.LINE_DATE: "datetime64[ns]", c.HOURS: "float64", c.LINE_AMOUNT: "float64"}
    )
    return frame.sort_values(c.LINE_DATE, ascending=False, na_position="last", kind="stable")


def profit_lines(figures_row: pd.Series, documents: pd.DataFrame) -> list[tuple[ProfitLine, float]]:
    """Each profitability line with its amount: the figure the analysis computed, or its documents' sum.

    A line with no figure and no documents (no other revenue) is left out.
    """
    out = []
    for line in PROFIT_LINES:
        if line.figure is not None:
            value = figures_row[line.figure]
            out.append((line, float(value) if pd.notna(value) else float("nan")))
        elif len(docs := line_documents(documents, line)):
            out.append((line, round(float(docs[c.LINE_AMOUNT].sum()), 2)))
    return out


def line_documents(documents: pd.DataFrame, line: ProfitLine) -> pd.DataFrame:
    """The documents behind one profitability line."""
    return documents[documents[c.SECTION].isin(line.sections)]


def line_items_frame(items: Iterable[LineItem]) -> pd.DataFrame:
    """The deal's line items as agreed at close: name, quantity, unit price, amount (in the deal currency)."""
    rows = [
        {
            c.ITEM_NAME: item.name,
            c.QUANTITY: float(item.quantity) if item.quantity is not None else None,
            c.UNIT_PRICE_AMOUNT: float(item.price) if item.price is not None else None,
            c.LINE_AMOUNT: float(item.amount) if item.amount is not None else None,
        }
        for item in items
    ]
    return pd.DataFrame(rows, columns=list(c.LINE_ITEMS_TABLE)).astype(
        {c.QUANTITY: "float64", c.UNIT_PRICE_AMOUNT: "float64", c.LINE_AMOUNT: "float64"}
    )


def find_deal(crm: CrmSnapshot | None, crm_deal_id: object) -> Deal | None:
    """The deal record with this id in the snapshot, if the CRM part is there."""
    if crm is None or not isinstance(crm_deal_id, str):
        return None
    return next((d for d in crm.deals if d.crm_deal_id == crm_deal_id), None)


TICKET_KINDS = {
    "presales": "Pre-sales ticket",
    "incident": "Incident",
    "change_request": "Change request",
    "other": "Ticket",
}


def activity_frame(crm: CrmSnapshot | None, deal: Deal, notes: Iterable[Note]) -> pd.DataFrame:
    """The deal's tickets (from the snapshot) and notes: open incidents pinned on top, then the newest first;
    undated entries last."""
    wanted = set(deal.ticket_ids)
    tickets: list[Ticket] = [t for t in (crm.tickets if crm else ()) if t.ticket_id in wanted]
    rows = [
        {
            c.ACTIVITY_AT: t.created_at,
            c.ACTIVITY_KIND: TICKET_KINDS.get(t.kind, "Ticket"),
            c.ACTIVITY_TEXT: t.subject or "(no subject)",
            c.ACTIVITY_STATE: "open" if t.is_open else "closed",
        }
        for t in tickets
    ]
    rows += [
        {
            c.ACTIVITY_AT: n.timestamp,
            c.ACTIVITY_KIND: "Note",
            c.ACTIVITY_TEXT: note_text(n.body),
            c.ACTIVITY_STATE: "",
        }
        for n in notes
    ]
    frame = pd.DataFrame(rows, columns=list(c.ACTIVITY_TABLE))
    frame[c.ACTIVITY_AT] = pd.to_datetime(frame[c.ACTIVITY_AT], utc=True)
    # Open incidents first (what the customer will raise on the call), then the newest first.
    pinned = (frame[c.ACTIVITY_KIND] == TICKET_KINDS["incident"]) & (frame[c.ACTIVITY_STATE] == "open")
    return (
        frame.assign(_pinned=~pinned)
        .sort_values(["_pinned", c.ACTIVITY_AT], ascending=[True, False], na_position="last", kind="stable")
        .drop(columns="_pinned")
        .reset_index(drop=True)
    )


def note_text(body: str | None) -> str:
    """A HubSpot note body (HTML) as plain text on one line."""
    if not body:
        return "(empty note)"
    text = html.unescape(_TAG.sub(" ", body))
    return " ".join(text.split())
