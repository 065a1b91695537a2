"""`python -m dashboard serve`: the dashboard with its safe server settings, wherever it is started from.

Streamlit reads `.streamlit/config.toml` from the working directory only, so `streamlit run
/elsewhere/dashboard/app.py` would listen on every interface, send usage statistics and show tracebacks. The
launcher runs Streamlit from the project folder and passes the settings that matter for safety on the command
line as well (a command-line flag wins over any config file): loopback only, no usage statistics, no error
details to users, no file watcher, no raw CSV export from data grids (dashboard/export.py says why).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTRYPOINT = ROOT / "dashboard" / "app.py"
SAFE_FLAGS = (
    "--server.headless=true",
    "--browser.gatherUsageStats=false",
    "--client.showErrorDetails=none",
    "--client.toolbarMode=viewer",
    "--client.disableDataExport=true",
    "--server.fileWatcherType=none",
    "--server.runOnSave=false",
)


def command(port: int, address: str, extra: list[str] | None = None) -> list[str]:
    """The Streamlit command line the launcher runs: `extra` Streamlit flags (`--secrets.files ...`), then
    the address, the port and the safe settings, which come last so that nothing overrides them."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ENTRYPOINT),
        *(extra or []),
        f"--server.address={address}",
        f"--server.port={port}",
        *SAFE_FLAGS,
    ]


def main(argv: list[str] | None = None) -> int:
    """Replace this process with the Streamlit server (it never returns on success)."""
    parser = argparse.ArgumentParser(prog="python -m dashboard serve", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("THROUGHLINE_PORT", "8501")))
    parser.add_argument(
        "--address",
        default="127.0.0.1",
        help="listen address; keep 127.0.0.1 behind a reverse proxy that adds HTTPS",
    )
    args, extra = parser.parse_known_args(argv)
    os.chdir(ROOT)
    cmd = command(args.port, args.address, extra)
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover - execv does not return
