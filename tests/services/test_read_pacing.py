"""The full read's batch reads, paced by the rate window (services/hubspot/snapshot.py, `_Touched`).

A read that spans more than one window ends no sooner than the answers of its first requests + 10 s per
window, so the first requests should come early and the places they free 10 s later should be filled at
once; records read into the first window's unused places would take them from the deal listing, which
goes one page after another. Here the demo portfolio (300 deals) is read 100 deals a chunk under a budget
of 30 requests per 10 s, so the read spans two windows (35 requests), and each request's start is logged.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from services.hubspot import HubSpotClient
from services.hubspot import snapshot as full_read
from services.models import CrmSnapshot
from tests.sandbox_fixture import TOKEN, running_sandbox

BUDGET = 30
CHUNK = 100
SLOW_PAGE_S = 0.4


class Log(httpx.HTTPTransport):
    """Each request's start (monotonic), path and, for a batch read of records, its ids. Deal listing pages
    after the first leave `SLOW_PAGE_S` late, as over a real network (the sandbox answers in milliseconds,
    so the whole listing would otherwise end before the first chunk's associations are back, and what the
    read does meanwhile would depend on the machine's speed)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.started: list[tuple[float, str, list[str]]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/objects/2026-03/deals") and "after" in request.url.params:
            time.sleep(SLOW_PAGE_S)
        ids = []
        if "/objects/" in path and path.endswith("/batch/read"):
            ids = [str(row["id"]) for row in json.loads(request.content)["inputs"]]
        with self._lock:
            self.started.append((time.monotonic(), path, ids))
        return super().handle_request(request)


def first_chunks_records(snapshot: CrmSnapshot) -> set[str]:
    """The companies, contacts and tickets the first CHUNK deals (in id order, as listed) name."""
    first = sorted(snapshot.deals, key=lambda d: int(d.crm_deal_id))[:CHUNK]
    named: set[str] = set()
    for deal in first:
        named.update(deal.company_ids)
        named.update(deal.contact_ids)
        named.update(deal.ticket_ids)
    return named


@pytest.mark.slow
def test_records_go_early_for_the_first_chunk_then_into_freed_places(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the demo portfolio on a sandbox that enforces the same burst limit as HubSpot does (429 past it,
    # sandbox/hubspot/ratelimit.py): a 429 would be retried, and counted in the 35 requests asserted below
    extra = ("--burst-per-10s", str(BUDGET))
    with running_sandbox(tmp_path / "sandbox.sqlite", deals=300, extra=extra) as portal:
        with HubSpotClient(portal.crm_url, TOKEN, requests_per_10s=BUDGET) as plain:
            expected = plain.fetch_snapshot()  # 1,000 deals a chunk: one window
        time.sleep(10.5)  # its requests out of the sandbox's window
        monkeypatch.setattr(full_read, "ASSOCIATION_BATCH", CHUNK)
        log = Log()
        with HubSpotClient(portal.crm_url, TOKEN, requests_per_10s=BUDGET, transport=log) as client:
            paced = client.fetch_snapshot()

    assert (paced.deals, paced.companies, paced.contacts, paced.tickets) == (
        expected.deals,
        expected.companies,
        expected.contacts,
        expected.tickets,
    )
    began = log.started[0][0]
    at = [(round(t - began, 2), path, ids) for t, path, ids in log.started]
    assert len(at) == paced.requests == 35  # 3 + 2 pages, 3 x 6 association reads, 4 others, 8 batch reads
    structural_end = max(t for t, path, ids in at if not ids)
    early = first_chunks_records(expected)
    before = [(t, ids) for t, path, ids in at if ids and t <= structural_end]
    # the first 100 deals' records are read while the listing goes on...
    assert before
    assert all(set(ids) <= early for _, ids in before)
    # ...and no other: the rest wait for the listing, then take the places left, then freed ones
    assert len(at) - BUDGET == sum(1 for t, _, _ in at if t >= 10)
    assert max(t for t, _, _ in at) < 11  # the last five go as soon as the first five's places free
