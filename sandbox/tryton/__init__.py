"""A real Tryton 8.2 ERP for tests and demos: build a seeded SQLite database once, serve copies of it.

    python -m sandbox.tryton build                 # venv + database + seed, cached by a hash stamp
    python -m sandbox.tryton serve --port 8765     # a fresh copy of the seeded db on 127.0.0.1
    python -m sandbox.tryton crm --db PATH         # the matching HubSpot-side records for the CRM sandbox

Tryton runs in its own venv (`.venv-tryton`, from requirements-tryton.txt) so that its dependencies never
touch the dashboard's; only `seed.py` runs inside it. Everything it writes lives under `build/tryton/`.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements-tryton.txt"
VENV = ROOT / ".venv-tryton"
BUILD_DIR = ROOT / "build" / "tryton"
DATABASE = "throughline"
TEMPLATE_DB = BUILD_DIR / "template" / f"{DATABASE}.sqlite"

# Sandbox credentials: a throwaway local server on 127.0.0.1, never a real ERP. The API user has no
# employees on purpose (an employee on the user would filter Tryton's timesheet sums to that employee).
ADMIN_PASSWORD = "Throughline-Admin-2026!"
API_USER = "throughline"
API_PASSWORD = "Throughline-Api-2026!"

MODULES = ("project_invoice", "project_revenue", "timesheet_cost", "purchase")
