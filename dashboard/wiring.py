"""The composition root: settings -> clients, live or sandbox. The only module that chooses an adapter.

Each client is built one way (`hubspot_client`, `odoo_client`, `tryton_client`), whether it points at the
customer's system or at the sandbox, so a setting (timeout, retries, rate limit) can never apply to one and
not the other. The sandbox is not started here: `python -m sandbox demo` (`make run`) starts it and tells the
dashboard where it answers; the dashboard only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.settings import Settings
from services import log
from services.crm import CrmClient
from services.erp import ErpClient
from services.errors import ConfigError
from services.hubspot import HubSpotClient, PortalNames
from services.odoo import OdooClient
from services.tryton import TrytonClient


@dataclass
class Clients:
    """The CRM and ERP clients the dashboard reads and writes through, and how to name them."""

    crm: CrmClient
    erp: ErpClient
    mode: str
    """'sandbox' or 'live'; pages show a demo banner in sandbox mode."""
    crm_label: str
    erp_label: str

    def close(self) -> None:
        """Release both clients' connections."""
        self.crm.close()
        self.erp.close()


def build_clients(settings: Settings) -> Clients:
    """HubSpot and ERP clients for the configured systems, or for the sandbox when none is configured."""
    clients = _clients(settings)
    log.get("dashboard.wiring").info(
        "startup",
        mode=clients.mode,
        crm=clients.crm_label,
        erp=clients.erp_label,
        sign_in=settings.sign_in_mode,
        log_level=settings.log.level,
    )
    return clients


def _clients(settings: Settings) -> Clients:
    if settings.sandbox_mode:
        s = settings.sandbox
        crm = hubspot_client(settings, s.crm_url, s.token)
        if s.erp == "tryton":
            if not (s.tryton_url and s.tryton_database and s.tryton_user and s.tryton_password):
                raise ConfigError(
                    "the Tryton sandbox needs THROUGHLINE_SANDBOX__TRYTON_URL, _DATABASE, _USER and "
                    "_PASSWORD (make run-tryton sets them)"
                )
            erp: ErpClient = tryton_client(
                settings, s.tryton_url, s.tryton_database, s.tryton_user, s.tryton_password
            )
            return Clients(crm, erp, "sandbox", "HubSpot sandbox", "Tryton (local)")
        erp = odoo_client(settings, s.erp_url, s.odoo_database, s.odoo_login, s.odoo_api_key)
        return Clients(crm, erp, "sandbox", "HubSpot sandbox", "Odoo sandbox")
    h = settings.hubspot
    if h.token is None:
        raise ConfigError("set THROUGHLINE_HUBSPOT__TOKEN")
    crm = hubspot_client(settings, h.base_url, h.token.get_secret_value())
    if settings.erp == "tryton":
        t = settings.tryton
        if not (t.url and t.database and t.user and t.password):
            raise ConfigError("Tryton needs THROUGHLINE_TRYTON__URL, __DATABASE, __USER and __PASSWORD")
        erp = tryton_client(settings, t.url, t.database, t.user, t.password.get_secret_value())
    else:
        o = settings.odoo
        if not (o.url and o.api_key):
            raise ConfigError(
                "Odoo needs THROUGHLINE_ODOO__URL and __API_KEY (and __DATABASE and __LOGIN before Odoo 19)"
            )
        erp = odoo_client(settings, o.url, o.database, o.login, o.api_key.get_secret_value())
    return Clients(crm, erp, "live", crm.label, erp.label)


def hubspot_client(settings: Settings, base_url: str, token: str) -> HubSpotClient:
    """The HubSpot client, with the portal's names and limits from the settings."""
    h = settings.hubspot
    names = PortalNames.model_validate(h.model_dump(include=set(PortalNames.model_fields)))
    return HubSpotClient(
        base_url,
        token,
        names=names,
        requests_per_10s=h.requests_per_10s,
        search_requests_per_s=h.search_requests_per_s,
        timeout=h.timeout_s,
        max_retries=h.max_retries,
    )


def odoo_client(
    settings: Settings, url: str, database: str | None, login: str | None, api_key: str
) -> OdooClient:
    """The Odoo client, with the timeout and retries from the settings."""
    o = settings.odoo
    return OdooClient(url, database, login, api_key, timeout=o.timeout_s, max_retries=o.max_retries)


def tryton_client(settings: Settings, url: str, database: str, user: str, password: str) -> TrytonClient:
    """The Tryton client, with the timeout from the settings."""
    return TrytonClient(url, database, user, password, timeout=settings.tryton.timeout_s)
