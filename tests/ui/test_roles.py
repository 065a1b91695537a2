"""Sign-in and roles in the real app (AppTest) and in the use cases that write.

Each role sees exactly the pages the issue lists; a role that may not write is refused where the write
happens, and nothing reaches HubSpot or the correction log. The app runs against a small sandbox of its
own (this module writes a correction and undoes it, which must not disturb the shared demo sandbox).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from argon2 import PasswordHasher
from streamlit.testing.v1 import AppTest

from dashboard.owners import my_owner_name, owner_for_email
from dashboard.roles import Actor, role_for
from dashboard.transforms.corrections import ProposedCorrection
from dashboard.transforms.project_records import ProjectRecordDraft
from dashboard.ui import auth, cache
from dashboard.writeback import (
    accept_finding,
    apply_corrections,
    create_project_records,
    unaccept_finding,
    undo_batch,
    undo_corrections,
)
from services.errors import AccessDenied
from services.hubspot import HubSpotClient
from services.models import CrmSnapshot, NewProjectRecord
from services.store import Correction, Store
from services.store.accounts import SIGN_IN_REFUSED
from tests.sandbox_fixture import TOKEN, RunningSandbox, running_sandbox

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "dashboard" / "app.py")
PASSWORD = "correct horse battery"
EVERY_PAGE = {"overview", "margin", "project", "handover", "audit", "delivery", "history", "settings"}
# Written out from the issue, not read from dashboard.roles, so that a change there has to be deliberate.
EXPECTED_PAGES = {
    "owner": EVERY_PAGE - {"settings"},
    "ops": EVERY_PAGE - {"settings"},
    "sales": {"overview", "project", "handover", "delivery"},
    "admin": EVERY_PAGE,
}
ALLOW_LIST = {"sam@acme.test": "sales", "@acme.test": "owner", "root@corp.test": "Admin"}
# The cheapest argon2 parameters, so that making the accounts takes milliseconds (the app verifies any).
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    with running_sandbox(tmp_path_factory.mktemp("roles") / "sandbox.sqlite", deals=40, seed=11) as running:
        yield running


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated store with one local account per role: <role>@example.com."""
    url = f"sqlite:///{tmp_path_factory.mktemp('accounts') / 'store.sqlite'}"
    store = Store(url, hasher=FAST)
    store.migrate()
    for role in EXPECTED_PAGES:
        store.add_user(f"{role}@example.com", PASSWORD, role)  # type: ignore[arg-type]
    store.close()
    return url


@pytest.fixture(scope="module", autouse=True)
def _module_caches() -> Iterator[None]:
    # Other modules may have left clients for another sandbox in Streamlit's process-wide caches.
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.fixture
def app_env(
    monkeypatch: pytest.MonkeyPatch, sandbox: RunningSandbox, store_url: str
) -> Iterator[pytest.MonkeyPatch]:
    """The app pointed at this module's sandbox and store, with no setting left over from outside."""
    for name in [n for n in os.environ if n.startswith("THROUGHLINE_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("THROUGHLINE_SANDBOX__CRM_PORT", sandbox.crm_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_SANDBOX__ERP_PORT", sandbox.erp_url.rsplit(":", 1)[1])
    monkeypatch.setenv("THROUGHLINE_STORE__DATABASE_URL", store_url)
    monkeypatch.setenv("THROUGHLINE_ACCESS__ROLES", json.dumps(ALLOW_LIST))
    # Each test sets its own access settings; the clients and the snapshot (same sandbox) stay warm.
    cache.settings.clear()
    cache.store.clear()
    yield monkeypatch
    cache.settings.clear()
    cache.store.clear()


def new_app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=60)


def routed(at: AppTest) -> set[str]:
    """The pages the last run's navigation registered (switching to any other raises ValueError)."""
    found = set()
    for name in sorted(EVERY_PAGE):
        try:
            at.switch_page(f"../pages/{name}.py")
        except ValueError:
            continue
        found.add(name)
    return found


def texts(at: AppTest) -> str:
    """Every title, markdown, caption, info, warning and error the last run showed, in one string."""
    parts = [
        e.value for kind in ("title", "markdown", "caption", "info", "warning", "error") for e in at.get(kind)
    ]
    return "\n".join(str(p) for p in parts)


# --- local accounts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(EXPECTED_PAGES))
def test_each_local_role_is_routed_exactly_its_pages(app_env: pytest.MonkeyPatch, role: str) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "local")
    at = new_app()
    at.session_state["local_user"] = {"email": f"{role}@example.com", "role": role}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert f"Signed in as **{role}@example.com** ({role})" in [c.value for c in at.sidebar.caption]
    assert routed(at) == EXPECTED_PAGES[role]


def test_the_sign_in_form_signs_in_with_the_right_password_only(app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "local")
    at = new_app().run()
    assert [t.value for t in at.title] == ["Throughline"]
    assert routed(at) == set()

    at.text_input(key="login_email").input("ops@example.com")
    at.text_input(key="login_password").input("not the password")
    at.button[0].click().run()
    assert [e.value for e in at.error] == [f"Not signed in: {SIGN_IN_REFUSED}."]
    assert at.text_input(key="login_email").value == "ops@example.com"  # what was typed is kept...
    assert at.text_input(key="login_password").value == ""  # ...except the password

    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Overview"]
    assert at.session_state["local_user"] == {"email": "ops@example.com", "role": "ops"}
    assert routed(at) == EXPECTED_PAGES["ops"]


def test_sign_out_returns_to_the_sign_in_page_and_forgets_the_session(app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "local")
    at = new_app()
    at.session_state["local_user"] = {"email": "admin@example.com", "role": "admin"}
    at.session_state["some_filter"] = "kept until sign-out"
    at.run()
    at.sidebar.button(key="logout").click().run()
    assert [t.value for t in at.title] == ["Throughline"]
    assert "local_user" not in at.session_state
    assert "some_filter" not in at.session_state
    assert routed(at) == set()


@pytest.mark.parametrize(
    ("timeout_min", "idle_min", "signed_out"), [(30, 31, True), (30, 29, False), (5, 6, True)]
)
def test_an_idle_session_is_signed_out_after_the_configured_minutes(
    app_env: pytest.MonkeyPatch, timeout_min: int, idle_min: int, signed_out: bool
) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "local")
    app_env.setenv("THROUGHLINE_ACCESS__IDLE_TIMEOUT_MIN", str(timeout_min))
    at = new_app()
    at.session_state["local_user"] = {"email": "ops@example.com", "role": "ops"}
    at.session_state["last_seen"] = time.time() - idle_min * 60
    at.run()
    if signed_out:
        assert [t.value for t in at.title] == ["Throughline"]
        assert [i.value for i in at.info] == [
            f"You were signed out after {timeout_min} idle minutes. Sign in again to continue."
        ]
        assert "local_user" not in at.session_state
    else:
        assert [t.value for t in at.title] == ["Overview"]
        assert time.time() - at.session_state["last_seen"] < 60  # the run counted as activity


# --- OIDC (st.user as Streamlit fills it after st.login) ----------------------------------------------------


@pytest.mark.parametrize(
    ("email", "role"),
    [("Sam@Acme.test", "sales"), ("olga@acme.test", "owner"), ("root@corp.test", "admin")],
)
def test_oidc_users_get_the_role_of_their_allow_list_entry(
    app_env: pytest.MonkeyPatch, email: str, role: str
) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "oidc")
    at = new_app()
    at.user = {"is_logged_in": True, "email": email, "name": "Pat Person", "email_verified": True}
    at.run()
    assert not at.exception
    assert f"Signed in as **Pat Person** ({role})" in [c.value for c in at.sidebar.caption]
    assert routed(at) == EXPECTED_PAGES[role]


@pytest.mark.parametrize(
    "user",
    [
        {"is_logged_in": True, "email": "eve@elsewhere.test", "name": "Eve"},
        {"is_logged_in": True, "email": "sam@acme.test", "name": "Sam", "email_verified": False},
        {"is_logged_in": True, "email": "eve@evil.test@acme.test", "name": "Eve"},
    ],
    ids=["unknown-domain", "unverified-email", "two-at-signs"],
)
def test_oidc_users_off_the_allow_list_get_no_page(
    app_env: pytest.MonkeyPatch, user: dict[str, object]
) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "oidc")
    at = new_app()
    at.user = user
    at.run()
    assert [t.value for t in at.title] == ["No access"]
    assert not at.metric
    assert not at.dataframe
    assert routed(at) == set()


def test_oidc_sign_in_page_offers_the_provider_and_sign_out_logs_out(app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "oidc")
    at = new_app()
    at.user = {"is_logged_in": False}
    at.secrets["auth"] = {"client_id": "throughline", "redirect_uri": "http://127.0.0.1:1/oauth2callback"}
    at.run()
    assert [t.value for t in at.title] == ["Throughline"]
    assert at.button(key="oidc_login").label == "Sign in with your company account"
    assert routed(at) == set()

    at = new_app()
    at.user = {"is_logged_in": True, "email": "sam@acme.test", "name": "Sam"}
    at.run()
    at.sidebar.button(key="logout").click().run()
    assert at.user.get("is_logged_in") is False
    assert [t.value for t in at.title] == ["Throughline"]


def test_oidc_without_an_auth_table_says_what_to_add(app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "oidc")
    at = new_app()
    at.user = {"is_logged_in": False}
    at.secrets["unrelated"] = "x"
    at.run()
    assert "oidc_login" not in [b.key for b in at.button]
    assert "no [auth] table" in at.error[0].value
    assert "server_metadata_url" in at.error[0].value


def test_a_returning_oidc_cookie_is_signed_out_after_idle_time_unless_another_session_was_active(
    app_env: pytest.MonkeyPatch,
) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "oidc")
    signed_in_2h_ago = {
        "is_logged_in": True,
        "email": "olga@acme.test",
        "name": "Olga",
        "iat": time.time() - 7200,
    }
    auth.ACTIVITY.forget("olga@acme.test")

    stale = new_app()
    stale.user = dict(signed_in_2h_ago)
    stale.run()
    assert stale.user.get("is_logged_in") is False  # st.logout ran: the cookie is cleared
    assert [t.value for t in stale.title] == ["Throughline"]

    fresh = new_app()
    fresh.user = dict(signed_in_2h_ago, iat=time.time() - 60)
    fresh.run()
    assert [t.value for t in fresh.title] == ["Overview"]

    # Olga was active a moment ago in that session, so a new tab on her old cookie stays signed in.
    new_tab = new_app()
    new_tab.user = dict(signed_in_2h_ago)
    new_tab.run()
    assert [t.value for t in new_tab.title] == ["Overview"]
    auth.ACTIVITY.forget("olga@acme.test")


# --- settings that decide whether sign-in is needed ---------------------------------------------------------


def test_the_sandbox_without_sign_in_is_a_demo_with_a_banner_and_a_role_switcher(
    app_env: pytest.MonkeyPatch,
) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "none")
    at = new_app().run()
    assert not at.exception
    banners = [i.value for i in at.info if i.value.startswith("Demo:")]
    assert len(banners) == 1
    assert "without sign-in" in banners[0]
    assert routed(at) == EXPECTED_PAGES["admin"]
    at.switch_page("../pages/overview.py")
    at.sidebar.selectbox(key="demo_role").select("sales").run()
    assert routed(at) == EXPECTED_PAGES["sales"]


def test_real_systems_without_a_sign_in_mode_refuse_to_start(app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "none")
    app_env.setenv("THROUGHLINE_HUBSPOT__TOKEN", "pat-na1-12345678-aaaa")
    app_env.setenv("THROUGHLINE_ODOO__URL", "http://127.0.0.1:1")
    app_env.setenv("THROUGHLINE_ODOO__DATABASE", "prod")
    app_env.setenv("THROUGHLINE_ODOO__LOGIN", "api")
    app_env.setenv("THROUGHLINE_ODOO__API_KEY", "0123456789abcdef")
    at = new_app().run()
    assert [e.value for e in at.error] == [
        "Throughline cannot start: real systems are configured but no sign-in is: set "
        "THROUGHLINE_ACCESS__MODE to oidc (with [auth] in .streamlit/secrets.toml) or local "
        "(accounts: python -m dashboard.users add)"
    ]
    assert not at.title  # it stopped before any page, the sign-in page included
    assert not at.metric


def test_a_role_typo_in_the_allow_list_stops_the_app_naming_the_entry(app_env: pytest.MonkeyPatch) -> None:
    app_env.setenv("THROUGHLINE_ACCESS__MODE", "oidc")
    app_env.setenv("THROUGHLINE_ACCESS__ROLES", json.dumps({"sam@acme.test": "salse"}))
    at = new_app()
    at.user = {"is_logged_in": True, "email": "sam@acme.test", "name": "Sam"}
    at.run()
    assert [e.value for e in at.error] == [
        "Throughline cannot start: THROUGHLINE_ACCESS__ROLES maps sam@acme.test -> 'salse'; "
        "use one of owner, ops, sales, admin as the role"
    ]


def test_role_for_matches_addresses_before_domains_and_nothing_else() -> None:
    allow = {"Boss@Acme.test": "admin", "@acme.test": "sales", "partner.test": "owner"}
    assert role_for(" boss@ACME.test ", allow) == "admin"
    assert role_for("ann@acme.test", allow) == "sales"
    assert role_for("ann@partner.test", allow) == "owner"
    assert role_for("ann@sub.acme.test", allow) is None
    assert role_for("ann@notacme.test", allow) is None
    assert role_for("acme.test", allow) is None
    assert role_for("", allow) is None


# --- actions are refused where they are performed -----------------------------------------------------------


@pytest.fixture(scope="module")
def crm(sandbox: RunningSandbox) -> Iterator[HubSpotClient]:
    with HubSpotClient(sandbox.crm_url, TOKEN) as client:
        yield client


@pytest.fixture(scope="module")
def crm_snapshot(crm: HubSpotClient) -> CrmSnapshot:
    return crm.fetch_snapshot()


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('log') / 'store.sqlite'}")
    store.migrate()
    yield store
    store.close()


def _proposal(snapshot: CrmSnapshot, index: int, after: str) -> ProposedCorrection:
    deals = [d for d in snapshot.deals if d.raw_project_id]
    deal = deals[index]
    return ProposedCorrection(
        field="deal.project_id",
        record_id=deal.crm_deal_id,
        before=deal.raw_project_id,
        after=after,
        finding_key=None,
        label=deal.name or deal.crm_deal_id,
    )


def _value(crm: HubSpotClient, deal_id: str) -> str | None:
    return crm.read_field("deal.project_id", [deal_id])[deal_id]


@pytest.fixture(scope="module")
def ops_correction(crm: HubSpotClient, crm_snapshot: CrmSnapshot, log: Store) -> Iterator[Correction]:
    """One correction ops applied (undone again by ops at the end, so the sandbox ends as it began)."""
    proposal = _proposal(crm_snapshot, 0, "PRJ-99999")
    report = apply_corrections(crm, log, [proposal], actor=Actor("ops@example.com", "ops"))
    assert report.applied == (proposal.record_id,)
    (row,) = log.corrections(batch_id=report.batch_id)
    accept_finding(log, "finding-accepted-by-ops", "known exception", actor=Actor("ops@example.com", "ops"))
    yield row
    undo = undo_corrections(crm, log, [row.id], actor=Actor("ops@example.com", "ops"))
    assert undo.applied == (proposal.record_id,)
    assert _value(crm, proposal.record_id) == proposal.before


def test_each_correction_in_the_log_carries_the_signed_in_user(
    crm: HubSpotClient, ops_correction: Correction
) -> None:
    assert ops_correction.user == "ops@example.com"
    assert ops_correction.status == "applied"
    assert ops_correction.after == "PRJ-99999"
    assert _value(crm, ops_correction.object_id) == "PRJ-99999"


@pytest.mark.parametrize("role", ["owner", "sales", None])
def test_a_role_that_may_not_write_is_refused_and_nothing_is_written(
    crm: HubSpotClient, crm_snapshot: CrmSnapshot, log: Store, ops_correction: Correction, role: str | None
) -> None:
    actor = Actor(f"{role}@example.com", role)
    other = _proposal(crm_snapshot, 1, "PRJ-88888")
    rows_before, accepted_before = log.corrections(), log.accepted()
    requests_before = crm.requests
    record = NewProjectRecord(crm_deal_id=other.record_id, name=other.label, project_id="PRJ-88888")
    draft = ProjectRecordDraft(other.record_id, other.label, record=record)

    with pytest.raises(AccessDenied, match=rf"your role \({role or 'none'}\) may not correct project IDs"):
        apply_corrections(crm, log, [other], actor=actor)
    with pytest.raises(AccessDenied, match="may not undo corrections"):
        undo_corrections(crm, log, [ops_correction.id], actor=actor)
    with pytest.raises(AccessDenied, match="may not undo corrections"):
        undo_batch(crm, log, ops_correction.batch_id, actor=actor)
    with pytest.raises(AccessDenied, match="may not create project records in HubSpot"):
        create_project_records(crm, log, [draft], actor=actor)
    with pytest.raises(AccessDenied, match="may not accept audit findings"):
        accept_finding(log, "another-finding", "looks fine to me", actor=actor)
    with pytest.raises(AccessDenied, match="may not accept audit findings"):
        unaccept_finding(log, "finding-accepted-by-ops", actor=actor)

    assert crm.requests == requests_before  # not one request reached HubSpot
    assert log.corrections() == rows_before  # and not one row reached the log
    assert log.accepted() == accepted_before
    assert [a.finding_key for a in accepted_before] == ["finding-accepted-by-ops"]
    assert _value(crm, other.record_id) == other.before
    assert _value(crm, ops_correction.object_id) == "PRJ-99999"  # ops's correction still stands
    assert log.correction(ops_correction.id).status == "applied"


# --- sales "my deals" ---------------------------------------------------------------------------------------


def test_the_signed_in_email_maps_to_its_hubspot_owner(crm_snapshot: CrmSnapshot) -> None:
    owner = next(o for o in crm_snapshot.owners if any(d.owner_id == o.owner_id for d in crm_snapshot.deals))
    assert owner_for_email(crm_snapshot.owners, f"  {owner.email.upper()} ") == owner
    assert my_owner_name(crm_snapshot, owner.email) == owner.name
    assert my_owner_name(crm_snapshot, "nobody@example.com") is None
    assert my_owner_name(crm_snapshot, "") is None
    assert my_owner_name(None, owner.email) is None
