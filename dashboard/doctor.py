"""`python -m dashboard doctor`: check that the HubSpot portal holds what Throughline reads and writes.

Reads the portal's schema (properties, the project object's schema, association labels), the token's
scopes and the day's remaining quota, and prints one line per item: OK, or FIX with what to do, in the
portal's own names (services/hubspot/doctor.py). Writes nothing. Exit status 0 when every check holds, 2
when one does not or the settings are wrong. With nothing configured it checks the sandbox.
"""

from __future__ import annotations

import argparse
import sys

from dashboard.settings import load_settings
from dashboard.wiring import portal_client
from services import log
from services.errors import ThroughlineError, explain
from services.hubspot.doctor import Check, check_portal


def lines(checks: list[Check]) -> list[str]:
    """One line per check: `OK   item: detail` or `FIX  item: what to do`."""
    return [f"{'OK ' if check.ok else 'FIX'}  {check.item}: {check.detail}" for check in checks]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard doctor", description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    try:
        settings = load_settings()
        log.configure(settings.log.level, settings.log.format)
        with portal_client(settings) as client:
            checks = check_portal(client)
    except ThroughlineError as error:
        print(explain(error), file=sys.stderr)
        return 2
    for line in lines(checks):
        print(line)
    failed = [check for check in checks if not check.ok]
    print(
        f"{len(checks) - len(failed)} of {len(checks)} checks hold"
        + (f"; fix the {len(failed)} marked FIX" if failed else "")
    )
    return 2 if failed else 0
