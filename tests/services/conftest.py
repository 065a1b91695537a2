"""Fixtures for the service tests."""

from __future__ import annotations

from tests.services.conftest_odoo import odoo_sandbox
from tests.services.conftest_tryton import tryton_server, tryton_template

__all__ = ["odoo_sandbox", "tryton_server", "tryton_template"]
