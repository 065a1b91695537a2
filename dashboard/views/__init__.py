"""What the pages show, shaped for them: pure functions over the analysis frames and the typed records.

No Streamlit and no network here, so the pages stay a thin layer of widgets. One module per page family:
margin, project, delivery, settings. A value the sources left empty groups under "(none)" in filters, as in
the portfolio totals.
"""

from dashboard.views.audit import findings_matching
from dashboard.views.delivery import (
    DeliverySummary,
    delivery_rows,
    delivery_summary,
    milestone_due,
    sales_brief,
)
from dashboard.views.margin import FLAGS, MarginFilter, choices, filter_margin, margin_rows, margin_totals
from dashboard.views.overview import REASON, attention_rows, invoice_links, reason
from dashboard.views.project import (
    POC_METHODS,
    PROFIT_LINES,
    TICKET_KINDS,
    ProfitLine,
    activity_frame,
    documents_frame,
    eac_help,
    find_deal,
    find_project,
    hubspot_deal_url,
    line_documents,
    line_items_frame,
    note_text,
    odoo_project_url,
    profit_lines,
    project_choices,
    project_href,
    project_label,
    project_param,
    row_for,
    with_links,
)
from dashboard.views.settings import (
    MASK,
    connected_systems,
    portal_check_rows,
    property_rows,
    section_rows,
    setting_text,
    settings_rows,
    without_credentials,
)

__all__ = [
    "FLAGS",
    "MASK",
    "POC_METHODS",
    "PROFIT_LINES",
    "REASON",
    "TICKET_KINDS",
    "DeliverySummary",
    "MarginFilter",
    "ProfitLine",
    "activity_frame",
    "attention_rows",
    "choices",
    "connected_systems",
    "delivery_rows",
    "delivery_summary",
    "documents_frame",
    "eac_help",
    "filter_margin",
    "find_deal",
    "find_project",
    "findings_matching",
    "hubspot_deal_url",
    "invoice_links",
    "line_documents",
    "line_items_frame",
    "margin_rows",
    "margin_totals",
    "milestone_due",
    "note_text",
    "odoo_project_url",
    "portal_check_rows",
    "profit_lines",
    "project_choices",
    "project_href",
    "project_label",
    "project_param",
    "property_rows",
    "reason",
    "row_for",
    "sales_brief",
    "section_rows",
    "setting_text",
    "settings_rows",
    "with_links",
    "without_credentials",
]
