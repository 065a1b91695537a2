"""What the pages show, shaped for them: filters, project choices, drill-down and activity tables.

Pure functions over the analysis frames and the typed records (no Streamlit, no network), so the pages stay
a thin layer of widgets. A value the sources left empty groups under "(none)" in filters, as in the
portfolio totals.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
from pydantic import BaseModel, SecretStr

from dashboard import columns as c
from dashboard.settings import Settings
from dashboard.transforms.ids import IdConvention, normalize_id
from dashboard.transforms.portfolio import NO_VALUE, PortfolioFigures, portfolio_figures
from services.models import CrmSnapshot, Deal, ErpDocumentLine, LineItem, Note, Ticket

# Columns of the frames built here (the analysis frames' columns live in dashboard.columns).
SECTION = "section"
LINE_DATE = "line_date"
PARTNER = "partner"
DESCRIPTION = "description"
HOURS = "hours"
LINE_AMOUNT = "line_amount"
ITEM_NAME = "item_name"
QUANTITY = "quantity"
UNIT_PRICE_AMOUNT = "unit_price_amount"
ACTIVITY_AT = "activity_at"
ACTIVITY_KIND = "activity_kind"
ACTIVITY_TEXT = "activity_text"
ACTIVITY_STATE = "activity_state"
SETTING_SECTION = "setting_section"
SETTING_NAME = "setting_name"
SETTING_VALUE = "setting_value"
SYSTEM_ROLE = "system_role"
ADDRESS = "address"

FLAGS = {
    c.EROSION_FLAG: "Eroding margin",
    c.OVERRUN_FLAG: "Cost overrun",
    c.OVERDUE_FLAG: "Overdue receivables",
}
MASK = "**********"
_SECRET_WORDS = ("token", "key", "password", "secret")
_TAG = re.compile(r"<[^>]+>")


# -- margin -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarginFilter:
    """What the margin page's filters hold; an empty tuple or None means "all"."""

    owners: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    """Keys of FLAGS; a row passes when it has any of them."""
    closed_from: date | None = None
    closed_to: date | None = None
    """Close date range, inclusive; rows without a close date (ERP-only projects) drop out once it is set."""


def margin_rows(figures: pd.DataFrame, joined: pd.DataFrame) -> pd.DataFrame:
    """`project_figures` rows with the close date and the ERP status added (by row_key), for filtering."""
    extra = joined[[c.ROW_KEY, c.CLOSE_DATE, c.ERP_STATUS]]
    return figures.merge(extra, on=c.ROW_KEY, how="left", validate="one_to_one")


def choices(frame: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of `column`, sorted, with "(none)" last when some rows have no value."""
    values = sorted({str(v) for v in frame[column].dropna()})
    return [*values, NO_VALUE] if frame[column].isna().any() else values


def filter_margin(rows: pd.DataFrame, wanted: MarginFilter) -> pd.DataFrame:
    """The rows `wanted` selects, the most eroded first (rows without an erosion figure last)."""
    keep = pd.Series(True, index=rows.index)
    for column, values in (
        (c.OWNER_NAME, wanted.owners),
        (c.CUSTOMER_NAME, wanted.customers),
        (c.ERP_STATUS, wanted.statuses),
        (c.CURRENCY, wanted.currencies),
    ):
        if values:
            keep &= rows[column].fillna(NO_VALUE).astype(str).isin(values)
    if wanted.flags:
        keep &= rows[list(wanted.flags)].fillna(False).astype(bool).any(axis=1)
    closed = rows[c.CLOSE_DATE]
    if wanted.closed_from is not None:
        keep &= closed >= pd.Timestamp(wanted.closed_from)
    if wanted.closed_to is not None:
        keep &= closed <= pd.Timestamp(wanted.closed_to)
    return rows[keep].sort_values(c.EROSION_PP, ascending=False, na_position="last", kind="stable")


def margin_totals(rows: pd.DataFrame, portfolio: PortfolioFigures) -> PortfolioFigures:
    """Totals of some `project_figures` rows, converted at the rates the whole portfolio used."""
    return portfolio_figures(rows, portfolio.reporting_currency, portfolio.rates)


# -- project ------------------------------------------------------------------------------------------------


def project_label(row: pd.Series) -> str:
    """ "Customer – Project (PRJ-00042)"; a project without an ID says which deal or ERP record it is."""
    name = row[c.PROJECT_LABEL] if pd.notna(row[c.PROJECT_LABEL]) else "Unnamed project"
    if pd.notna(row[c.ERP_PROJECT_ID]):
        return f"{name} ({row[c.ERP_PROJECT_ID]})"
    if pd.notna(row[c.CRM_DEAL_ID]):
        return f"{name} (deal {row[c.CRM_DEAL_ID]}, no project ID)"
    return f"{name} (ERP record {row[c.ERP_RECORD_ID]}, no project ID)"


def project_choices(figures: pd.DataFrame) -> dict[str, str]:
    """row_key -> label of every project row, ordered by label."""
    labels = {str(row[c.ROW_KEY]): project_label(row) for _, row in figures.iterrows()}
    return dict(sorted(labels.items(), key=lambda item: item[1].casefold()))


def project_param(row: pd.Series) -> str:
    """The value of `?project=` that opens this row: its project ID, else its deal id, else its row key."""
    for column in (c.ERP_PROJECT_ID, c.CRM_DEAL_ID):
        if pd.notna(row[column]):
            return str(row[column])
    return str(row[c.ROW_KEY])


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
DOCUMENT_COLUMNS = [SECTION, LINE_DATE, c.DOCUMENT, PARTNER, DESCRIPTION, HOURS, LINE_AMOUNT, c.CURRENCY]


def documents_frame(lines: Iterable[ErpDocumentLine]) -> pd.DataFrame:
    """One row per ERP line (DOCUMENT_COLUMNS), newest first, amounts as floats."""
    rows = [
        {
            SECTION: line.section,
            LINE_DATE: pd.Timestamp(line.date) if line.date else None,
            c.DOCUMENT: line.document,
            PARTNER: line.partner,
            DESCRIPTION: line.description,
            HOURS: float(line.hours) if line.hours is not None else None,
            LINE_AMOUNT: float(line.amount),
            c.CURRENCY: line.currency,
        }
        for line in lines
    ]
    frame = pd.DataFrame(rows, columns=DOCUMENT_COLUMNS).astype(
        {LINE_DATE: "datetime64[ns]", HOURS: "float64", LINE_AMOUNT: "float64"}
    )
    return frame.sort_values(LINE_DATE, ascending=False, na_position="last", kind="stable")


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
            out.append((line, round(float(docs[LINE_AMOUNT].sum()), 2)))
    return out


def line_documents(documents: pd.DataFrame, line: ProfitLine) -> pd.DataFrame:
    """The documents behind one profitability line."""
    return documents[documents[SECTION].isin(line.sections)]


def line_items_frame(items: Iterable[LineItem]) -> pd.DataFrame:
    """The deal's line items as agreed at close: name, quantity, unit price, amount (in the deal currency)."""
    rows = [
        {
            ITEM_NAME: item.name,
            QUANTITY: float(item.quantity) if item.quantity is not None else None,
            UNIT_PRICE_AMOUNT: float(item.price) if item.price is not None else None,
            LINE_AMOUNT: float(item.amount) if item.amount is not None else None,
        }
        for item in items
    ]
    columns = [ITEM_NAME, QUANTITY, UNIT_PRICE_AMOUNT, LINE_AMOUNT]
    return pd.DataFrame(rows, columns=columns).astype(
        {QUANTITY: "float64", UNIT_PRICE_AMOUNT: "float64", LINE_AMOUNT: "float64"}
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
    """The deal's tickets (from the snapshot) and notes in time order, oldest first; undated entries last."""
    wanted = set(deal.ticket_ids)
    tickets: list[Ticket] = [t for t in (crm.tickets if crm else ()) if t.ticket_id in wanted]
    rows = [
        {
            ACTIVITY_AT: t.created_at,
            ACTIVITY_KIND: TICKET_KINDS.get(t.kind, "Ticket"),
            ACTIVITY_TEXT: t.subject or "(no subject)",
            ACTIVITY_STATE: "open" if t.is_open else "closed",
        }
        for t in tickets
    ]
    rows += [
        {
            ACTIVITY_AT: n.timestamp,
            ACTIVITY_KIND: "Note",
            ACTIVITY_TEXT: note_text(n.body),
            ACTIVITY_STATE: "",
        }
        for n in notes
    ]
    frame = pd.DataFrame(rows, columns=[ACTIVITY_AT, ACTIVITY_KIND, ACTIVITY_TEXT, ACTIVITY_STATE])
    frame[ACTIVITY_AT] = pd.to_datetime(frame[ACTIVITY_AT], utc=True)
    return frame.sort_values(ACTIVITY_AT, na_position="last", kind="stable").reset_index(drop=True)


def note_text(body: str | None) -> str:
    """A HubSpot note body (HTML) as plain text on one line."""
    if not body:
        return "(empty note)"
    text = html.unescape(_TAG.sub(" ", body))
    return " ".join(text.split())


# -- delivery -----------------------------------------------------------------------------------------------


def delivery_rows(
    delivery: pd.DataFrame, owner: str | None = None, *, only_incidents: bool = False
) -> pd.DataFrame:
    """One owner's deals (all when `owner` is None): open incidents first, then by next milestone."""
    rows = delivery
    if owner is not None:
        rows = rows[rows[c.OWNER_NAME].fillna(NO_VALUE) == owner]
    if only_incidents:
        rows = rows[rows[c.OPEN_INCIDENTS].fillna(0) > 0]
    return rows.sort_values(
        [c.OPEN_INCIDENTS, c.NEXT_MILESTONE_DATE],
        ascending=[False, True],
        na_position="last",
        kind="stable",
    )


@dataclass(frozen=True)
class DeliverySummary:
    """The delivery page's tiles for the rows it shows."""

    deals: int
    open_projects: int
    """Deals whose ERP project is still open."""
    open_incidents: int
    open_change_requests: int
    with_incidents: tuple[str, ...]
    """Names of the deals with open incidents, in the rows' order."""


def delivery_summary(rows: pd.DataFrame) -> DeliverySummary:
    """Counts over `delivery_rows` output."""
    incidents = rows[c.OPEN_INCIDENTS].fillna(0)
    return DeliverySummary(
        deals=len(rows),
        open_projects=int((rows[c.ERP_STATUS] == "open").sum()),
        open_incidents=int(incidents.sum()),
        open_change_requests=int(rows[c.OPEN_CHANGE_REQUESTS].fillna(0).sum()),
        with_incidents=tuple(rows.loc[incidents > 0, c.DEAL_NAME].fillna("unnamed deal").astype(str)),
    )


# -- settings -----------------------------------------------------------------------------------------------


def settings_rows(settings: Settings) -> pd.DataFrame:
    """Every setting as (section, name, value) text, with every secret masked.

    A SecretStr shows as its own mask, and so does any text field whose name says token, key, password or
    secret (the sandbox's are plain text); an unset value shows as "not set".
    """
    rows: list[dict[str, str]] = []
    for name, value in settings:
        if isinstance(value, BaseModel):
            rows += [_setting_row(name, sub, sub_value) for sub, sub_value in value]
        else:
            rows.append(_setting_row("general", name, value))
    return pd.DataFrame(rows, columns=[SETTING_SECTION, SETTING_NAME, SETTING_VALUE])


def property_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The HubSpot property and object names among `settings_rows` output (what each portal names its own)."""
    hubspot = rows[rows[SETTING_SECTION] == "hubspot"]
    names = hubspot[SETTING_NAME]
    return hubspot[names.str.endswith("_property") | (names == "project_object_type")]


def section_rows(rows: pd.DataFrame, section: str) -> pd.DataFrame:
    """One section of `settings_rows` output."""
    return rows[rows[SETTING_SECTION] == section]


def _setting_row(section: str, name: str, value: object) -> dict[str, str]:
    return {SETTING_SECTION: section, SETTING_NAME: name, SETTING_VALUE: setting_text(name, value)}


def setting_text(name: str, value: object) -> str:
    """One setting's value as text a page may show: secrets masked, dicts as `key: value` pairs."""
    if value is None:
        return "not set"
    if isinstance(value, SecretStr) or any(word in name.lower() for word in _SECRET_WORDS):
        return MASK
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items()) or "(empty)"
    if isinstance(value, Sequence) and not isinstance(value, str):
        return ", ".join(str(v) for v in value) or "(empty)"
    return str(value)


def connected_systems(settings: Settings) -> pd.DataFrame:
    """Which CRM and ERP the dashboard reads, in which mode, at which address (no credentials)."""
    s = settings.sandbox
    if settings.sandbox_mode:
        rows = [
            ("CRM", "HubSpot sandbox", f"http://{s.host}:{s.crm_port}"),
            ("ERP", "Odoo sandbox", f"http://{s.host}:{s.erp_port}"),
        ]
    else:
        erp_url = settings.odoo.url if settings.erp == "odoo" else settings.tryton.url
        rows = [
            ("CRM", "HubSpot", without_credentials(settings.hubspot.base_url)),
            ("ERP", settings.erp.capitalize(), without_credentials(erp_url) if erp_url else "not set"),
        ]
    store = settings.store.database_url.get_secret_value()
    rows.append(("Store", store.partition(":")[0], without_credentials(store)))
    return pd.DataFrame(rows, columns=[SYSTEM_ROLE, c.SYSTEM, ADDRESS])


def without_credentials(url: str) -> str:
    """The URL without the user, password and query (where a key could hide): safe to show."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))
