"""The Odoo client against the Odoo-compatible sandbox of every version, over real HTTP: what it reads, and
how it meets throttling, proxy errors, timeouts and answers it cannot read on each transport."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal

import pytest

from services.errors import BadResponseError, ConfigError, RejectedError, UnavailableError
from services.odoo import OdooClient
from tests.odoo_raw import RawOdoo
from tests.sandbox_fixture import ODOO
from tests.services.conftest_odoo import OdooSandbox


@pytest.fixture
def erp(odoo_sandbox: OdooSandbox) -> Iterator[OdooClient]:
    odoo_sandbox.sandbox.reset()
    with OdooClient(odoo_sandbox.url, **ODOO) as client:
        yield client
    odoo_sandbox.sandbox.reset()


def test_snapshot_has_every_project_with_actuals(erp: OdooClient, odoo_sandbox: OdooSandbox) -> None:
    snapshot = erp.fetch_snapshot()
    codes = [p.erp_project_id for p in snapshot.projects if p.erp_project_id]
    assert len(codes) == len(set(codes))
    orphans = {p["erp_project_id"] for p in odoo_sandbox.sandbox.manifest() if p["kind"] == "orphan"}
    assert orphans <= set(codes)
    actuals = {a.erp_record_id: a for a in snapshot.actuals}
    assert len(actuals) == len(snapshot.projects)
    assert (sum(a.labor_cost for a in actuals.values()) > 0) == odoo_sandbox.timesheets
    assert sum(a.invoiced for a in actuals.values()) > 0
    for a in actuals.values():
        assert a.outstanding == a.invoiced_gross - a.paid


def test_grouped_sums_equal_the_lines_they_group(erp: OdooClient, odoo_sandbox: OdooSandbox) -> None:
    groups = erp.line_groups([], groupby=["category"])
    raw = RawOdoo(odoo_sandbox.url)
    lines = raw.rows("account.analytic.line", [], ["category", "amount"])
    raw.close()
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[line["category"]] += Decimal(str(line["amount"]))
        counts[line["category"]] += 1
    assert {
        g["category"]: (Decimal(str(g["amount"])).quantize(Decimal("0.01")), g["__count"]) for g in groups
    } == {k: (v.quantize(Decimal("0.01")), counts[k]) for k, v in sums.items()}


def test_a_method_the_version_lacks_is_named_with_the_version_that_removed_it(
    erp: OdooClient, odoo_sandbox: OdooSandbox
) -> None:
    version = odoo_sandbox.version
    missing = "formatted_read_group" if version.major <= 18 else "read_group" if version.major >= 20 else None
    if missing is None:  # 19.0 has both
        assert erp.call("res.partner", "read_group", domain=[], fields=[], groupby=[], lazy=False)
        return
    with pytest.raises(RejectedError) as caught:
        erp.call("account.analytic.line", missing, domain=[], groupby=[])
    text = str(caught.value)
    assert f"has no method account.analytic.line.{missing}" in text
    assert ("saas-19.1" in text) == (missing == "read_group")


def test_rpc_errors_and_429s(erp: OdooClient, odoo_sandbox: OdooSandbox) -> None:
    odoo_sandbox.sandbox.faults("erp", rate_limit_next=2, retry_after_s=0.1)
    assert erp.version().label == odoo_sandbox.version.version
    odoo_sandbox.sandbox.faults("erp", malformed_next=1)
    with pytest.raises(BadResponseError):
        erp.call("res.partner", "search_count", domain=[])


def test_a_500_from_odoo_is_retried(erp: OdooClient, odoo_sandbox: OdooSandbox) -> None:
    erp.version()
    odoo_sandbox.sandbox.faults("erp", fail_next=2, error_status=500)  # Odoo's "concurrent update" error
    assert erp.call("res.partner", "search_count", domain=[]) > 0
    assert erp.requests >= 3


def test_repeated_502s_end_in_a_clear_error(odoo_sandbox: OdooSandbox) -> None:
    odoo_sandbox.sandbox.faults("erp", fail_next=10, error_status=502)
    with (
        OdooClient(odoo_sandbox.url, **ODOO, max_retries=1) as client,
        pytest.raises(UnavailableError) as caught,
    ):
        client.version()
    odoo_sandbox.sandbox.reset()
    assert caught.value.status == 502
    assert client.requests == 2


def test_a_timeout_becomes_unavailable(odoo_sandbox: OdooSandbox) -> None:
    odoo_sandbox.sandbox.faults("erp", timeout_next=3, hang_s=3)
    with OdooClient(odoo_sandbox.url, **ODOO, timeout=0.5, max_retries=1) as client:
        with pytest.raises(UnavailableError, match="within the timeout"):
            client.version()
    odoo_sandbox.sandbox.reset()


def test_a_wrong_database_says_which_setting(odoo_sandbox: OdooSandbox) -> None:
    with OdooClient(odoo_sandbox.url, "not-this-db", ODOO["login"], ODOO["api_key"]) as client:
        with pytest.raises(ConfigError) as caught:
            client.fetch_snapshot()
    assert "THROUGHLINE_ODOO__DATABASE" in str(caught.value)


def test_before_19_a_login_is_needed(odoo_sandbox: OdooSandbox) -> None:
    with OdooClient(odoo_sandbox.url, None, None, ODOO["api_key"]) as client:
        if odoo_sandbox.version.json2:  # JSON-2 takes the key alone (single-database server)
            assert client.fetch_snapshot().projects
        else:
            with pytest.raises(ConfigError, match="THROUGHLINE_ODOO__LOGIN"):
                client.fetch_snapshot()
