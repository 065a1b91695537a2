"""The Tryton ERP adapter: `TrytonClient` (client.py) over Tryton's JSON-RPC (transport.py)."""

from services.tryton.client import TrytonClient

__all__ = ["TrytonClient"]
