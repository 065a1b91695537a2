"""`python -m dashboard report audit|figures|handover [--format json|csv]`: the numbers for scripts.

Reads the configured systems (or, with nothing configured, the sandbox `python -m sandbox serve` or
`make run` started) and prints the audit findings, the per-project figures or the handover list.
Exit status: 0 when printed, 2 when the settings are wrong or a source could not be read (the message says
what to check, on stderr).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from datetime import date, datetime
from typing import Any

import pandas as pd

from dashboard import columns as c
from dashboard.analysis import Analysis, analyze, params_from_settings
from dashboard.export import neutralize
from dashboard.settings import load_settings
from dashboard.snapshot import refresh_snapshot
from dashboard.wiring import build_clients
from services import log
from services.errors import ThroughlineError, explain
from services.store import Store

AUDIT_FIELDS = ("kind", "crm_deal_id", "erp_project_id", "raw_id", "suggested_id", "confidence", "band")


def audit_rows(analysis: Analysis) -> list[dict[str, Any]]:
    """The open findings in the report's JSON shape (kinds named as in the sandbox manifest)."""
    return [{name: getattr(f, name) for name in AUDIT_FIELDS} for f in analysis.findings]


def table(analysis: Analysis, what: str) -> pd.DataFrame:
    """The rows of one report as a frame."""
    if what == "audit":
        return pd.DataFrame(audit_rows(analysis), columns=list(AUDIT_FIELDS))
    if what == "figures":
        return analysis.figures[[col for col in c.FIGURES_REPORT if col in analysis.figures.columns]]
    frame = analysis.handover[[col for col in c.HANDOVER_TABLE if col in analysis.handover.columns]].copy()
    frame[c.MISSING_ITEMS] = frame[c.MISSING_ITEMS].map(lambda items: "; ".join(items) if items else "")
    return frame


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT or value is None:
        return None
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return _plain(value.item())
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as JSON-ready objects: NaN and NaT as None, dates as YYYY-MM-DD, numpy values as Python's."""
    return [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def render(frame: pd.DataFrame, fmt: str) -> str:
    """JSON (a list of objects) or CSV (formula cells neutralized) text."""
    if fmt == "csv":
        return str(neutralize(frame).to_csv(index=False)).rstrip("\n")
    return json.dumps(records(frame), indent=2, ensure_ascii=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard report", description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("audit", "figures", "handover"))
    parser.add_argument("--format", choices=("json", "csv"), default="json")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="date for aging (default today)"
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        log.configure(settings.log.level, settings.log.format)
        clients = build_clients(settings)
        try:
            snapshot = refresh_snapshot(
                clients.crm, clients.erp, labels=(clients.crm_label, clients.erp_label)
            )
        finally:
            clients.close()
        for source in (snapshot.crm_source, snapshot.erp_source):
            if source.error:
                print(f"{source.label} could not be read: {source.error}", file=sys.stderr)
                return 2
        accepted: frozenset[str] = frozenset()
        if args.what == "audit":
            store = Store(settings.store.database_url.get_secret_value())
            store.migrate()
            accepted = store.accepted_keys()
        analysis = analyze(snapshot, params_from_settings(settings, args.as_of), accepted_keys=accepted)
    except ThroughlineError as error:
        print(explain(error), file=sys.stderr)
        return 2
    print(render(table(analysis, args.what), args.format))
    return 0
