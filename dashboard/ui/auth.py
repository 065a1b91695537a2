"""Sign-in: OIDC through st.login, local accounts from the store, or none on the sandbox (with a banner).

The signed-in person's role comes from the allow-list in the settings (OIDC) or from their account (local);
an unknown person gets no page at all. A session idle for longer than the configured time is signed out.
With OIDC, Streamlit's cookie would sign a returning browser straight back in, so idleness is also tracked
per e-mail across the server's sessions, and measured from the ID token's sign-in time when that is later.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import streamlit as st

from dashboard.roles import ROLE_PAGES, Actor, role_for
from dashboard.ui import cache
from services.errors import InputError, ThroughlineError

LOCAL_USER = "local_user"
LAST_SEEN = "last_seen"
DEMO_ROLE = "demo_role"
DEMO_ROLE_PARAM = "as"
"""Demo mode's "View as" in the address, so a reload keeps it."""
SIGNED_OUT_IDLE = "signed_out_idle"
SIGN_IN_ERROR = "sign_in_error"
LOGIN_EMAIL = "login_email"
LOGIN_PASSWORD = "login_password"


@dataclass(frozen=True)
class SignedIn:
    """Who is signed in, with which role (None: not on the allow-list) and how (demo, oidc or local)."""

    email: str
    name: str
    role: str | None
    mode: str

    @property
    def actor(self) -> Actor:
        """The person as the use cases take them (their e-mail goes into the correction log)."""
        return Actor(self.email, self.role)


class _Activity:
    """When each e-mail last did something, in any session of this server process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}

    def last(self, email: str) -> float | None:
        with self._lock:
            return self._seen.get(email)

    def touch(self, email: str, now: float) -> None:
        with self._lock:
            self._seen[email] = now

    def forget(self, email: str) -> None:
        with self._lock:
            self._seen.pop(email, None)


# Process-wide on purpose: a new browser session must see the idleness of the e-mail's earlier sessions.
ACTIVITY = _Activity()


def current_user() -> SignedIn | None:
    """The signed-in person, or None when nobody is (or the session went idle, which signs it out)."""
    settings = cache.settings()
    mode = settings.sign_in_mode
    if mode == "none":
        role = st.session_state.get(DEMO_ROLE, "admin")
        return SignedIn("demo@throughline.local", "Demo user", role, "demo")
    user = _oidc_user(settings.access.roles) if mode == "oidc" else _local_user()
    if user is None:
        return None
    if _idle_expired(user, settings.access.idle_timeout_min):
        sign_out()
        st.session_state[SIGNED_OUT_IDLE] = settings.access.idle_timeout_min
        return None
    return user


def _oidc_user(allow_list: dict[str, str]) -> SignedIn | None:
    user = st.user
    if not user.get("is_logged_in"):
        return None
    email = str(user.get("email") or "").strip().lower()
    # A provider that says the address is unverified must not get it mapped to a role.
    role = None if user.get("email_verified") is False else role_for(email, allow_list)
    return SignedIn(email, str(user.get("name") or email), role, "oidc")


def _local_user() -> SignedIn | None:
    account = st.session_state.get(LOCAL_USER)
    if not account:
        return None
    return SignedIn(account["email"], account["email"], account["role"], "local")


def _idle_expired(user: SignedIn, minutes: float) -> bool:
    now = time.time()
    last = st.session_state.get(LAST_SEEN)
    if last is None and user.mode == "oidc":
        # A new session signed in by the cookie: idle since the later of the e-mail's last activity in any
        # session and its sign-in at the provider (a fresh sign-in is never idle).
        known = [t for t in (ACTIVITY.last(user.email), _signed_in_at()) if t is not None]
        last = max(known) if known else None
    if last is not None and now - float(last) > minutes * 60:
        return True
    st.session_state[LAST_SEEN] = now
    ACTIVITY.touch(user.email, now)
    return False


def _signed_in_at() -> float | None:
    issued = st.user.get("iat")
    return float(issued) if isinstance(issued, int | float) else None


def sign_out() -> None:
    """End the session: forget everything this session held (OIDC: Streamlit's cookie and the provider's)."""
    user = st.session_state.get(LOCAL_USER)
    oidc = cache.settings().sign_in_mode == "oidc" and bool(st.user.get("is_logged_in"))
    email = str(st.user.get("email") or "").strip().lower() if oidc else (user or {}).get("email")
    if email:
        ACTIVITY.forget(email)
    # The next person at this browser must not inherit filters, selections or a pending preview.
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    if oidc:
        st.logout()


def sign_in_page() -> None:
    """The only page a signed-out visitor can reach."""
    st.title("Throughline")
    st.caption("Sign in to see project financials, delivery status and the ID audit.")
    idle = st.session_state.pop(SIGNED_OUT_IDLE, None)
    if idle is not None:
        st.info(f"You were signed out after {idle:g} idle minutes. Sign in again to continue.")
    if cache.settings().sign_in_mode == "oidc":
        _oidc_sign_in()
    else:
        _local_sign_in()


def _oidc_sign_in() -> None:
    if not _auth_configured():
        st.error(
            "Sign-in is set to OIDC, but Streamlit's secrets have no [auth] table: add redirect_uri, "
            "cookie_secret, client_id, client_secret and server_metadata_url under [auth] in "
            ".streamlit/secrets.toml (see .streamlit/secrets.toml.example)."
        )
        return
    if st.button("Sign in with your company account", key="oidc_login", type="primary"):
        st.login()


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # Streamlit raises it when there is no secrets file at all
        return False


def _local_sign_in() -> None:
    with st.form("local_login"):
        st.text_input("E-mail", key=LOGIN_EMAIL)
        st.text_input("Password", type="password", key=LOGIN_PASSWORD)
        st.form_submit_button("Sign in", type="primary", on_click=_check_password)
    error = st.session_state.get(SIGN_IN_ERROR)
    if error:
        st.error(error)


def _check_password() -> None:
    # A callback runs before the rerun, so the password can be wiped from the session state here.
    email = str(st.session_state.get(LOGIN_EMAIL) or "")
    password = str(st.session_state.get(LOGIN_PASSWORD) or "")
    st.session_state[LOGIN_PASSWORD] = ""
    st.session_state.pop(SIGN_IN_ERROR, None)
    if not email.strip() or not password:
        st.session_state[SIGN_IN_ERROR] = "Enter your e-mail and your password."
        return
    try:
        user = cache.store().verify_login(email, password)
    except InputError as error:
        st.session_state[SIGN_IN_ERROR] = f"Not signed in: {error}."
        return
    except ThroughlineError as error:
        st.session_state[SIGN_IN_ERROR] = f"Sign-in is unavailable: {error}"
        return
    st.session_state[LOCAL_USER] = {"email": user.email, "role": user.role}
    st.session_state[LAST_SEEN] = time.time()


def no_access_page() -> None:
    """For a signed-in person the allow-list does not know."""
    st.title("No access")
    st.error(
        "You are signed in, but your e-mail is not on Throughline's allow-list (or your sign-in provider "
        "has not verified it). Ask an admin to add it to THROUGHLINE_ACCESS__ROLES."
    )
    st.button("Sign out", key="logout_no_access", on_click=sign_out)


def allowed_pages(user: SignedIn) -> tuple[str, ...]:
    """The page names the user's role may open."""
    return ROLE_PAGES.get(user.role or "", ())
