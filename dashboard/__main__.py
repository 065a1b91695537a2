"""`python -m dashboard report ...` (see dashboard/report.py); accounts: `python -m dashboard.users`."""

from __future__ import annotations

import sys

from dashboard.report import main

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] != "report":
        print("usage: python -m dashboard report audit|figures|handover [--format json|csv]", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[2:]))
