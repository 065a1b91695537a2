"""`python -m sandbox demo` (what `make run` runs): the sandbox servers, then the dashboard reading them.

The runner owns the demo: it starts (or reuses) the HubSpot- and Odoo-compatible servers on their ports,
tells the dashboard where they answer through its settings (THROUGHLINE_SANDBOX__*), and starts the
dashboard with its launcher (`python -m dashboard serve`, which applies the safe server settings) and, beside
it on the same settings, the HubSpot card's API (`python -m dashboard.api`). When the dashboard stops
(Ctrl-C), the API and the servers it started stop too. The dashboard itself never imports the sandbox.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sandbox.hubspot.portal import DEFAULT, PORTALS
from sandbox.server import is_up, start_process, stop_process
from sandbox.settings import portal_settings

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class DemoOptions:
    deals: int = 300
    seed: int = 7
    db: Path = ROOT / "data" / "sandbox.sqlite"
    crm_port: int = 8601
    erp_port: int = 8602
    dashboard_port: int = 8501
    api_port: int = 8502
    serve_args: tuple[str, ...] = ()
    """More `python -m sandbox serve` flags (an Odoo version, a portal variant, faults)."""


def dashboard_env(options: DemoOptions) -> dict[str, str]:
    """The settings that point the dashboard at this sandbox (with a `--portal` flag among the serve
    flags, the portal's own names too)."""
    args = list(options.serve_args)
    portal = next((a.split("=", 1)[1] for a in args if a.startswith("--portal=")), None)
    if "--portal" in args[:-1]:
        portal = args[args.index("--portal") + 1]
    return {
        "THROUGHLINE_SANDBOX__HOST": "127.0.0.1",
        "THROUGHLINE_SANDBOX__CRM_PORT": str(options.crm_port),
        "THROUGHLINE_SANDBOX__ERP_PORT": str(options.erp_port),
        "THROUGHLINE_API__PORT": str(options.api_port),
        "THROUGHLINE_API__DASHBOARD_URL": f"http://127.0.0.1:{options.dashboard_port}",
    } | portal_settings(PORTALS.get(portal or "default", DEFAULT))


def run(options: DemoOptions) -> int:
    """Start the sandbox (unless it answers already), then the dashboard in the foreground."""
    # a SIGTERM (a supervisor, a test) ends the run like Ctrl-C does, so the servers started here stop too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    crm_url = f"http://127.0.0.1:{options.crm_port}"
    erp_url = f"http://127.0.0.1:{options.erp_port}"
    started = None
    if is_up(crm_url) and is_up(erp_url):
        print(f"Reusing the sandbox already answering on {crm_url} and {erp_url}.", flush=True)
    else:
        print(f"Starting the sandbox ({options.deals} deals, seed {options.seed})…", flush=True)
        options.db.parent.mkdir(parents=True, exist_ok=True)
        args = [
            "--crm-port", str(options.crm_port), "--erp-port", str(options.erp_port),
            "--deals", str(options.deals), "--seed", str(options.seed), "--db", str(options.db),
            *options.serve_args,
        ]  # fmt: skip
        started = start_process(args, crm_url, erp_url, log=options.db.with_suffix(".log"))
    env = os.environ | dashboard_env(options)
    # the card's API, in its own process group so that stopping it stops nothing else
    api = subprocess.Popen([sys.executable, "-m", "dashboard.api"], cwd=ROOT, env=env, start_new_session=True)
    print(
        f"Dashboard on http://127.0.0.1:{options.dashboard_port}, the HubSpot card's API on "
        f"http://127.0.0.1:{options.api_port} (try: python -m sandbox.hubspot.signing card --deal "
        "<a deal id>). Ctrl-C stops all.",
        flush=True,
    )
    command = [sys.executable, "-m", "dashboard", "serve", "--port", str(options.dashboard_port)]
    try:
        return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
    except (KeyboardInterrupt, SystemExit):
        return 0
    finally:
        stop_process(api)
        if started is not None:
            stop_process(started)
