"""A real Tryton 8.2 server for the Tryton tests: the seeded template is built once (cached under
build/tryton/, ~2-3 min from scratch, instant after), then served from a private copy for the session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.tryton.build import ensure_template
from sandbox.tryton.server import TrytonServer


@pytest.fixture(scope="session")
def tryton_template() -> Path:
    """The seeded template database, built now unless a current one is cached."""
    return ensure_template()


@pytest.fixture(scope="session")
def tryton_server(tryton_template: Path) -> Iterator[TrytonServer]:
    """trytond on a free 127.0.0.1 port, serving a copy of the template; stopped by its pid afterwards."""
    with TrytonServer(template=tryton_template) as server:
        yield server
