"""Throughline's entrypoint: page config, sign-in, the pages each role may open, and nothing else.

Run with `python -m dashboard serve` (or `make run`, which starts the sandbox first); Throughline is
installed as a package (`pip install -e .`), so the imports below need no path edits. The page scripts live
in the top-level `pages/` folder, away from this file's folder, so a deep link always runs through this
entrypoint and its sign-in.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.roles import ROLE_PAGES, check_allow_list
from dashboard.ui import auth, cache, chrome, server
from services.errors import ThroughlineError, explain

PAGES_DIR = Path(__file__).resolve().parents[1] / "pages"
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
server.secure()
st.html(Path(__file__).parent / "ui" / "static" / "phone.css")  # style only: takes no space on the page
# Our own static script (closes the sidebar on phones after a pick), never anything from the systems.
st.sidebar.html(Path(__file__).parent / "ui" / "static" / "sidebar.html", unsafe_allow_javascript=True)

try:
    settings = cache.settings()
    check_allow_list(settings.access.roles)
except ThroughlineError as error:
    st.error(f"Throughline cannot start: {explain(error)}")
    st.stop()

if auth.DEMO_ROLE not in st.session_state:
    # Demo mode keeps "View as" in the address (?as=sales), so a reload or a shared link keeps the role.
    linked = st.query_params.get(auth.DEMO_ROLE_PARAM)
    st.session_state[auth.DEMO_ROLE] = linked if linked in ROLE_PAGES else "admin"
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
        st.query_params[auth.DEMO_ROLE_PARAM] = str(user.role)  # page switches clear it: set it each run
        chrome.demo_banner()
    allowed = auth.allowed_pages(user)
    pages = [
        st.Page(
            PAGES_DIR / f"{name}.py",
            title=PAGES[name][0],
            icon=PAGES[name][1],
            # The default page lives at the root; its own name answers too (the hidden alias below), so
            # `/overview` opens the overview. Streamlit keys a page by its url_path, hence two names.
            url_path=f"{name}-home" if i == 0 else name,
            default=i == 0,
        )
        for i, name in enumerate(allowed)
    ]
    if allowed:
        first = allowed[0]
        pages.append(
            st.Page(PAGES_DIR / f"{first}.py", title=PAGES[first][0], url_path=first, visibility="hidden")
        )
    pg = st.navigation(pages)
pg.run()
