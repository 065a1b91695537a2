"""`python -m sandbox.tryton build|serve|crm|manifest|run-dashboard`: a local Tryton ERP, its CRM side."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from sandbox.tryton import BUILD_DIR, ROOT

log = logging.getLogger("sandbox.tryton")
CRM_DB = BUILD_DIR / "crm.sqlite"
CRM_TOKEN = "sandbox-token"


def _say(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _stop_on_signals() -> None:
    """Turn SIGTERM and SIGINT into KeyboardInterrupt, so `finally` blocks stop what was started.

    SIGINT too: a shell starts background jobs with SIGINT ignored, and Python then keeps ignoring it.
    """
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM."""
    _stop_on_signals()
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass


def serve(port: int | None) -> None:
    """Serve a fresh copy of the seeded database until interrupted."""
    from sandbox.tryton.build import ensure_template
    from sandbox.tryton.server import TrytonServer

    with TrytonServer(template=ensure_template(), port=port) as server:
        _say(
            f"Tryton 8.2 JSON-RPC on {server.url}/{server.database}/rpc/ (database '{server.database}', "
            f"user '{server.user}', password: API_PASSWORD in sandbox/tryton/__init__.py); pid {server.pid}"
        )
        _wait_for_signal()


def write_crm(db: Path) -> list[dict[str, str | None]]:
    """Replace `db` with the CRM side of the Tryton portfolio; return the manifest."""
    from sandbox.tryton.portfolio import write_crm_records

    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return write_crm_records(db)


def run_dashboard(crm_port: int, erp_port: int, tryton_port: int | None, dashboard_port: int) -> int:
    """The dashboard on a HubSpot sandbox holding the Tryton portfolio's deals and a local seeded Tryton."""
    from sandbox.server import start_process, stop_process
    from sandbox.tryton.build import ensure_template
    from sandbox.tryton.portfolio import CRM_SEED, crm_deals
    from sandbox.tryton.server import TrytonServer

    _stop_on_signals()
    template = ensure_template()
    write_crm(CRM_DB)
    crm_url, erp_url = f"http://127.0.0.1:{crm_port}", f"http://127.0.0.1:{erp_port}"
    # The sandbox reuses the records written above because the db's reuse key matches --deals and --seed.
    args = [
        "--crm-port",
        str(crm_port),
        "--erp-port",
        str(erp_port),
        "--db",
        str(CRM_DB),
        "--token",
        CRM_TOKEN,
    ]
    args += ["--deals", str(len(crm_deals())), "--seed", str(CRM_SEED)]
    crm = start_process(args, crm_url, erp_url, log=BUILD_DIR / "logs" / "crm-sandbox.log")
    try:
        with TrytonServer(template=template, port=tryton_port) as tryton:
            env = os.environ | {
                "THROUGHLINE_ERP": "tryton",
                "THROUGHLINE_SANDBOX__CRM_PORT": str(crm_port),
                "THROUGHLINE_SANDBOX__ERP_PORT": str(erp_port),
                "THROUGHLINE_SANDBOX__ERP": "tryton",
                "THROUGHLINE_SANDBOX__TRYTON_URL": tryton.url,
                "THROUGHLINE_SANDBOX__TRYTON_DATABASE": tryton.database,
                "THROUGHLINE_SANDBOX__TRYTON_USER": tryton.user,
                "THROUGHLINE_SANDBOX__TRYTON_PASSWORD": tryton.password,
            }
            _say(f"HubSpot sandbox on {crm_url}, Tryton on {tryton.url}; dashboard on port {dashboard_port}")
            command = [sys.executable, "-m", "dashboard", "serve", "--port", str(dashboard_port)]
            try:
                return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode
            except KeyboardInterrupt:
                return 0
    finally:
        stop_process(crm)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m sandbox.tryton", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build the seeded template (cached under build/tryton/)")
    serve_cmd = commands.add_parser("serve", help="serve a fresh copy of the seeded database")
    serve_cmd.add_argument("--port", type=int, default=None, help="default: a free port")
    crm_cmd = commands.add_parser("crm", help="write the matching HubSpot sandbox records into a new db")
    crm_cmd.add_argument("--db", type=Path, default=CRM_DB)
    commands.add_parser("manifest", help="print the deliberate ID problems as JSON")
    run_cmd = commands.add_parser("run-dashboard", help="the dashboard on the HubSpot sandbox and Tryton")
    run_cmd.add_argument("--crm-port", type=int, default=8611)
    run_cmd.add_argument("--erp-port", type=int, default=8612, help="the sandbox's unused Odoo side")
    run_cmd.add_argument("--tryton-port", type=int, default=8765)
    run_cmd.add_argument("--port", type=int, default=8501, help="the dashboard's port")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[tryton] %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.command == "build":
        from sandbox.tryton.build import main as build

        build()
    elif args.command == "serve":
        serve(args.port)
    elif args.command == "crm":
        _say(json.dumps(write_crm(args.db), indent=2, ensure_ascii=False))
    elif args.command == "manifest":
        from sandbox.tryton.portfolio import manifest

        _say(json.dumps(manifest(), indent=2, ensure_ascii=False))
    else:
        sys.exit(run_dashboard(args.crm_port, args.erp_port, args.tryton_port, args.port))


if __name__ == "__main__":
    main()
