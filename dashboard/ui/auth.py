"""Sign-in: OIDC through st.login, local accounts from the store, or none on the sandbox (with a banner).

The signed-in person's role comes from the allow-list in the settings (OIDC) or from their account (local);
an unknown person gets no page at all. Idle sessions are signed out after the configured time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from dashboard.roles import ROLE_PAGES, Actor, role_for
from dashboard.ui import cache
from services.errors import InputError, ThroughlineError

LOCAL_USER = "local_user"
LAST_SEEN = "last_seen"
DEMO_ROLE = "demo_role"


@dataclass(frozen=True)
class SignedIn:
    email: str
    name: str
    role: str | None
    mode: str

    @property
    def actor(self) -> Actor:
        return Actor(self.email, self.role)


def current_user() -> SignedIn | None:
    """The signed-in person, or None when nobody is (or the session went idle)."""
    settings = cache.settings()
    mode = settings.sign_in_mode
    if mode == "none":
        role = st.session_state.get(DEMO_ROLE, "admin")
        return SignedIn("demo@throughline.local", "Demo user", role, "demo")
    if _idle_expired(settings.access.idle_timeout_min):
        sign_out()
        return None
    if mode == "oidc":
        user = st.user
        if not user.get("is_logged_in"):
            return None
        email = str(user.get("email") or "")
        return SignedIn(email, str(user.get("name") or email), role_for(email, settings.access.roles), "oidc")
    account = st.session_state.get(LOCAL_USER)
    if not account:
        return None
    return SignedIn(account["email"], account["email"], account["role"], "local")


def _idle_expired(minutes: float) -> bool:
    now = time.time()
    last = st.session_state.get(LAST_SEEN)
    st.session_state[LAST_SEEN] = now
    return last is not None and now - float(last) > minutes * 60


def sign_out() -> None:
    """End the session (OIDC: Streamlit clears its cookie and calls the provider's logout)."""
    st.session_state.pop(LOCAL_USER, None)
    st.session_state.pop(LAST_SEEN, None)
    if cache.settings().sign_in_mode == "oidc" and st.user.get("is_logged_in"):
        st.logout()


def sign_in_page() -> None:
    """The only page a signed-out visitor can reach."""
    st.title("Throughline")
    st.caption("Sign in to see project financials, delivery status and the ID audit.")
    mode = cache.settings().sign_in_mode
    if mode == "oidc":
        if st.button("Sign in with your company account", key="oidc_login", type="primary"):
            st.login()
        return
    with st.form("local_login"):
        email = st.text_input("E-mail", key="login_email")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            user = cache.store().verify_login(email, password)
        except InputError as error:
            st.error(str(error))
            return
        except ThroughlineError as error:
            st.error(f"Sign-in is unavailable: {error}")
            return
        st.session_state[LOCAL_USER] = {"email": user.email, "role": user.role}
        st.rerun()


def no_access_page() -> None:
    """For a signed-in person the allow-list does not know."""
    st.title("No access")
    st.error("You are signed in, but your e-mail is not on Throughline's allow-list. Ask an admin to add it.")
    st.button("Sign out", key="logout_no_access", on_click=sign_out)


def allowed_pages(user: SignedIn) -> tuple[str, ...]:
    """The page names the user's role may open."""
    return ROLE_PAGES.get(user.role or "", ())
