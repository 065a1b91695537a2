"""The Odoo ERP adapter, one for every version in use: `OdooClient` (client.py, refresh in changes.py) over
Odoo's external API as each version speaks it (transport.py, versions.py), with every refusal explained in one
place (diagnosis.py), and the attribution of analytic lines and invoices to projects as pure functions
(figures.py, invoices.py, grouping.py)."""

from services.odoo.client import OdooClient

__all__ = ["OdooClient"]
