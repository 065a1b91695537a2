"""Shared fixtures: one demo sandbox (300 deals, seed 7) for the whole test session, over real HTTP, and the
same demo with its ERP side in QuickBooks terms."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.hubspot import HubSpotClient
from services.odoo import OdooClient
from tests.quickbooks_fixture import quickbooks_sandbox
from tests.sandbox_fixture import ODOO, TOKEN, RunningSandbox, running_sandbox


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The demo portfolio, served by `python -m sandbox serve` as `make run` serves it."""
    with running_sandbox(tmp_path_factory.mktemp("demo") / "sandbox.sqlite") as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def qbo_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    """The demo portfolio booked in QuickBooks, served as `make run-quickbooks` serves it (read-only: tests
    that write use a sandbox of their own)."""
    with quickbooks_sandbox(tmp_path_factory.mktemp("qbo-demo") / "sandbox.sqlite") as sandbox:
        yield sandbox


@pytest.fixture
def crm(demo: RunningSandbox) -> Iterator[HubSpotClient]:
    demo.reset()
    with HubSpotClient(
        demo.crm_url, TOKEN, policy_waits={"TEN_SECONDLY_ROLLING": 0.2, "SECONDLY": 0.2}
    ) as client:
        yield client
    demo.reset()


@pytest.fixture
def erp(demo: RunningSandbox) -> Iterator[OdooClient]:
    demo.reset()
    with OdooClient(demo.erp_url, ODOO["database"], ODOO["login"], ODOO["api_key"]) as client:
        yield client
    demo.reset()
