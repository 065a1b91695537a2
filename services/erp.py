"""The ERP adapter contract: every ERP client (Odoo, Tryton, later QuickBooks, NetSuite, SAP) fills it."""

from __future__ import annotations

from typing import Protocol

from services.models import ErpDocumentLine, ErpSnapshot


class ErpClient(Protocol):
    """What the dashboard needs from an ERP: the portfolio's projects and actuals, one project's lines."""

    requests: int

    def fetch_snapshot(self) -> ErpSnapshot:
        """Projects, per-project actuals and receivables, read now."""
        ...

    def fetch_project_documents(self, erp_record_id: str) -> list[ErpDocumentLine]:
        """The lines behind one project's figures (read on demand)."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
