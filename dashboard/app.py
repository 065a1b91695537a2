"""Throughline's entrypoint: page config, sign-in, the pages each role may open, and nothing else.

Run with `streamlit run dashboard/app.py` (or `make run`). The page scripts live in the top-level `pages/`
folder, away from this file's folder, so a deep link always runs through this entrypoint and its sign-in.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run dashboard/app.py` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from dashboard.roles import ROLE_PAGES, check_allow_list  # noqa: E402
from dashboard.ui import auth, cache, chrome  # noqa: E402
from dashboard.usecases import explain  # noqa: E402
from services.errors import ThroughlineError  # noqa: E402

PAGES_DIR = ROOT / "pages"
PAGES = {
    "overview": ("Overview", ":material/dashboard:"),
    "margin": ("Margin", ":material/trending_up:"),
    "project": ("Project", ":material/work:"),
    "handover": ("Handover", ":material/handshake:"),
    "audit": ("ID audit", ":material/rule:"),
    "delivery": ("Delivery status", ":material/local_shipping:"),
    "history": ("Corrections log", ":material/history:"),
    "settings": ("Settings", ":material/settings:"),
}

st.set_page_config(page_title="Throughline", page_icon="🧭", layout="wide")

try:
    settings = cache.settings()
    check_allow_list(settings.access.roles)
except ThroughlineError as error:
    st.error(f"Throughline cannot start: {explain(error)}")
    st.stop()

st.session_state.setdefault(auth.DEMO_ROLE, "admin")
user = auth.current_user()
if user is None:
    # Only the sign-in page, but under every page's address too: a bookmark shows the sign-in form (not
    # "page not found"), and once signed in the same address opens the real page if the role has it.
    pg = st.navigation(
        [st.Page(auth.sign_in_page, title="Sign in", icon=":material/login:", default=True)]
        + [st.Page(auth.sign_in_page, title="Sign in", url_path=name, visibility="hidden") for name in PAGES],
        position="hidden",
    )
elif user.role not in ROLE_PAGES:
    pg = st.navigation([st.Page(auth.no_access_page, title="No access")], position="hidden")
else:
    with st.sidebar:
        st.caption(f"Signed in as **{user.name}** ({user.role})")
        if user.mode == "demo":
            st.selectbox(
                "View as",
                list(ROLE_PAGES),
                key=auth.DEMO_ROLE,
                help="Demo only: see the dashboard as each role",
            )
        else:
            st.button("Sign out", key="logout", on_click=auth.sign_out, icon=":material/logout:")
    if user.mode == "demo":
        chrome.demo_banner()
    pages = [
        st.Page(
            PAGES_DIR / f"{name}.py", title=PAGES[name][0], icon=PAGES[name][1], url_path=name, default=i == 0
        )
        for i, name in enumerate(auth.allowed_pages(user))
    ]
    pg = st.navigation(pages)
pg.run()
