"""How this Streamlit server was started, checked by the entrypoint on every run.

Streamlit reads `.streamlit/config.toml` from the working directory only: `streamlit run
/elsewhere/dashboard/app.py` started from another folder would listen on every interface, send usage
statistics from each browser and show tracebacks. `python -m dashboard serve` (the launcher `make run`
ends in) sets all of this itself; here the entrypoint applies what can still be applied at run time (no
error details, no raw grid export) and shows no data from a server that listens on every interface or
reports usage without anyone having chosen so, saying how to start it instead.
"""

from __future__ import annotations

import streamlit as st
from streamlit import config

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def unsafe_start() -> list[str]:
    """What is unsafe about how this server was started; empty when nothing is."""
    problems = []
    address = config.get_option("server.address")
    if not config.is_manually_set("server.address") and address not in LOOPBACK:
        problems.append("it listens on every network interface")
    if config.get_option("browser.gatherUsageStats"):
        problems.append("it sends usage statistics to Streamlit")
    return problems


def secure() -> None:
    """Apply the client settings that can change at run time, and stop the page (with what to do) when
    the server itself was started unsafely."""
    st.set_option("client.showErrorDetails", "none")
    st.set_option("client.disableDataExport", True)
    problems = unsafe_start()
    if problems:
        st.error(
            "Throughline shows no data from this server: "
            + " and ".join(problems)
            + ", because it was started without Throughline's settings. Start it with "
            "`python -m dashboard serve` (or `make run`), which sets them wherever it is started from.",
            icon=":material/shield:",
        )
        st.stop()
