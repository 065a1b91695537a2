"""`python -m sandbox serve|manifest|env|demo`: the local HubSpot- and Odoo- (or QuickBooks-) compatible
servers, their ground truth, the settings that point the dashboard at them, and the demo (`make run`: the
servers and the dashboard reading them)."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from sandbox.faults import FaultSettings
from sandbox.odoo.versions import DEFAULT_VERSION

ERPS = ("odoo", "quickbooks")
PORTAL_NAMES = ("default", "varied")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="build the demo portfolio if needed and serve both APIs")
    _serve_arguments(serve)
    env = commands.add_parser(
        "env",
        help="print the THROUGHLINE_* settings (NAME=value lines) that point the dashboard at a sandbox",
    )
    _serve_arguments(env)

    manifest = commands.add_parser("manifest", help="print the deliberate ID problems as JSON")
    manifest.add_argument("--deals", type=int, default=300)
    manifest.add_argument("--seed", type=int, default=7)
    manifest.add_argument(
        "--erp", choices=ERPS, default="odoo", help="the same problems whichever ERP books them"
    )
    manifest.add_argument(
        "--portal", choices=PORTAL_NAMES, default="default", help="the same problems in either portal"
    )

    # no abbreviations: `--erp quickbooks` is a serve flag passed through, not short for --erp-port
    demo = commands.add_parser(
        "demo", help="the sandbox and the dashboard reading it (make run)", allow_abbrev=False
    )
    demo.add_argument("--deals", type=int, default=300)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--db", type=Path, default=Path("data/sandbox.sqlite"))
    demo.add_argument("--crm-port", type=int, default=8601)
    demo.add_argument("--erp-port", type=int, default=8602)
    demo.add_argument("--port", type=int, default=8501, help="the dashboard's port")
    demo.add_argument("--api-port", type=int, default=8502, help="the HubSpot card's API's port")

    args, extra = parser.parse_known_args(argv)
    if args.command == "demo":
        from sandbox.demo import DemoOptions
        from sandbox.demo import run as run_demo

        options = DemoOptions(
            deals=args.deals,
            seed=args.seed,
            db=args.db.resolve(),
            crm_port=args.crm_port,
            erp_port=args.erp_port,
            dashboard_port=args.port,
            api_port=args.api_port,
            serve_args=tuple(extra),
        )
        raise SystemExit(run_demo(options))
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "manifest":
        from sandbox.portfolio import manifest as build_manifest

        print(json.dumps(build_manifest(deals=args.deals, seed=args.seed), indent=2))
        return
    if args.command == "env":
        from sandbox.settings import dashboard_settings

        for name, value in dashboard_settings(args).items():
            print(f"{name}={value}")
        return

    from sandbox.odoo.versions import installed_modules, sandbox_version
    from sandbox.server import ServeOptions
    from sandbox.server import serve as run

    try:
        sandbox_version(args.odoo_version)
        installed_modules(args.odoo_modules)
    except ValueError as error:
        parser.error(str(error))

    run(
        ServeOptions(
            host=args.host,
            crm_port=args.crm_port,
            erp_port=args.erp_port,
            deals=args.deals,
            seed=args.seed,
            db=args.db,
            token=args.token,
            odoo_database=args.odoo_database,
            odoo_login=args.odoo_login,
            odoo_api_key=args.odoo_api_key,
            odoo_version=args.odoo_version,
            odoo_modules=args.odoo_modules,
            fresh=args.fresh,
            as_of=args.as_of,
            erp_lines_per_project=args.erp_lines_per_project,
            burst_per_10s=args.burst_per_10s,
            search_per_s=args.search_per_s,
            faults=FaultSettings(
                latency_ms=args.latency_ms, error_rate=args.error_rate, malformed_rate=args.malformed_rate
            ),
            erp=args.erp,
            qbo_project_id=args.qbo_project_id,
            qbo_requests_per_minute=args.qbo_requests_per_minute,
            qbo_requests_per_second=args.qbo_requests_per_second,
            qbo_access_ttl_s=args.qbo_access_ttl_s,
            qbo_redirect_uri=args.qbo_redirect_uri,
            portal=args.portal,
            search_index_delay_s=args.search_index_delay_s,
        )
    )


def _serve_arguments(serve: argparse.ArgumentParser) -> None:
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--crm-port", type=int, default=8601)
    serve.add_argument("--erp-port", type=int, default=8602)
    serve.add_argument("--deals", type=int, default=300)
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--db", type=Path, default=Path("data/sandbox.sqlite"))
    serve.add_argument("--fresh", action="store_true", help="rebuild the portfolio even if the db holds one")
    serve.add_argument(
        "--as-of", type=date.fromisoformat, default=None, help="last day of the demo (default today)"
    )
    serve.add_argument("--token", default="sandbox-token", help="bearer token the HubSpot side accepts")
    serve.add_argument("--odoo-database", default="sandbox")
    serve.add_argument("--odoo-login", default="admin")
    serve.add_argument("--odoo-api-key", default="sandbox-key")
    serve.add_argument(
        "--odoo-version",
        default=DEFAULT_VERSION,
        help="the Odoo the ERP side answers as: 16, 17, 18, 19, saas-19.2 (Odoo Online), 20 or 22",
    )
    serve.add_argument(
        "--odoo-modules",
        default=None,
        help="installed Odoo modules, comma-separated; leave out hr_timesheet for a database without "
        "Timesheets (default: analytic,account,project,hr,hr_timesheet)",
    )
    serve.add_argument("--erp-lines-per-project", type=int, default=None)
    serve.add_argument(
        "--burst-per-10s", type=int, default=None, help="HubSpot burst limit (190 = Professional)"
    )
    serve.add_argument("--search-per-s", type=int, default=5)
    serve.add_argument("--latency-ms", type=float, default=0.0)
    serve.add_argument("--error-rate", type=float, default=0.0)
    serve.add_argument("--malformed-rate", type=float, default=0.0)
    serve.add_argument("--erp", choices=ERPS, default="odoo", help="which ERP the ERP port imitates")
    serve.add_argument(
        "--qbo-project-id", choices=("display_name", "notes"), default="display_name",
        help="where QuickBooks projects carry their ID: the display name (PRJ-00042 · …) or the notes",
    )  # fmt: skip
    serve.add_argument("--qbo-requests-per-minute", type=int, default=500, help="Intuit's limit per company")
    serve.add_argument(
        "--qbo-requests-per-second", type=int, default=10, help="Intuit's limit per company and app"
    )
    serve.add_argument(
        "--portal",
        choices=PORTAL_NAMES,
        default="default",
        help="varied: a HubSpot portal with its own property names, labels, ticket pipelines and partner "
        "companies (python -m sandbox env --portal varied prints the settings that match it)",
    )
    serve.add_argument(
        "--search-index-delay-s",
        type=float,
        default=None,
        help="seconds a HubSpot write takes to show in search (reads by id see it at once); "
        "default the portal's: 0, or 5 on varied",
    )
    serve.add_argument("--qbo-access-ttl-s", type=float, default=3600.0, help="access token lifetime")
    serve.add_argument(
        "--qbo-redirect-uri",
        default="http://localhost:8725/callback",
        help="the app's redirect URIs, comma-separated",
    )


if __name__ == "__main__":
    main()
