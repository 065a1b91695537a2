"""`python -m dashboard doctor` against the sandbox, run as a person runs it, and the portal checks behind it
on the hand-checkable portal of tests/hubspot_fixture.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.roles import Actor
from dashboard.transforms.corrections import ProposedCorrection
from dashboard.writeback import apply_corrections
from sandbox.hubspot import HubSpotLimits
from sandbox.hubspot.portal import DEFAULT
from services.errors import ConfigError
from services.hubspot import HubSpotClient, PortalNames
from services.hubspot.doctor import check_portal
from tests.corrections_support import new_store
from tests.hubspot_fixture import TOKEN, hubspot_portal
from tests.sandbox_fixture import ROOT, RunningSandbox

OPS = Actor("olga.ops@example.com", "ops")


def doctor(sandbox: RunningSandbox, **settings: str) -> subprocess.CompletedProcess[str]:
    """`python -m dashboard doctor` pointed at `sandbox`, with THROUGHLINE_* `settings` on top."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THROUGHLINE_")}
    env |= {"THROUGHLINE_SANDBOX__CRM_PORT": sandbox.crm_url.rsplit(":", 1)[1], **settings}
    return subprocess.run(
        [sys.executable, "-m", "dashboard", "doctor"], env=env, capture_output=True, text=True, cwd=ROOT
    )


def test_the_sandbox_portal_passes_every_check(demo: RunningSandbox) -> None:
    done = doctor(demo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FIX" not in done.stdout
    assert "OK   deals.erp_project_id (project ID): string" in done.stdout
    assert "OK   deal -> contact label 'Primary contact': type id 903" in done.stdout


def test_a_portal_without_the_id_property_is_named_and_exits_2(demo: RunningSandbox) -> None:
    done = doctor(demo, THROUGHLINE_HUBSPOT__PROJECT_ID_PROPERTY="erp_project_number")
    assert done.returncode == 2
    fixes = [line for line in done.stdout.splitlines() if line.startswith("FIX")]
    assert len(fixes) == 2  # the property itself, and its unique values
    assert all("erp_project_number" in line for line in fixes)
    assert "23 of 25 checks hold" in done.stdout


def test_a_missing_scope_and_a_spent_daily_quota_say_what_to_do(tmp_path: Path) -> None:
    portal = DEFAULT.__class__(scopes=tuple(s for s in DEFAULT.scopes if s != "tickets"))
    limits = HubSpotLimits(daily=600)
    with hubspot_portal(tmp_path, portal=portal, limits=limits) as url, HubSpotClient(url, TOKEN) as client:
        checks = {check.item: check for check in check_portal(client)}
    assert not checks["token scopes"].ok
    assert checks["token scopes"].detail.endswith(": tickets")
    quota = checks["daily request quota"]
    assert not quota.ok
    assert quota.detail.startswith(f"{600 - client.requests:,} of 600 left today")


def test_corrections_are_refused_while_the_id_property_is_missing(
    demo: RunningSandbox, tmp_path: Path
) -> None:
    store = new_store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    names = PortalNames(project_id_property="erp_project_number")
    proposal = ProposedCorrection(
        field="deal.project_id",
        record_id="21000000001",
        before=None,
        after="PRJ-00001",
        finding_key=None,
        label="a deal",
    )
    with HubSpotClient(demo.crm_url, TOKEN, names=names) as client:
        start = client.requests
        with pytest.raises(ConfigError, match="no property 'erp_project_number' on deals"):
            apply_corrections(client, store, [proposal], actor=OPS)
        checks = client.requests - start
        # records depend on the project object's properties, which are fine
        assert client.write_refusal("records") is None
        assert client.requests - start == checks  # the checks were read once, then kept
    assert store.corrections() == []
    store.close()


def test_record_creation_is_refused_while_a_project_object_property_is_missing(demo: RunningSandbox) -> None:
    names = PortalNames(record_status_property="engagement_state")
    with HubSpotClient(demo.crm_url, TOKEN, names=names) as client:
        refusal = client.write_refusal("records")
        assert client.write_refusal("corrections") is None
    assert refusal is not None
    assert refusal.startswith("HubSpot is not set up for creating project records, so nothing was written.")
    assert "no property 'engagement_state' on p_projects" in refusal
