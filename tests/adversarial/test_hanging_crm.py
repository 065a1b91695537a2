"""The shared snapshot under a hanging HubSpot: pages get the last good data after the deadline, and a read
in progress blocks nobody. HubSpot's hang is injected in the sandbox (`timeout_next`: the request hangs,
then answers 504), so the clients under test wait on a real socket."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from dashboard.snapshot import SnapshotKeeper, StillReading
from services.hubspot import HubSpotClient
from services.odoo import OdooClient
from tests.sandbox_fixture import ODOO, TOKEN, RunningSandbox

HANG = {"timeout_next": 1000, "hang_s": 4.0, "path_contains": "/crm/"}


@pytest.fixture
def keeper(demo: RunningSandbox) -> Iterator[SnapshotKeeper]:
    demo.reset()
    with (
        HubSpotClient(demo.crm_url, TOKEN, max_retries=1, timeout=10) as crm,
        OdooClient(demo.erp_url, ODOO["database"], ODOO["login"], ODOO["api_key"]) as erp,
    ):
        kept = SnapshotKeeper(crm, erp, ttl_s=600, deadline_s=1.0)  # reads only when forced or empty
        yield kept
        demo.reset()
        kept.close()


def wait_until(check: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("the read did not land")


def test_a_hanging_crm_gives_the_last_good_data_after_the_deadline(
    keeper: SnapshotKeeper, demo: RunningSandbox
) -> None:
    wait_until(lambda: _landed(keeper))  # the first read may outlast the 1 s deadline on a busy machine
    good = keeper.get()
    assert good.refreshing_since is None
    assert good.crm is not None
    demo.faults("crm", **HANG)

    meanwhile = keeper.get(force=True)

    assert meanwhile.crm_source.read_at == good.crm_source.read_at  # the last good data
    assert meanwhile.crm == good.crm
    assert meanwhile.refreshing_since is not None  # ... said to be so
    # Another session asking while the read hangs gets the same last good data: nobody waits on the read.
    with ThreadPoolExecutor(max_workers=3) as pool:
        others = list(pool.map(lambda _: keeper.get(), range(3)))
    assert all(o.crm_source.read_at == good.crm_source.read_at for o in others)
    assert all(o.refreshing_since == meanwhile.refreshing_since for o in others)  # one read, not three

    demo.reset()  # HubSpot answers again: the read in progress lands for the next page run
    wait_until(lambda: keeper.get().refreshing_since is None)
    latest = keeper.get()
    assert latest.crm_source.read_at is not None
    assert good.crm_source.read_at is not None
    assert latest.crm_source.read_at > good.crm_source.read_at


def test_the_first_read_past_the_deadline_says_it_is_still_reading(
    keeper: SnapshotKeeper, demo: RunningSandbox
) -> None:
    demo.faults("crm", **HANG)
    with pytest.raises(StillReading, match=r"has taken more than 1 s; the page fills in when they answer"):
        keeper.get()
    demo.reset()
    wait_until(lambda: _landed(keeper))
    assert keeper.get().crm is not None


def _landed(keeper: SnapshotKeeper) -> bool:
    try:
        keeper.get()
    except StillReading:
        return False
    return True
