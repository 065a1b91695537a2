"""`python -m dashboard.api [--port 8502] [--address 127.0.0.1]`: the card's API, on uvicorn.

Reads the same settings as the dashboard (THROUGHLINE_API__PORT, __ADDRESS, __PUBLIC_URL,
__DASHBOARD_URL, THROUGHLINE_HUBSPOT__APP_CLIENT_SECRET). Listens on loopback by default: put it behind a
reverse proxy that adds HTTPS, as HubSpot calls HTTPS addresses only. Exit status 2 with a message naming the
setting to fix when the settings are wrong.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from dashboard.api.app import create_app
from dashboard.settings import load_settings
from services import log
from services.errors import ThroughlineError, explain


def main(argv: list[str] | None = None) -> int:
    """Serve the API until interrupted; 2 when the settings are wrong."""
    parser = argparse.ArgumentParser(prog="python -m dashboard.api", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None, help="default: THROUGHLINE_API__PORT (8502)")
    parser.add_argument("--address", default=None, help="default: THROUGHLINE_API__ADDRESS (127.0.0.1)")
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        log.configure(settings.log.level, settings.log.format)
        app = create_app(settings)
    except ThroughlineError as error:
        print(f"Throughline's API cannot start: {explain(error)}", file=sys.stderr)
        return 2
    uvicorn.run(
        app,
        host=args.address or settings.api.address,
        port=args.port or settings.api.port,
        log_level="warning",
        access_log=False,  # each request is logged once, by the app, as `api.request`
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
