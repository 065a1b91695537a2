"""The bench case of records no deal touches: does a cold HubSpot read cost what the deals touch?

Builds (once, into build/bench/) the 10,000-deal portfolio (ERP lines at the sandbox's default size: only
HubSpot is read here), copies it and adds 200,000 contacts and 20,000 companies linked to no deal (a
marketing portal's contacts, companies from a list import), serves both as HubSpot with 50 ms added to
every request and the Professional burst limit (190 per rolling 10 s), and reads each cold with the client
as the dashboard builds it. Target (issue 13): the second read costs at most 1.05 x the requests of the
first.

    python -m tests.bench.untouched
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from sandbox.db import CrmObject, dumps_properties, make_engine
from sandbox.server import ServeOptions, ensure_portfolio, free_port, start_process, stop_process
from services.hubspot import HubSpotClient
from tests.bench import floor
from tests.bench.report import Figures, Row
from tests.bench.sandboxes import BURST_PER_10S, FOLDER, LATENCY_MS
from tests.sandbox_fixture import TOKEN

DEALS = 10_000
SEED = 7
CONTACTS, COMPANIES = 200_000, 20_000
PLAIN = FOLDER / f"sandbox-hubspot-{DEALS}.sqlite"
CROWDED = FOLDER / f"sandbox-hubspot-{DEALS}-untouched.sqlite"
OUT = FOLDER / "untouched.json"
OBJECTS = CrmObject.__table__  # type: ignore[attr-defined]


def ensure_dbs() -> None:
    """The plain portfolio, and a copy with the untouched contacts and companies (each built once)."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    options = ServeOptions(deals=DEALS, seed=SEED, db=PLAIN, as_of=datetime.now(UTC).date())
    plain = make_engine(PLAIN)
    message = ensure_portfolio(plain, options)
    plain.dispose()
    if CROWDED.exists() and message.startswith("reusing"):
        return
    CROWDED.unlink(missing_ok=True)
    with sqlite3.connect(PLAIN) as source, sqlite3.connect(CROWDED) as target:
        source.backup(target)  # the WAL's pages too, which a file copy would miss
    engine = make_engine(CROWDED)
    stamp = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    with engine.begin() as conn:
        start = (conn.execute(select(func.max(OBJECTS.c.id))).scalar() or 0) + 1_000_000
        for kind, count, props in (
            ("companies", COMPANIES, lambda i: {"name": f"Listed Company {i}", "domain": f"c{i}.example"}),
            (
                "contacts",
                CONTACTS,
                lambda i: {"firstname": "Lead", "lastname": str(i), "email": f"l{i}@x.example"},
            ),
        ):
            rows = [
                {
                    "object_type": kind,
                    "id": start + i,
                    "properties": dumps_properties(props(i)),
                    "created_at": stamp + timedelta(seconds=i),
                    "updated_at": stamp + timedelta(seconds=i),
                    "archived": False,
                }
                for i in range(count)
            ]
            for chunk in range(0, len(rows), 20_000):
                conn.execute(insert(OBJECTS), rows[chunk : chunk + 20_000])
            start += count
    engine.dispose()


@contextmanager
def served(db: Path, name: str) -> Iterator[str]:
    crm_port, erp_port = free_port(), free_port()
    args = [
        "--crm-port", str(crm_port), "--erp-port", str(erp_port), "--deals", str(DEALS), "--seed", str(SEED),
        "--db", str(db), "--latency-ms", str(LATENCY_MS), "--burst-per-10s", str(BURST_PER_10S),
    ]  # fmt: skip
    crm_url = f"http://127.0.0.1:{crm_port}"
    process = start_process(args, crm_url, f"http://127.0.0.1:{erp_port}", log=FOLDER / f"{name}.log")
    try:
        yield crm_url
    finally:
        stop_process(process)


class Counting429(httpx.HTTPTransport):
    """The client's transport (the pool `build_client` would make), counting the sandbox's 429 answers."""

    def __init__(self) -> None:
        super().__init__(limits=httpx.Limits(max_connections=16, max_keepalive_connections=8))
        self.too_many = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if response.status_code == 429:
            self.too_many += 1  # one thread per request at a time: the GIL keeps += whole enough here
        return response


def cold_read(db: Path, name: str) -> dict[str, Any]:
    """One cold read of the portal in `db`: requests, seconds, the 429s the sandbox answered, the floor
    (tests/bench/floor.py) and the ratio to it, records read."""
    transport = Counting429()
    with (
        served(db, name) as url,
        HubSpotClient(url, TOKEN, requests_per_10s=BURST_PER_10S, transport=transport) as client,
    ):
        started = time.perf_counter()
        snap = client.fetch_snapshot()
        took = time.perf_counter() - started
    least = floor.crm_requests(snap)
    floor_s = floor.rate_limit_seconds(least, BURST_PER_10S, LATENCY_MS / 1000)
    return {
        "requests": snap.requests,
        "seconds": round(took, 2),
        "too_many_requests": transport.too_many,
        "floor_requests": least,
        "floor_s": round(floor_s, 2),
        "floor_ratio": round(took / floor_s, 3),
        "deals": len(snap.deals),
        "companies": len(snap.companies),
        "contacts": len(snap.contacts),
        "tickets": len(snap.tickets),
    }


def measure() -> dict[str, Any]:
    """Both cold reads (10.5 s apart, so each starts with an empty rolling window) and their ratio."""
    ensure_dbs()
    plain = cold_read(PLAIN, "untouched-plain")
    time.sleep(10.5)
    crowded = cold_read(CROWDED, "untouched-crowded")
    return {
        "plain": plain,
        "untouched": crowded,
        "requests_ratio": round(crowded["requests"] / plain["requests"], 3),
        "seconds_ratio": round(crowded["seconds"] / plain["seconds"], 3),
    }


def flat(figures: dict[str, Any]) -> dict[str, Any]:
    """The figures as build/bench.json keeps them (flat, `untouched_` first)."""
    plain, crowded = figures["plain"], figures["untouched"]
    return {
        "untouched_plain_requests": plain["requests"],
        "untouched_plain_s": plain["seconds"],
        "untouched_requests": crowded["requests"],
        "untouched_s": crowded["seconds"],
        "untouched_requests_ratio": figures["requests_ratio"],
    }


def rows(f: Figures) -> list[Row]:
    """The table's rows for `make bench`."""
    return [
        Row(
            f"cold HubSpot read with {CONTACTS:,} contacts and {COMPANIES:,} companies no deal touches",
            f"{f['untouched_requests']} requests, {f['untouched_s']:.1f} s "
            f"(without them: {f['untouched_plain_requests']}, {f['untouched_plain_s']:.1f} s)",
            "<= 1.05 x the requests without them",
            f["untouched_requests_ratio"] <= 1.05,
        )
    ]


def main() -> None:
    figures = measure()
    OUT.write_text(json.dumps(figures, indent=2))
    plain, crowded = figures["plain"], figures["untouched"]
    for label, read in (
        (f"cold HubSpot read at {DEALS:,} deals", plain),
        (f"with {CONTACTS:,} contacts and {COMPANIES:,} companies no deal touches", crowded),
    ):
        print(
            f"{label}: {read['requests']} requests, {read['seconds']} s, {read['too_many_requests']} x 429; "
            f"floor {read['floor_requests']} requests, {read['floor_s']} s; ratio {read['floor_ratio']}"
        )
    met = figures["requests_ratio"] <= 1.05
    print(f"requests ratio {figures['requests_ratio']} (target <= 1.05: {'met' if met else 'not met'})")
    print(f"records read: {json.dumps(crowded)}; figures in {OUT}")


if __name__ == "__main__":
    main()
