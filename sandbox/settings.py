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
    return found
