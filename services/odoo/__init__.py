"""The Odoo ERP adapter: `OdooClient` (client.py) over Odoo's external API (transport.py), with the
attribution of lines and invoices to projects as pure functions (figures.py)."""

from services.odoo.client import OdooClient

__all__ = ["OdooClient"]
