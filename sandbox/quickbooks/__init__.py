"""A QuickBooks Online-compatible sandbox: the Accounting API subset Throughline and python-quickbooks use
(app.py: queries, reads, writes, change data capture; query.py: the query language; writes.py), Intuit's
OAuth server (oauth.py), entities with Intuit's field names (books.py), stored in the sandbox database
(store.py). `python -m sandbox serve --erp quickbooks` serves it on the ERP port with the demo portfolio
in QuickBooks terms (sandbox/portfolio/quickbooks.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from sandbox.quickbooks.app import create_quickbooks_app
from sandbox.quickbooks.oauth import AppKeys, app_keys
from sandbox.quickbooks.query import instant_key
from sandbox.quickbooks.store import EntityStore, dumps

__all__ = ["AppKeys", "EntityStore", "app_keys", "create_quickbooks_app", "write_books"]


def write_books(engine: Engine, entities: dict[str, list[dict[str, Any]]]) -> int:
    """Insert a planned company's entities into the sandbox database; how many were written."""
    store = EntityStore(engine)
    rows = []
    for entity, items in entities.items():
        for position, row in enumerate(items, start=1):
            updated = instant_key(row["MetaData"]["LastUpdatedTime"]) or ""
            rows.append((entity, int(row.get("Id") or position), dumps(row), updated))
    store.bulk_insert(rows)
    return len(rows)
