"""Fixtures for the service tests."""

from __future__ import annotations

from tests.services.conftest_tryton import tryton_server, tryton_template

__all__ = ["tryton_server", "tryton_template"]
