"""The dashboard's settings that point it at a running sandbox (`python -m sandbox env`), as NAME=value.

They are what `load_settings` reads from the environment (dashboard/settings.py, `SandboxSettings` and
`QuickBooksSettings`); the dashboard never imports the sandbox, so the sandbox states them here. Tokens and
keys are included: they are the sandbox's own, derived from the seed, and open nothing real. Use them as
`env $(python -m sandbox env --erp quickbooks) python -m dashboard serve`, or paste them into `.env`.
"""

from __future__ import annotations

import base64
import hashlib
from argparse import Namespace

from sandbox.hubspot.portal import DEFAULT, PORTALS, Portal
from sandbox.quickbooks.oauth import app_keys


def token_key(seed: int) -> str:
    """A Fernet key (32 url-safe base64 bytes) for the sandbox's encrypted token store, from the seed."""
    digest = hashlib.sha256(f"throughline-sandbox-token-key:{seed}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def dashboard_settings(args: Namespace) -> dict[str, str]:
    """THROUGHLINE_* settings for a sandbox served with the same flags (`python -m sandbox serve ...`)."""
    found = {
        "THROUGHLINE_SANDBOX__HOST": args.host,
        "THROUGHLINE_SANDBOX__CRM_PORT": str(args.crm_port),
        "THROUGHLINE_SANDBOX__ERP_PORT": str(args.erp_port),
        "THROUGHLINE_SANDBOX__TOKEN": args.token,
        "THROUGHLINE_SANDBOX__ERP": args.erp,
    }
    if args.erp == "quickbooks":
        keys = app_keys(args.seed, tuple(args.qbo_redirect_uri.split(",")))
        found |= {
            "THROUGHLINE_SANDBOX__QUICKBOOKS_CLIENT_ID": keys.client_id,
            "THROUGHLINE_SANDBOX__QUICKBOOKS_CLIENT_SECRET": keys.client_secret,
            "THROUGHLINE_SANDBOX__QUICKBOOKS_REALM_ID": keys.realm_id,
            "THROUGHLINE_SANDBOX__QUICKBOOKS_REFRESH_TOKEN": keys.refresh_token,
            "THROUGHLINE_SANDBOX__QUICKBOOKS_TOKEN_KEY": token_key(args.seed),
            "THROUGHLINE_QUICKBOOKS__REDIRECT_URI": keys.redirect_uris[0],
            "THROUGHLINE_QUICKBOOKS__PROJECT_ID_FIELD": args.qbo_project_id,
        }
    else:
        found |= {
            "THROUGHLINE_SANDBOX__ODOO_DATABASE": args.odoo_database,
            "THROUGHLINE_SANDBOX__ODOO_LOGIN": args.odoo_login,
            "THROUGHLINE_SANDBOX__ODOO_API_KEY": args.odoo_api_key,
        }
    return found | portal_settings(PORTALS[args.portal])


# The dashboard's setting for each property the sandbox names (object type, the sandbox's name).
PROPERTY_SETTINGS = {
    ("deals", "erp_project_id"): "PROJECT_ID_PROPERTY",
    ("deals", "estimated_margin_at_close"): "ESTIMATED_MARGIN_PROPERTY",
    ("deals", "scope_summary"): "SCOPE_PROPERTY",
    ("deals", "signed_proposal_version"): "PROPOSAL_VERSION_PROPERTY",
    ("tickets", "ticket_kind"): "TICKET_KIND_PROPERTY",
    ("projects", "erp_project_id"): "RECORD_PROJECT_ID_PROPERTY",
    ("projects", "project_name"): "RECORD_NAME_PROPERTY",
    ("projects", "project_status"): "RECORD_STATUS_PROPERTY",
    ("projects", "percent_complete"): "RECORD_PERCENT_COMPLETE_PROPERTY",
    ("projects", "milestones_total"): "RECORD_MILESTONES_TOTAL_PROPERTY",
    ("projects", "milestones_done"): "RECORD_MILESTONES_DONE_PROPERTY",
    ("projects", "next_milestone"): "RECORD_NEXT_MILESTONE_PROPERTY",
    ("projects", "next_milestone_date"): "RECORD_NEXT_MILESTONE_DATE_PROPERTY",
    ("projects", "scope_summary"): "RECORD_SCOPE_PROPERTY",
    ("projects", "signed_proposal_version"): "RECORD_PROPOSAL_VERSION_PROPERTY",
    ("projects", "contract_value"): "RECORD_CONTRACT_VALUE_PROPERTY",
    ("projects", "deal_currency_code"): "RECORD_CURRENCY_PROPERTY",
    ("projects", "primary_contact"): "RECORD_PRIMARY_CONTACT_PROPERTY",
    ("projects", "pricing_summary"): "RECORD_PRICING_SUMMARY_PROPERTY",
}


def portal_settings(portal: Portal) -> dict[str, str]:
    """The THROUGHLINE_HUBSPOT__* settings naming what `portal` names otherwise than the defaults."""
    if portal == DEFAULT:
        return {}
    found = {"THROUGHLINE_HUBSPOT__PRIMARY_CONTACT_LABEL": portal.primary_contact_label}
    for object_type, names in portal.renamed.items():
        for own, theirs in names.items():
            found[f"THROUGHLINE_HUBSPOT__{PROPERTY_SETTINGS[(object_type, own)]}"] = theirs
    return found
