"""Runs the sandbox: builds the demo portfolio when needed and serves both APIs with uvicorn.

The ERP port serves Odoo's JSON-RPC by default, or QuickBooks Online's Accounting API and OAuth endpoints
with `erp="quickbooks"` (the same deals and ID problems, booked in QuickBooks terms)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session, select

from sandbox.db import SandboxMeta, create_schema, make_engine
from sandbox.faults import Faults, FaultSettings
from sandbox.odoo.versions import DEFAULT_VERSION

if TYPE_CHECKING:
    from sandbox.hubspot.portal import Portal


@dataclass
class ServeOptions:
    host: str = "127.0.0.1"
    crm_port: int = 8601
    erp_port: int = 8602
    deals: int = 300
    seed: int = 7
    db: Path = Path("data/sandbox.sqlite")
    token: str = "sandbox-token"
    odoo_database: str = "sandbox"
    odoo_login: str = "admin"
    odoo_api_key: str = "sandbox-key"
    odoo_version: str = DEFAULT_VERSION
    """Which Odoo the ERP side answers as: 16, 17, 18, 19, saas-19.2, 20 or 22 (sandbox.odoo.versions)."""
    odoo_modules: str | None = None
    """Installed Odoo modules, comma-separated (default all: analytic,account,project,hr,hr_timesheet)."""
    fresh: bool = False
    as_of: date | None = None
    erp_lines_per_project: int | None = None
    burst_per_10s: int | None = None
    search_per_s: int | None = 5
    faults: FaultSettings = field(default_factory=FaultSettings)
    erp: str = "odoo"
    """odoo, or quickbooks: which ERP the ERP port imitates."""
    qbo_project_id: str = "display_name"
    """Where the QuickBooks projects carry their ID: display_name ("PRJ-00042 · …") or notes."""
    qbo_requests_per_minute: int = 500
    qbo_requests_per_second: int = 10
    qbo_access_ttl_s: float = 3600.0
    qbo_redirect_uri: str = "http://localhost:8725/callback"
    portal: str = "default"
    """default, or varied: a HubSpot portal set up otherwise than the dashboard's defaults
    (sandbox/hubspot/portal.py)."""
    search_index_delay_s: float | None = None
    """Seconds a write takes to show in search; None: the portal's own (0 default, 5 varied)."""


def ensure_portfolio(engine: Engine, options: ServeOptions) -> str:
    """Build the demo portfolio unless the database already holds one made with the same size and seed."""
    from sandbox.hubspot.portal import PORTALS
    from sandbox.hubspot.portal_data import apply_portal
    from sandbox.odoo.versions import sandbox_version
    from sandbox.portfolio import plan_portfolio, write_portfolio

    create_schema(engine)
    plan_columns = sandbox_version(options.odoo_version).plan_columns  # 16 stores one account per line
    wanted: dict[str, object] = {
        "deals": options.deals,
        "seed": options.seed,
        "erp_lines_per_project": options.erp_lines_per_project,
        "odoo_plan_columns": plan_columns,
    }
    if options.erp == "quickbooks":
        wanted = {"deals": options.deals, "seed": options.seed, "qbo_project_id": options.qbo_project_id}
    if options.portal != "default":  # the default portal's key stays what it was, so its databases are reused
        wanted["portal"] = options.portal
    with Session(engine) as session:
        meta = session.exec(select(SandboxMeta).where(SandboxMeta.key == "portfolio")).first()
    if meta is not None and not options.fresh:
        have = json.loads(meta.value)
        same_erp = have.get("erp", "odoo") == options.erp
        same_erp = same_erp and have.get("portal", "default") == options.portal
        if same_erp and all(have.get(k) == v for k, v in wanted.items()):
            return f"reusing the demo portfolio in {options.db} (built for {have.get('as_of')})"
    if options.db.exists() and (options.fresh or meta is not None):
        engine.dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{options.db}{suffix}").unlink(missing_ok=True)
        create_schema(engine)
    as_of = options.as_of or datetime.now(UTC).date()
    started = time.perf_counter()
    if options.erp == "quickbooks":
        return _build_quickbooks(engine, options, as_of, started)
    portfolio = plan_portfolio(
        deals=options.deals,
        seed=options.seed,
        as_of=as_of,
        erp_lines_per_project=options.erp_lines_per_project,
        odoo_plan_columns=plan_columns,
    )
    write_portfolio(engine, portfolio)
    apply_portal(engine, PORTALS[options.portal])
    with Session(engine) as session:
        session.merge(SandboxMeta(key="portfolio", value=json.dumps(wanted | {"as_of": as_of.isoformat()})))
        session.commit()
    took = time.perf_counter() - started
    return f"built the demo portfolio ({options.deals} deals, seed {options.seed}) in {took:.1f} s"


def _build_quickbooks(engine: Engine, options: ServeOptions, as_of: date, started: float) -> str:
    from sandbox.hubspot.portal import PORTALS
    from sandbox.hubspot.portal_data import apply_portal
    from sandbox.portfolio import write_portfolio
    from sandbox.portfolio.quickbooks import plan_quickbooks_portfolio
    from sandbox.quickbooks import write_books

    portfolio, books = plan_quickbooks_portfolio(
        deals=options.deals,
        seed=options.seed,
        as_of=as_of,
        id_field=options.qbo_project_id,  # type: ignore[arg-type]
    )
    write_portfolio(engine, portfolio)
    apply_portal(engine, PORTALS[options.portal])
    count = write_books(engine, books.entities)
    took = time.perf_counter() - started
    return (
        f"built the demo portfolio ({options.deals} deals, seed {options.seed}; {count} QuickBooks entities) "
        f"in {took:.1f} s"
    )


async def _serve(servers: list[uvicorn.Server]) -> None:
    await asyncio.gather(*(server.serve() for server in servers))


def serve(options: ServeOptions) -> None:
    """Build or reuse the portfolio, print what is served, and serve both APIs until interrupted."""
    from sandbox.hubspot import HubSpotLimits, create_hubspot_app
    from sandbox.odoo import create_odoo_app
    from sandbox.odoo.versions import installed_modules, sandbox_version

    version, modules = sandbox_version(options.odoo_version), installed_modules(options.odoo_modules)
    options.db.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(options.db)
    print(ensure_portfolio(engine, options), flush=True)  # noqa: T201
    crm_faults = Faults(options.faults.model_copy(), seed=options.seed)
    erp_faults = Faults(options.faults.model_copy(), seed=options.seed + 1)
    limits = HubSpotLimits(burst_per_10s=options.burst_per_10s, search_per_s=options.search_per_s)
    crm_app = create_hubspot_app(
        engine,
        token=options.token,
        faults=crm_faults,
        limits=limits,
        seed=options.seed,
        portal=_portal(options),
    )
    if options.erp == "quickbooks":
        erp_app, erp_line = _quickbooks_app(engine, options, erp_faults)
    else:
        erp_app = create_odoo_app(
            engine,
            database=options.odoo_database,
            login=options.odoo_login,
            api_key=options.odoo_api_key,
            faults=erp_faults,
            version=version,
            modules=modules,
        )
        erp_line = (
            f"Odoo {version.version}-compatible API on http://{options.host}:{options.erp_port} "
            f"({'JSON-2 at /json/2, ' if version.json2 else ''}"
            f"{'JSON-RPC at /jsonrpc, ' if version.jsonrpc else ''}"
            f"database '{options.odoo_database}', login '{options.odoo_login}', API key: --odoo-api-key; "
            f"modules {', '.join(sorted(modules))})"
        )
    servers = [
        uvicorn.Server(
            uvicorn.Config(app, host=options.host, port=port, log_level="warning", access_log=False)
        )
        for app, port in ((crm_app, options.crm_port), (erp_app, options.erp_port))
    ]
    print(  # noqa: T201
        f"HubSpot-compatible API on http://{options.host}:{options.crm_port} (bearer token: --token)\n"
        f"{erp_line}\n"
        f"fault control on /__sandbox__/faults of either server; data in {options.db}",
        flush=True,
    )
    asyncio.run(_serve(servers))


def _portal(options: ServeOptions) -> Portal:
    """The portal served: the named one, with the search index delay asked for."""
    from sandbox.hubspot.portal import PORTALS

    portal = PORTALS[options.portal]
    if options.search_index_delay_s is None:
        return portal
    return replace(portal, search_index_delay_s=options.search_index_delay_s)


def _quickbooks_app(engine: Engine, options: ServeOptions, faults: Faults) -> tuple[object, str]:
    from sandbox.quickbooks import EntityStore, app_keys, create_quickbooks_app

    keys = app_keys(options.seed, tuple(options.qbo_redirect_uri.split(",")))
    app = create_quickbooks_app(
        EntityStore(engine),
        keys,
        faults=faults,
        requests_per_minute=options.qbo_requests_per_minute,
        requests_per_second=options.qbo_requests_per_second,
        access_ttl_s=options.qbo_access_ttl_s,
    )
    line = (
        f"QuickBooks Online-compatible API on http://{options.host}:{options.erp_port}/v3/company/"
        f"{keys.realm_id} and Intuit-style OAuth (discovery at /.well-known/openid_configuration); app "
        f"keys, company id and refresh token: python -m sandbox env --erp quickbooks --seed {options.seed}"
    )
    return app, line


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_up(url: str) -> bool:
    """True when a sandbox control path answers at `url`."""
    try:
        return httpx.get(f"{url}/__sandbox__/faults", timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def start_process(
    args: list[str], crm_url: str, erp_url: str, *, timeout: float = 300.0, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `python -m sandbox serve ARGS` in its own process group and wait until both APIs answer."""
    out = open(log, "ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "serve", *args],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        cwd=Path(__file__).resolve().parents[1],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the sandbox exited with code {process.returncode}; see {log or 'its output'}"
            )
        if is_up(crm_url) and is_up(erp_url):
            return process
        time.sleep(0.2)
    stop_process(process)
    raise RuntimeError(f"the sandbox did not answer within {timeout:.0f} s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop a sandbox started by `start_process` (its whole process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
