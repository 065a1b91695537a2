"""Odoo of every version in use, each served by its own sandbox for the session (48 deals: enough for every
shape the demo carries, small enough to start in a few seconds): the matrix the Odoo tests run over."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from sandbox.odoo.versions import VERSIONS, SandboxVersion
from tests.sandbox_fixture import RunningSandbox, running_sandbox

SMALL = 48
WITHOUT_TIMESHEETS = "analytic,account,project,hr"
VARIANTS: dict[str, tuple[str, str | None]] = {
    **{name: (name, None) for name in ("16", "17", "18", "19", "saas-19.2", "20", "22")},
    "19-no-timesheets": ("19", WITHOUT_TIMESHEETS),
}
"""Variant id -> (--odoo-version, --odoo-modules): every version, and a database without Timesheets."""


@dataclass
class OdooSandbox:
    """A running sandbox and the Odoo it answers as."""

    sandbox: RunningSandbox
    version: SandboxVersion
    timesheets: bool

    @property
    def url(self) -> str:
        return self.sandbox.erp_url


@pytest.fixture(scope="session", params=list(VARIANTS))
def odoo_sandbox(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OdooSandbox]:
    """One sandbox per Odoo variant; pytest runs each variant's tests together, so one runs at a time."""
    version, modules = VARIANTS[request.param]
    extra = ("--odoo-version", version, *(("--odoo-modules", modules) if modules else ()))
    db = tmp_path_factory.mktemp(f"odoo-{request.param}") / "sandbox.sqlite"
    with running_sandbox(db, deals=SMALL, extra=extra) as sandbox:
        yield OdooSandbox(sandbox, VERSIONS[version], modules is None)
