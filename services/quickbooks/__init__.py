"""The QuickBooks Online ERP adapter: `QuickBooksClient` (client.py) over the Accounting API (transport.py),
OAuth with Intuit's intuit-oauth (auth.py), Intuit's Fault envelopes named (faults.py), and the attribution
of transaction lines to projects as pure functions (entities.py, figures.py)."""

from services.quickbooks.auth import QuickBooksAuth, RefreshTokenStore, auth_client
from services.quickbooks.client import QuickBooksClient
from services.quickbooks.faults import RECONNECT, InsufficientScope, ReconnectRequired
from services.quickbooks.figures import DEFAULT_PATTERNS, IdField, ProjectIds

__all__ = [
    "DEFAULT_PATTERNS",
    "RECONNECT",
    "IdField",
    "InsufficientScope",
    "ProjectIds",
    "QuickBooksAuth",
    "QuickBooksClient",
    "ReconnectRequired",
    "RefreshTokenStore",
    "auth_client",
]
