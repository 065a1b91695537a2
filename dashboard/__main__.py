"""`python -m dashboard report|serve|connect|doctor ...`: the numbers for scripts (report.py), the server
(serve.py), connecting an ERP that needs an administrator's consent (connect.py: QuickBooks), the portal
check (doctor.py).

Accounts: `python -m dashboard.users`.
"""

from __future__ import annotations

import sys

USAGE = (
    "usage: python -m dashboard report audit|figures|handover [--format json|csv]\n"
    "       python -m dashboard serve [--port 8501] [--address 127.0.0.1]\n"
    "       python -m dashboard connect quickbooks [--no-browser] [--timeout 300]\n"
    "       python -m dashboard doctor"
)


def main(argv: list[str]) -> int:
    """Dispatch to the subcommand."""
    if not argv or argv[0] not in ("report", "serve", "connect", "doctor"):
        print(USAGE, file=sys.stderr)
        return 2
    if argv[0] == "serve":
        from dashboard.serve import main as serve

        return serve(argv[1:])
    if argv[0] == "doctor":
        from dashboard.doctor import main as doctor

        return doctor(argv[1:])
    if argv[0] == "connect":
        from dashboard.connect import main as connect

        return connect(argv[1:])
    from dashboard.report import main as report

    return report(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
