"""The composition root: settings -> clients, live or sandbox. The only module that chooses."""

from __future__ import annotations

import atexit
import subprocess
from dataclasses import dataclass
from pathlib import Path

from dashboard.settings import ROOT, Settings
from services.erp import ErpClient
from services.errors import ConfigError
from services.hubspot import HubSpotClient, PropertyNames
from services.odoo import OdooClient


@dataclass
class Clients:
    crm: HubSpotClient
    erp: ErpClient
    mode: str
    """'sandbox' or 'live'; pages show a demo banner in sandbox mode."""
    crm_label: str = "HubSpot"
    erp_label: str = "Odoo"

    def close(self) -> None:
        self.crm.close()
        self.erp.close()


_sandbox_process: subprocess.Popen[bytes] | None = None


def ensure_sandbox(settings: Settings) -> tuple[str, str]:
    """The sandbox's two base URLs; starts `python -m sandbox serve` once when nothing answers there."""
    global _sandbox_process
    from sandbox.server import is_up, start_process, stop_process  # only the sandbox path needs it

    s = settings.sandbox
    crm_url, erp_url = f"http://{s.host}:{s.crm_port}", f"http://{s.host}:{s.erp_port}"
    if (is_up(crm_url) and is_up(erp_url)) or not s.start:
        return crm_url, erp_url
    args = [
        "--host", s.host, "--crm-port", str(s.crm_port), "--erp-port", str(s.erp_port),
        "--deals", str(s.deals), "--seed", str(s.seed), "--db", str(s.db_path),
        "--token", s.token, "--odoo-database", s.odoo_database, "--odoo-login", s.odoo_login,
        "--odoo-api-key", s.odoo_api_key,
    ]  # fmt: skip
    Path(s.db_path).parent.mkdir(parents=True, exist_ok=True)
    _sandbox_process = start_process(args, crm_url, erp_url, log=ROOT / "data" / "sandbox.log")
    atexit.register(stop_process, _sandbox_process)
    return crm_url, erp_url


def property_names(settings: Settings) -> PropertyNames:
    """The portal's property names, from the settings."""
    h = settings.hubspot
    return PropertyNames(
        project_id=h.project_id_property,
        estimated_margin=h.estimated_margin_property,
        scope=h.scope_property,
        proposal_version=h.proposal_version_property,
        project_object_type=h.project_object_type,
        project_record_id=h.project_id_property,
    )


def build_clients(settings: Settings) -> Clients:
    """HubSpot and ERP clients for the configured systems, or for the sandbox when none is configured."""
    h = settings.hubspot
    if settings.sandbox_mode:
        crm_url, erp_url = ensure_sandbox(settings)
        s = settings.sandbox
        if s.erp == "tryton":
            return _sandbox_with_tryton(settings, crm_url)
        return Clients(
            crm=HubSpotClient(
                crm_url,
                s.token,
                names=property_names(settings),
                requests_per_10s=h.requests_per_10s,
                search_requests_per_s=h.search_requests_per_s,
                timeout=h.timeout_s,
                max_retries=h.max_retries,
            ),
            erp=OdooClient(
                erp_url,
                s.odoo_database,
                s.odoo_login,
                s.odoo_api_key,
                timeout=settings.odoo.timeout_s,
                max_retries=settings.odoo.max_retries,
            ),
            mode="sandbox",
            crm_label="HubSpot sandbox",
            erp_label="Odoo sandbox",
        )
    if h.token is None:
        raise ConfigError("set THROUGHLINE_HUBSPOT__TOKEN")
    crm = HubSpotClient(
        h.base_url,
        h.token.get_secret_value(),
        names=property_names(settings),
        requests_per_10s=h.requests_per_10s,
        search_requests_per_s=h.search_requests_per_s,
        timeout=h.timeout_s,
        max_retries=h.max_retries,
    )
    return Clients(crm=crm, erp=_erp_client(settings), mode="live", erp_label=settings.erp.capitalize())


def _sandbox_with_tryton(settings: Settings, crm_url: str) -> Clients:
    """The HubSpot sandbox beside a local seeded Tryton server (`make run-tryton`)."""
    from services.tryton import TrytonClient

    s, h = settings.sandbox, settings.hubspot
    if not (s.tryton_url and s.tryton_database and s.tryton_user and s.tryton_password):
        raise ConfigError(
            "the Tryton sandbox needs THROUGHLINE_SANDBOX__TRYTON_URL, _DATABASE, _USER, _PASSWORD"
        )
    crm = HubSpotClient(crm_url, s.token, names=property_names(settings), requests_per_10s=h.requests_per_10s)
    erp = TrytonClient(s.tryton_url, s.tryton_database, s.tryton_user, s.tryton_password)
    return Clients(crm=crm, erp=erp, mode="sandbox", crm_label="HubSpot sandbox", erp_label="Tryton (local)")


def _erp_client(settings: Settings) -> ErpClient:
    if settings.erp == "tryton":
        from services.tryton import TrytonClient

        t = settings.tryton
        if not (t.url and t.database and t.user and t.password):
            raise ConfigError("Tryton needs THROUGHLINE_TRYTON__URL, __DATABASE, __USER and __PASSWORD")
        return TrytonClient(t.url, t.database, t.user, t.password, timeout=t.timeout_s)
    o = settings.odoo
    if not (o.url and o.database and o.login and o.api_key):
        raise ConfigError("Odoo needs THROUGHLINE_ODOO__URL, __DATABASE, __LOGIN and __API_KEY")
    return OdooClient(
        o.url,
        o.database,
        o.login,
        o.api_key.get_secret_value(),
        timeout=o.timeout_s,
        max_retries=o.max_retries,
    )
