"""Column names of every frame the dashboard builds: one module, so a rename is one edit.

The naming grammar (keep it: it is what lets a reader tell a column's meaning and unit from its name):
IDs say whose they are (`crm_deal_id`, `erp_project_id`, `erp_record_id`: the ERP's own key, never shown as
the project ID); money columns end in `_amount` and travel with a currency column; `_pct` columns are
fractions (0.25 for 25 %), `_pp` columns percentage points; `_at` columns are instants (UTC), `_date` columns
days; flags end in `_flag` or start with `has_`/`is_`.

Column groups (a table's or an export's columns, in order) are named at the end of this module and nowhere
else, so a page, the report command and an export that show the same thing show the same columns.
"""

from __future__ import annotations

# --- identity and the join -------------------------------------------------------------------------------
ROW_KEY = "row_key"
"""One joined row: `deal:<crm_deal_id>` or `erp:<erp_record_id>`."""
CRM_DEAL_ID = "crm_deal_id"
ERP_RECORD_ID = "erp_record_id"
ERP_PROJECT_ID = "erp_project_id"
"""The ERP project's code in canonical form (None when the ERP code cannot be normalized)."""
ERP_RAW_PROJECT_ID = "erp_raw_project_id"
ERP_ID_REASON = "erp_id_reason"
ERP_ID_IS_CANONICAL = "erp_id_is_canonical"
ERP_ID_DUPLICATED = "erp_id_duplicated"
"""More than one ERP project has this canonical code; deals link to the first (lowest record id)."""
DEAL_RAW_PROJECT_ID = "deal_raw_project_id"
DEAL_PROJECT_ID = "deal_project_id"
DEAL_ID_REASON = "deal_id_reason"
DEAL_ID_IS_CANONICAL = "deal_id_is_canonical"
DEAL_ID_SHARED = "deal_id_shared"
MATCH = "match"
MATCH_LINKED = "linked"
MATCH_DEAL_ONLY = "deal_only"
MATCH_ERP_ONLY = "erp_only"
FINANCIAL_OWNER = "financial_owner"
"""This row carries the ERP project's money; False on the other deals that share its ID."""
LINK_FIT = "link_fit"

# --- deal (CRM, commercial) --------------------------------------------------------------------------------
DEAL_NAME = "deal_name"
DEAL_STAGE = "deal_stage"
DEAL_IS_WON = "deal_is_won"
DEAL_IS_CLOSED = "deal_is_closed"
DEAL_AMOUNT = "deal_amount"
DEAL_CURRENCY = "deal_currency"
CLOSE_DATE = "close_date"
DEAL_CREATED_AT = "deal_created_at"
DEAL_UPDATED_AT = "deal_updated_at"
OWNER_ID = "owner_id"
OWNER_NAME = "owner_name"
OWNER_TEAM = "owner_team"
CUSTOMER_NAME = "customer_name"
EST_MARGIN_PCT = "est_margin_pct"
SCOPE_SUMMARY = "scope_summary"
PROPOSAL_VERSION = "proposal_version"
PRIMARY_CONTACT_ID = "primary_contact_id"
PRIMARY_CONTACT_NAME = "primary_contact_name"
LINE_ITEM_COUNT = "line_item_count"
LINE_ITEMS_AMOUNT = "line_items_amount"
PRESALES_TICKETS = "presales_tickets"
OPEN_INCIDENTS = "open_incidents"
OPEN_CHANGE_REQUESTS = "open_change_requests"
NOTE_COUNT = "note_count"
LAST_NOTE_AT = "last_note_at"
LAST_TICKET_AT = "last_ticket_at"
DEAL_PROBLEMS = "deal_problems"
"""Values the CRM sent for this deal that could not be used, in words (one per line), or None."""

# --- CRM project record (operational) ----------------------------------------------------------------------
CRM_PROJECT_RECORD_ID = "crm_project_record_id"
CRM_PROJECT_RECORD_COUNT = "crm_project_record_count"
PROJECT_RECORD_NAME = "project_record_name"
PROJECT_RECORD_RAW_ID = "project_record_raw_id"
PROJECT_STATUS = "project_status"
REPORTED_POC = "reported_poc"
MILESTONES_TOTAL = "milestones_total"
MILESTONES_DONE = "milestones_done"
NEXT_MILESTONE = "next_milestone"
NEXT_MILESTONE_DATE = "next_milestone_date"
PROJECT_UPDATED_AT = "project_updated_at"

# --- ERP project and actuals (financial) -------------------------------------------------------------------
ERP_NAME = "erp"
ERP_PROJECT_NAME = "erp_project_name"
ERP_CUSTOMER_NAME = "erp_customer_name"
ERP_STATUS = "erp_status"
ERP_START_DATE = "erp_start_date"
ERP_END_DATE = "erp_end_date"
ERP_CURRENCY = "erp_currency"
ERP_COMPANY = "erp_company"
PLANNED_REVENUE_AMOUNT = "planned_revenue_amount"
ERP_UPDATED_AT = "erp_updated_at"
ERP_PROBLEMS = "erp_problems"
"""Values the ERP sent for this project that could not be used, in words (one per line), or None."""
HAS_ACTUALS = "has_actuals"
LABOR_HOURS = "labor_hours"
LABOR_COST_AMOUNT = "labor_cost_amount"
VENDOR_COST_AMOUNT = "vendor_cost_amount"
OTHER_COST_AMOUNT = "other_cost_amount"
INVOICED_AMOUNT = "invoiced_amount"
INVOICED_GROSS_AMOUNT = "invoiced_gross_amount"
PAID_AMOUNT = "paid_amount"
OUTSTANDING_AMOUNT = "outstanding_amount"

# --- receivables -------------------------------------------------------------------------------------------
DOCUMENT = "document"
INVOICE_DATE = "invoice_date"
DUE_DATE = "due_date"
UNTAXED_AMOUNT = "untaxed_amount"
TOTAL_AMOUNT = "total_amount"
RESIDUAL_AMOUNT = "residual_amount"
PAYMENT_STATE = "payment_state"
DAYS_PAST_DUE = "days_past_due"

# --- figures (kpis.md) -------------------------------------------------------------------------------------
PROJECT_LABEL = "project_label"
CURRENCY = "currency"
CURRENCY_MISMATCH = "currency_mismatch"
CONTRACT_VALUE_AMOUNT = "contract_value_amount"
EST_COST_AMOUNT = "est_cost_amount"
ACTUAL_COST_AMOUNT = "actual_cost_amount"
AR_CURRENT_AMOUNT = "ar_current_amount"
AR_1_30_AMOUNT = "ar_1_30_amount"
AR_31_60_AMOUNT = "ar_31_60_amount"
AR_61_90_AMOUNT = "ar_61_90_amount"
AR_90_PLUS_AMOUNT = "ar_90_plus_amount"
AR_BUCKETS = (AR_CURRENT_AMOUNT, AR_1_30_AMOUNT, AR_31_60_AMOUNT, AR_61_90_AMOUNT, AR_90_PLUS_AMOUNT)
MAX_DAYS_PAST_DUE = "max_days_past_due"
REMAINING_TO_INVOICE_AMOUNT = "remaining_to_invoice_amount"
REALIZED_MARGIN_AMOUNT = "realized_margin_amount"
REALIZED_MARGIN_PCT = "realized_margin_pct"
POC = "poc"
POC_METHOD = "poc_method"
EAC_AMOUNT = "eac_amount"
EARLY_FORECAST_FLAG = "early_forecast_flag"
"""Percent complete below the early-forecast threshold: EAC is the estimate (or cost to date, if higher)."""
FORECAST_MARGIN_AMOUNT = "forecast_margin_amount"
FORECAST_MARGIN_PCT = "forecast_margin_pct"
EROSION_PP = "erosion_pp"
COST_BURN_PCT = "cost_burn_pct"
COST_BURN_LEVEL = "cost_burn_level"
BILLING_BURN_PCT = "billing_burn_pct"
WIP_AMOUNT = "wip_amount"
EROSION_FLAG = "erosion_flag"
OVERRUN_FLAG = "overrun_flag"
OVERDUE_FLAG = "overdue_flag"
PROJECT_COUNT = "project_count"
MARGIN_LOST_AMOUNT = "margin_lost_amount"
"""Forecast margin short of the margin at close (EAC - estimated cost, never below 0), project currency."""
OVERDUE_AMOUNT = "overdue_amount"
"""Receivables past their due date (every AR bucket but current, never below 0), project currency."""
AT_RISK_REPORTING_AMOUNT = "at_risk_reporting_amount"
"""Margin lost plus overdue, converted into the reporting currency."""
REPORTING_AMOUNT = "reporting_amount"
"""An amount converted into the reporting currency (the frame says which amount)."""
DATA_PROBLEMS = "data_problems"
"""A project's unusable values from both systems, in words, or None (the row's figures leave them out)."""

# --- handover ----------------------------------------------------------------------------------------------
HAS_PROJECT_RECORD = "has_project_record"
ID_PRESENT = "id_present"
ID_VALID = "id_valid"
HAS_SCOPE = "has_scope"
HAS_PRICING = "has_pricing"
HAS_PRIMARY_CONTACT = "has_primary_contact"
HAS_PROPOSAL_VERSION = "has_proposal_version"
HAS_PRESALES_TICKET = "has_presales_ticket"
HAS_NOTES = "has_notes"
HANDOVER_SCORE = "handover_score"
MISSING_ITEMS = "missing_items"
DAYS_SINCE_CLOSE = "days_since_close"
HANDOVER_OVERDUE = "handover_overdue"

# --- delivery ----------------------------------------------------------------------------------------------
LAST_ACTIVITY_AT = "last_activity_at"
MILESTONE_DUE = "milestone_due"
"""The next milestone in words with its days to due, or "OVERDUE by N days" (sales brief)."""
INCIDENT_TITLES = "incident_titles"
"""The open incidents' subjects and ages in words ("Outage, 12 days old"), or an em dash."""

# --- ID convention report ----------------------------------------------------------------------------------
SYSTEM = "system"
ID_FORMAT = "id_format"
COUNT = "count"
SHARE = "share"
EXAMPLES = "examples"
IS_CANONICAL_FORMAT = "is_canonical_format"
TOTAL = "total"
EMPTY = "empty"
CANONICAL = "canonical"
NORMALIZABLE = "normalizable"
UNNORMALIZABLE = "unnormalizable"
CANONICAL_SHARE = "canonical_share"

# --- deal-to-project fit (matching) ------------------------------------------------------------------------
FIT_CUSTOMER = "fit_customer"
FIT_NAME = "fit_name"
FIT_AMOUNT = "fit_amount"
FIT_DATE = "fit_date"
FIT_ID = "fit_id"
FIT_SCORE = "fit_score"

# --- drill-down and activity (views) -----------------------------------------------------------------------
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

PROJECT_LINK = "project_link"
"""A relative link to the row's Project page (`project?project=<id>`), for click-through."""

# --- audit findings as a table -----------------------------------------------------------------------------
FINDING_KEY = "key"
KIND = "kind"
SEVERITY = "severity"
BAND = "band"
DEAL = "deal"
ERP_PROJECT = "erp_project"
RAW_ID = "raw_id"
SUGGESTED_ID = "suggested_id"
CONFIDENCE = "confidence"
MESSAGE = "message"

# ===========================================================================================================
# Column groups
# ===========================================================================================================

PORTFOLIO_SUMS = (
    CONTRACT_VALUE_AMOUNT, EST_COST_AMOUNT, LABOR_COST_AMOUNT, VENDOR_COST_AMOUNT, OTHER_COST_AMOUNT,
    ACTUAL_COST_AMOUNT, INVOICED_AMOUNT, PAID_AMOUNT, OUTSTANDING_AMOUNT, *AR_BUCKETS,
    REMAINING_TO_INVOICE_AMOUNT, REALIZED_MARGIN_AMOUNT, EAC_AMOUNT, FORECAST_MARGIN_AMOUNT, WIP_AMOUNT,
)  # fmt: skip
"""The money figures a portfolio total adds up (per currency)."""
PORTFOLIO_RATIOS = (
    EST_MARGIN_PCT, REALIZED_MARGIN_PCT, FORECAST_MARGIN_PCT, EROSION_PP, POC, COST_BURN_PCT,
    BILLING_BURN_PCT,
)  # fmt: skip
"""The percentages a portfolio total weights (never averages)."""
MARGIN_BY_GROUP = (
    PROJECT_COUNT, CONTRACT_VALUE_AMOUNT, INVOICED_AMOUNT, ACTUAL_COST_AMOUNT, REALIZED_MARGIN_AMOUNT,
    REALIZED_MARGIN_PCT, FORECAST_MARGIN_AMOUNT, FORECAST_MARGIN_PCT, EST_MARGIN_PCT, EROSION_PP,
)  # fmt: skip
"""Margins per customer or per owner."""

FIGURES_FRAME = (
    ROW_KEY,
    CRM_DEAL_ID,
    ERP_RECORD_ID,
    ERP_PROJECT_ID,
    PROJECT_LABEL,
    CUSTOMER_NAME,
    OWNER_NAME,
    MATCH,
    FINANCIAL_OWNER,
    CURRENCY,
    CURRENCY_MISMATCH,
    CONTRACT_VALUE_AMOUNT,
    EST_MARGIN_PCT,
    EST_COST_AMOUNT,
    LABOR_COST_AMOUNT,
    VENDOR_COST_AMOUNT,
    OTHER_COST_AMOUNT,
    ACTUAL_COST_AMOUNT,
    INVOICED_AMOUNT,
    PAID_AMOUNT,
    OUTSTANDING_AMOUNT,
    *AR_BUCKETS,
    MAX_DAYS_PAST_DUE,
    REMAINING_TO_INVOICE_AMOUNT,
    REALIZED_MARGIN_AMOUNT,
    REALIZED_MARGIN_PCT,
    POC,
    POC_METHOD,
    EAC_AMOUNT,
    EARLY_FORECAST_FLAG,
    FORECAST_MARGIN_AMOUNT,
    FORECAST_MARGIN_PCT,
    EROSION_PP,
    COST_BURN_PCT,
    COST_BURN_LEVEL,
    BILLING_BURN_PCT,
    WIP_AMOUNT,
    EROSION_FLAG,
    OVERRUN_FLAG,
    OVERDUE_FLAG,
    DATA_PROBLEMS,
)
"""What `project_figures` returns, per project (won deal or ERP project)."""
FIGURES_REPORT = (
    CRM_DEAL_ID, ERP_PROJECT_ID, PROJECT_LABEL, CUSTOMER_NAME, OWNER_NAME, CURRENCY,
    CONTRACT_VALUE_AMOUNT, EST_MARGIN_PCT, LABOR_COST_AMOUNT, VENDOR_COST_AMOUNT, OTHER_COST_AMOUNT,
    ACTUAL_COST_AMOUNT, INVOICED_AMOUNT, PAID_AMOUNT, OUTSTANDING_AMOUNT, *AR_BUCKETS,
    REMAINING_TO_INVOICE_AMOUNT, REALIZED_MARGIN_AMOUNT, REALIZED_MARGIN_PCT, POC, POC_METHOD,
    EAC_AMOUNT, FORECAST_MARGIN_AMOUNT, FORECAST_MARGIN_PCT, EROSION_PP, COST_BURN_PCT,
    BILLING_BURN_PCT, WIP_AMOUNT, EROSION_FLAG, OVERRUN_FLAG, OVERDUE_FLAG, DATA_PROBLEMS,
)  # fmt: skip
"""`python -m dashboard report figures`: every kpis.md figure per project (and the deal card's names)."""
HANDOVER_TABLE = (
    CRM_DEAL_ID, DEAL_NAME, CUSTOMER_NAME, OWNER_NAME, CLOSE_DATE, HANDOVER_SCORE, MISSING_ITEMS,
    DAYS_SINCE_CLOSE, HANDOVER_OVERDUE,
)  # fmt: skip
"""The handover page's table and `report handover`."""
AT_RISK_TABLE = (
    PROJECT_LABEL, CUSTOMER_NAME, OWNER_NAME, CURRENCY, CONTRACT_VALUE_AMOUNT, EST_MARGIN_PCT,
    FORECAST_MARGIN_PCT, EROSION_PP, COST_BURN_PCT, OUTSTANDING_AMOUNT, MAX_DAYS_PAST_DUE,
    EROSION_FLAG, OVERRUN_FLAG, OVERDUE_FLAG,
)  # fmt: skip
"""The overview's projects at risk."""
MARGIN_TABLE = (
    PROJECT_LABEL, CUSTOMER_NAME, OWNER_NAME, CURRENCY, CONTRACT_VALUE_AMOUNT, FORECAST_MARGIN_PCT,
    EROSION_PP, COST_BURN_PCT, ERP_PROJECT_ID, ERP_STATUS, CLOSE_DATE, EST_MARGIN_PCT, EST_COST_AMOUNT,
    INVOICED_AMOUNT, REMAINING_TO_INVOICE_AMOUNT, PAID_AMOUNT, OUTSTANDING_AMOUNT, LABOR_COST_AMOUNT,
    VENDOR_COST_AMOUNT, OTHER_COST_AMOUNT, ACTUAL_COST_AMOUNT, REALIZED_MARGIN_AMOUNT,
    REALIZED_MARGIN_PCT, POC, POC_METHOD, EAC_AMOUNT, EARLY_FORECAST_FLAG, FORECAST_MARGIN_AMOUNT,
    BILLING_BURN_PCT, WIP_AMOUNT, MAX_DAYS_PAST_DUE, EROSION_FLAG, OVERRUN_FLAG, OVERDUE_FLAG,
)  # fmt: skip
"""The margin page's table and export: every kpis.md figure per project, the deciding ones first."""
DELIVERY_TABLE = (
    PROJECT_LINK, DEAL_NAME, CUSTOMER_NAME, PROJECT_STATUS, MILESTONE_DUE, OPEN_INCIDENTS, INCIDENT_TITLES,
    BILLING_BURN_PCT, POC, OWNER_NAME, CURRENCY, CONTRACT_VALUE_AMOUNT, INVOICED_AMOUNT,
    OPEN_CHANGE_REQUESTS, MILESTONES_DONE, MILESTONES_TOTAL, ERP_PROJECT_ID, ERP_STATUS, POC_METHOD,
    LAST_ACTIVITY_AT,
)  # fmt: skip
"""The delivery page's table: the sales brief's deciding columns on the left (the deal, the customer, its
status in words, the next milestone's due or overdue, open incidents, invoiced against contract)."""
DELIVERY_FRAME = (
    ROW_KEY,
    CRM_DEAL_ID,
    DEAL_NAME,
    CUSTOMER_NAME,
    OWNER_NAME,
    ERP_PROJECT_ID,
    PROJECT_STATUS,
    ERP_STATUS,
    MILESTONES_DONE,
    MILESTONES_TOTAL,
    NEXT_MILESTONE,
    NEXT_MILESTONE_DATE,
    POC,
    POC_METHOD,
    OPEN_INCIDENTS,
    OPEN_CHANGE_REQUESTS,
    CURRENCY,
    CONTRACT_VALUE_AMOUNT,
    INVOICED_AMOUNT,
    BILLING_BURN_PCT,
    LAST_ACTIVITY_AT,
)
"""What `delivery_status` returns, per won deal."""
FINDINGS_TABLE = (KIND, SEVERITY, BAND, DEAL, ERP_PROJECT, RAW_ID, SUGGESTED_ID, CONFIDENCE, MESSAGE)
"""The ID audit's findings (each row also carries FINDING_KEY)."""
DOCUMENTS_TABLE = (SECTION, LINE_DATE, DOCUMENT, PARTNER, DESCRIPTION, HOURS, LINE_AMOUNT, CURRENCY)
"""The ERP lines behind one project's figures."""
LINE_ITEMS_TABLE = (ITEM_NAME, QUANTITY, UNIT_PRICE_AMOUNT, LINE_AMOUNT)
"""A deal's line items as agreed at close."""
ACTIVITY_TABLE = (ACTIVITY_AT, ACTIVITY_KIND, ACTIVITY_TEXT, ACTIVITY_STATE)
"""A deal's tickets and notes."""
SETTINGS_TABLE = (SETTING_SECTION, SETTING_NAME, SETTING_VALUE)
SYSTEMS_TABLE = (SYSTEM_ROLE, SYSTEM, ADDRESS)
