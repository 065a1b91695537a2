"""The composition root: settings -> clients, live or sandbox. The only module that chooses an adapter.

Each client is built one way (`hubspot_client`, `odoo_client`, `tryton_client`, `quickbooks_client`),
whether it points at the customer's system or at the sandbox, so a setting (timeout, retries, rate limit) can
never apply to one and not the other. The sandbox is not started here: `python -m sandbox demo` (`make run`)
starts it and tells the dashboard where it answers; the dashboard only reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from dashboard.settings import Settings
from services import log
from services.crm import CrmClient
from services.erp import ErpClient
from services.errors import ConfigError
from services.hubspot import HubSpotClient, PortalNames
from services.hubspot.doctor import Check, check_portal
from services.odoo import OdooClient
from services.quickbooks import ProjectIds, QuickBooksAuth, QuickBooksClient
from services.store import RefreshTokens
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
        if s.erp == "quickbooks":
            client_id, realm_id = s.quickbooks_client_id, s.quickbooks_realm_id
            if not (client_id and realm_id and s.quickbooks_client_secret and s.quickbooks_token_key):
                raise ConfigError(
                    "the QuickBooks sandbox needs THROUGHLINE_SANDBOX__QUICKBOOKS_CLIENT_ID, _CLIENT_SECRET, "
                    "_REALM_ID and _TOKEN_KEY (python -m sandbox env --erp quickbooks prints them)"
                )
            erp = quickbooks_client(
                settings,
                api_url=f"{s.erp_url}/v3",
                environment=f"{s.erp_url}/.well-known/openid_configuration",
                client_id=client_id,
                client_secret=s.quickbooks_client_secret,
                realm_id=realm_id,
                token_key=s.quickbooks_token_key,
                first_refresh_token=s.quickbooks_refresh_token,
            )
            return Clients(crm, erp, "sandbox", "HubSpot sandbox", "QuickBooks sandbox")
        erp = odoo_client(settings, s.erp_url, s.odoo_database, s.odoo_login, s.odoo_api_key)
        return Clients(crm, erp, "sandbox", "HubSpot sandbox", "Odoo sandbox")
    h = settings.hubspot
    if h.token is None:
        raise ConfigError("set THROUGHLINE_HUBSPOT__TOKEN")
    crm = hubspot_client(settings, h.base_url, h.token.get_secret_value())
    if settings.erp == "quickbooks":
        q = settings.quickbooks
        if not (q.client_id and q.client_secret and q.realm_id and q.token_key):
            raise ConfigError(
                "QuickBooks needs THROUGHLINE_QUICKBOOKS__CLIENT_ID, __CLIENT_SECRET, __REALM_ID and "
                "__TOKEN_KEY"
            )
        erp = quickbooks_client(
            settings,
            api_url=q.api_url,
            environment=q.environment,
            client_id=q.client_id,
            client_secret=q.client_secret.get_secret_value(),
            realm_id=q.realm_id,
            token_key=q.token_key.get_secret_value(),
        )
    elif settings.erp == "tryton":
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


def portal_client(settings: Settings) -> HubSpotClient:
    """The HubSpot client of the configured portal, or of the sandbox when nothing is configured."""
    if settings.sandbox_mode:
        return hubspot_client(settings, settings.sandbox.crm_url, settings.sandbox.token)
    h = settings.hubspot
    if h.token is None:
        raise ConfigError("set THROUGHLINE_HUBSPOT__TOKEN")
    return hubspot_client(settings, h.base_url, h.token.get_secret_value())


def portal_checks(crm: CrmClient) -> list[Check] | None:
    """The portal check of the CRM the dashboard reads (`python -m dashboard doctor`), when it has one."""
    return check_portal(crm) if isinstance(crm, HubSpotClient) else None


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
        change_lag=timedelta(seconds=h.change_lag_s),
        daily_reserve=h.daily_reserve,
    )


def odoo_client(
    settings: Settings, url: str, database: str | None, login: str | None, api_key: str
) -> OdooClient:
    """The Odoo client, with the timeout and retries from the settings."""
    o = settings.odoo
    return OdooClient(url, database, login, api_key, timeout=o.timeout_s, max_retries=o.max_retries)


def quickbooks_client(
    settings: Settings,
    *,
    api_url: str,
    environment: str,
    client_id: str,
    client_secret: str,
    realm_id: str,
    token_key: str,
    first_refresh_token: str | None = None,
) -> QuickBooksClient:
    """The QuickBooks client: tokens from intuit-oauth (`environment` is Intuit's 'production' or 'sandbox',
    or a discovery document's URL), the refresh token kept encrypted in the store (`first_refresh_token`
    seeds it for the sandbox), the project-ID placement and limits from the settings."""
    q = settings.quickbooks
    tokens = RefreshTokens(settings.store.database_url.get_secret_value(), token_key)
    tokens.migrate()
    if first_refresh_token and tokens.load_refresh_token(realm_id) is None:
        tokens.save_refresh_token(realm_id, first_refresh_token)
    auth = QuickBooksAuth(
        client_id,
        client_secret,
        realm_id,
        tokens,
        environment=environment,
        redirect_uri=q.redirect_uri,
        timeout=q.timeout_s,
    )
    return QuickBooksClient(
        api_url,
        realm_id,
        auth,
        project_ids=ProjectIds(q.project_id_field, q.project_id_pattern),
        minor_version=q.minor_version,
        requests_per_minute=q.requests_per_minute,
        requests_per_second=q.requests_per_second,
        concurrent_requests=q.concurrent_requests,
        throttle_wait_s=q.throttle_wait_s,
        timeout=q.timeout_s,
        max_retries=q.max_retries,
    )


def tryton_client(settings: Settings, url: str, database: str, user: str, password: str) -> TrytonClient:
    """The Tryton client, with the timeout from the settings."""
    return TrytonClient(url, database, user, password, timeout=settings.tryton.timeout_s)
