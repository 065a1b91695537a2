"""Some projects read alone (the deal card's ERP read) have exactly the full read's figures, on every Odoo
variant of tests/services/conftest_odoo.py, in four requests (five on 16, which reads accounts apart)."""

from __future__ import annotations

from collections.abc import Sequence

from services.models import ErpProject, ErpReceivable, ErpRecordId
from services.odoo import OdooClient
from tests.sandbox_fixture import ODOO
from tests.services.conftest_odoo import OdooSandbox


def test_projects_read_alone_have_the_full_reads_figures(odoo_sandbox: OdooSandbox) -> None:
    with OdooClient(odoo_sandbox.url, **ODOO) as client:
        full = client.fetch_snapshot()  # also asks what a client asks once (version, fields)
        invoices = {a.erp_record_id: 0 for a in full.actuals}
        for r in full.receivables:
            invoices[r.erp_record_id] += 1
        # the projects with the most invoices (shared invoices among them), and one with none
        busiest = sorted(invoices, key=lambda pid: (-invoices[pid], int(pid)))[:5]
        quiet = next(pid for pid in sorted(invoices, key=int) if invoices[pid] == 0)
        seen: list[Sequence[ErpProject]] = []
        for chosen in [*([pid] for pid in busiest), [quiet], busiest[:2]]:

            def select(projects: Sequence[ErpProject], chosen: list[ErpRecordId] = chosen) -> list[str]:
                seen.append(projects)
                return list(chosen)

            before = client.requests
            alone = client.fetch_project_read(select)
            spent = client.requests - before
            assert spent == alone.requests
            assert spent <= (5 if odoo_sandbox.version.major == 16 else 4)
            assert alone.projects == full.projects  # every project: the convention and duplicates
            assert seen[-1] == full.projects
            assert {a.erp_record_id for a in alone.actuals} == set(chosen)
            assert sorted(alone.actuals, key=lambda a: a.erp_record_id) == sorted(
                (a for a in full.actuals if a.erp_record_id in chosen), key=lambda a: a.erp_record_id
            )
            assert sorted(alone.receivables, key=_key) == sorted(
                (r for r in full.receivables if r.erp_record_id in chosen), key=_key
            )
            assert alone.unavailable == full.unavailable
        assert any(invoices[pid] > 1 for pid in busiest)
        assert quiet not in busiest


def _key(r: ErpReceivable) -> tuple[str, str]:
    return (r.erp_record_id, r.document)
