"""Settings (admin): which systems are connected and how, the property names and thresholds in force.

Read-only: settings come from the environment, `.env` or `.streamlit/secrets.toml`. Every secret is masked.
"""

import streamlit as st

from dashboard import columns as c
from dashboard.roles import may
from dashboard.ui import auth, cache, chrome
from dashboard.ui.tables import show
from dashboard.views import (
    connected_systems,
    portal_check_rows,
    property_rows,
    section_rows,
    settings_rows,
)

user = auth.current_user()
if user is None or not may(user.role, "view_settings"):  # the navigation hides it too; this is the check
    st.error("Only an admin may see the settings.")
    st.stop()

snap, analysis = chrome.load(
    "Settings", "What Throughline reads and how. Change them in the .env file; .env.example lists them all."
)
settings = cache.settings()
clients = cache.clients()

st.subheader("Connected systems")
mode = "the built-in sandbox (demo data)" if clients.mode == "sandbox" else "live systems"
st.markdown(f"Throughline reads **{mode}**. Sign-in: **{settings.sign_in_mode}**.")
show(connected_systems(settings), [c.SYSTEM_ROLE, c.SYSTEM, c.ADDRESS], key="systems", download=None)
st.caption(
    f"ID convention: {analysis.convention.pattern} (e.g. {analysis.convention.example()}), "
    f"{analysis.convention_source}. Snapshots are reused for {settings.cache_ttl_s} s."
)

rows = settings_rows(settings)
columns = [c.SETTING_NAME, c.SETTING_VALUE]
st.subheader("HubSpot property names")
show(property_rows(rows), columns, key="settings_properties", download=None)
if st.button("Check the HubSpot portal", key="portal_check", icon=":material/fact_check:"):
    checks = cache.portal_checks()
    if checks is None:
        st.info("The CRM has no portal check.")
    else:
        failing = [check for check in checks if not check.ok]
        message = f"{len(checks) - len(failing)} of {len(checks)} checks hold"
        (st.warning if failing else st.success)(message + (": fix the rows marked FIX." if failing else "."))
        show(portal_check_rows(checks), columns, key="settings_portal_check", download=None)
st.subheader("Thresholds")
show(section_rows(rows, "thresholds"), columns, key="settings_thresholds", download=None)
with st.expander("Every setting", icon=":material/tune:"):
    show(rows, [c.SETTING_SECTION, *columns], key="settings_all", download=None)
