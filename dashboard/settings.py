"""Throughline's settings: one pydantic-settings model with a sub-model per system, built by `load_settings`.

Sources, highest first: environment variables (`THROUGHLINE_HUBSPOT__TOKEN=...`), a `.env` file, then
`.streamlit/secrets.toml` (tables `[hubspot]`, `[odoo]`, `[tryton]`, `[store]`, ...). `.env.example` lists
every setting. With no CRM and no ERP configured, Throughline reads its built-in sandbox (which `make run`,
`python -m sandbox demo`, starts). Every secret is a `SecretStr`, registered with the log's redaction when the
settings load; a bad value stops start-up with a message naming the environment variable to fix.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from dashboard.transforms.thresholds import Thresholds
from services import log
from services.errors import ConfigError
from services.hubspot.names import PortalNames
from services.quickbooks import IdField, ProjectIds

ROOT = Path(__file__).resolve().parents[1]
SECRETS_TOML = ROOT / ".streamlit" / "secrets.toml"
PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "xxx",
    "your-token",
    "your-api-key",
    "sandbox-token",
    "sandbox-key",
    "sandbox-app-secret",
}


class HubSpotSettings(PortalNames):
    """The portal: its token, its address, its limits, and (inherited from PortalNames) its property names."""

    token: SecretStr | None = Field(None, description="service key or private-app access token")
    base_url: str = "https://api.hubapi.com"
    portal_id: str | None = Field(None, description="the portal (hub) id, for links to records in HubSpot")
    ui_domain: str = Field("app.hubspot.com", description="app.hubspot.com, or app-eu1.hubspot.com in the EU")
    requests_per_10s: int = Field(100, ge=1, description="private-app burst limit: 100 Starter, 190 Pro")
    search_requests_per_s: int = Field(5, ge=1, description="search API limit (HubSpot allows 5/s)")
    timeout_s: float = Field(30.0, gt=0)
    max_retries: int = Field(5, ge=0)
    app_client_secret: SecretStr | None = Field(
        None, description="the HubSpot app's client secret: the API checks every request's signature with it"
    )
    change_lag_s: float = Field(
        60,
        ge=0,
        description="how far back a refresh looks again: at least how late HubSpot's search shows a change",
    )
    daily_reserve: int = Field(
        100, ge=0, description="daily API requests left unspent: reading stops before the quota is gone"
    )


class OdooSettings(BaseModel):
    url: str | None = Field(None, description="e.g. https://acme.odoo.com")
    database: str | None = Field(
        None, description="needed before Odoo 19, and from 19 where one host serves several databases"
    )
    login: str | None = Field(None, description="the API key's user; needed before Odoo 19 (JSON-RPC)")
    api_key: SecretStr | None = None
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(4, ge=0)


class TrytonSettings(BaseModel):
    url: str | None = Field(None, description="e.g. https://erp.acme.example (trytond's web listener)")
    database: str | None = None
    user: str | None = None
    password: SecretStr | None = None
    timeout_s: float = Field(60.0, gt=0)


class QuickBooksSettings(BaseModel):
    """A QuickBooks Online company: the app's keys (developer.intuit.com, Keys & credentials), the company,
    the key that encrypts its refresh token in the store, where projects carry their ID, Intuit's limits.
    The refresh token itself is never a setting: `python -m dashboard connect quickbooks` puts it in the
    store."""

    client_id: str | None = Field(None, description="the app's Client ID")
    client_secret: SecretStr | None = Field(None, description="the app's Client Secret")
    realm_id: str | None = Field(None, description="the company ID (realmId); connect prints it")
    environment: Literal["production", "sandbox"] = Field(
        "production",
        description="production keys and companies, or development keys and Intuit sandbox companies",
    )
    redirect_uri: str = Field(
        "http://localhost:8725/callback",
        description="the app's redirect URI as registered on developer.intuit.com: http://localhost "
        "(development keys; connect listens there) or an https address (production keys; you paste where "
        "the browser landed)",
    )
    token_key: SecretStr | None = Field(
        None, description="Fernet key encrypting the refresh token in the store"
    )
    base_url: str | None = Field(
        None, description="the API's base URL, when not Intuit's for the environment"
    )
    minor_version: int = Field(75, ge=75, description="Intuit's minorversion (75 is the oldest still served)")
    project_id_field: IdField = Field("display_name", description="display_name (PRJ-00042 · …) or notes")
    project_id_pattern: str | None = Field(
        None, description="a regular expression with an id group, when IDs are written another way"
    )
    requests_per_minute: int = Field(500, ge=1, le=500, description="Intuit allows 500 per company")
    requests_per_second: int = Field(
        8, ge=1, le=10, description="Intuit allows 10 per company and app; 8 leaves room for timing jitter"
    )
    concurrent_requests: int = Field(10, ge=1, le=10, description="Intuit allows 10 at a time per company")
    throttle_wait_s: float = Field(60.0, ge=0, description="wait after a 429 (Intuit says 60 s)")
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(4, ge=0)

    @model_validator(mode="after")
    def _pattern_usable(self) -> QuickBooksSettings:
        try:
            ProjectIds(self.project_id_field, self.project_id_pattern)
        except (ValueError, re.error) as error:
            raise ValueError(f"project_id_pattern: {error}") from None
        return self

    @property
    def api_url(self) -> str:
        """The Accounting API's base URL (…/v3) for the environment, unless one is set."""
        if self.base_url:
            return self.base_url.rstrip("/")
        host = "sandbox-quickbooks" if self.environment == "sandbox" else "quickbooks"
        return f"https://{host}.api.intuit.com/v3"


class StoreSettings(BaseModel):
    database_url: SecretStr = Field(
        SecretStr(f"sqlite:///{ROOT / 'data' / 'throughline.sqlite'}"),
        description="SQLAlchemy URL; postgresql+psycopg://user:pass@host/db for PostgreSQL",
    )


class SandboxSettings(BaseModel):
    """Where the built-in sandbox answers (`python -m sandbox demo` starts it and sets these)."""

    host: str = "127.0.0.1"
    crm_port: int = 8601
    erp_port: int = 8602
    token: str = "sandbox-token"
    odoo_database: str = "sandbox"
    odoo_login: str = "admin"
    odoo_api_key: str = "sandbox-key"
    app_client_secret: str = Field(
        "sandbox-app-secret",
        description="signs the sandbox's calls to the API (python -m sandbox.hubspot.signing)",
    )
    erp: Literal["odoo", "tryton", "quickbooks"] = Field(
        "odoo",
        description="tryton: a local seeded Tryton server (make run-tryton); quickbooks: the sandbox's "
        "QuickBooks side (make run-quickbooks; python -m sandbox env --erp quickbooks prints these settings)",
    )
    tryton_url: str | None = None
    tryton_database: str | None = None
    tryton_user: str | None = None
    tryton_password: str | None = None
    quickbooks_client_id: str | None = None
    quickbooks_client_secret: str | None = None
    quickbooks_realm_id: str | None = None
    quickbooks_refresh_token: str | None = Field(
        None, description="the sandbox's first refresh token; the store keeps the rotated ones"
    )
    quickbooks_token_key: str | None = None

    @property
    def crm_url(self) -> str:
        """The HubSpot-compatible server's base URL."""
        return f"http://{self.host}:{self.crm_port}"

    @property
    def erp_url(self) -> str:
        """The Odoo-compatible server's base URL."""
        return f"http://{self.host}:{self.erp_port}"


class ApiSettings(BaseModel):
    """The web API beside the dashboard (`python -m dashboard.api`): the backend of the HubSpot app card."""

    port: int = Field(8502, ge=1, le=65535)
    address: str = Field(
        "127.0.0.1", description="listen address; keep 127.0.0.1 behind a reverse proxy that adds HTTPS"
    )
    public_url: str | None = Field(
        None,
        description="the HTTPS address HubSpot calls (https://throughline.acme.com), which HubSpot signs; "
        "unset: the address as received (local development)",
    )
    dashboard_url: str = Field(
        "http://127.0.0.1:8501",
        description="the dashboard's address, for the card's link to the Project page",
    )

    @field_validator("public_url", "dashboard_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        text = value.strip().rstrip("/")
        if not text.startswith(("https://", "http://")) or "?" in text or "#" in text:
            raise ValueError(f"{value!r} is not a base address: use https://host[:port][/path], no query")
        return text


class LogSettings(BaseModel):
    """The server log (services/log.py)."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["auto", "json", "console"] = Field(
        "auto", description="auto: JSON lines, or readable columns when stderr is a terminal"
    )


class AccessSettings(BaseModel):
    mode: Literal["auto", "none", "oidc", "local"] = Field(
        "auto",
        description="auto: OIDC when [auth] is in .streamlit/secrets.toml, none in sandbox mode; "
        "local: accounts in the store (python -m dashboard.users add ...)",
    )
    roles: dict[str, str] = Field(
        default_factory=dict,
        description='allow-list: {"alice@acme.com": "admin", "@acme.com": "sales"}; others get nothing',
    )
    idle_timeout_min: float = Field(30, gt=0, description="sign out after this many idle minutes")


class _OurSources(BaseSettings):
    """Settings read, in this order, from arguments, the environment, `.env`, and the Throughline tables of
    `.streamlit/secrets.toml`."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings, _SecretsTomlSource(settings_cls))


class Settings(_OurSources):
    model_config = SettingsConfigDict(
        env_prefix="THROUGHLINE_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    erp: Literal["odoo", "tryton", "quickbooks"] = Field(
        "odoo", description="which ERP adapter reads the actuals"
    )
    hubspot: HubSpotSettings = HubSpotSettings()
    odoo: OdooSettings = OdooSettings()
    tryton: TrytonSettings = TrytonSettings()
    quickbooks: QuickBooksSettings = QuickBooksSettings()
    store: StoreSettings = StoreSettings()
    sandbox: SandboxSettings = SandboxSettings()
    access: AccessSettings = AccessSettings()
    api: ApiSettings = ApiSettings()
    log: LogSettings = LogSettings()
    thresholds: Thresholds = Thresholds()
    cache_ttl_s: int = Field(60, ge=0, description="how long a snapshot is reused before a re-read")
    full_read_every_min: float = Field(
        30, gt=0, description="how often everything is read again; in between, only what changed"
    )
    read_deadline_s: float = Field(
        20, gt=0, description="how long a page waits for a read before showing the last good data"
    )
    id_pattern: str | None = Field(
        None, description="canonical project ID pattern, e.g. PRJ-##### (default: inferred from the ERP)"
    )
    reporting_currency: str = "USD"
    fx_rates: dict[str, float] = Field(
        default_factory=lambda: {"USD": 1.0, "EUR": 1.08, "GBP": 1.27},
        description="units of the reporting currency per unit of each currency",
    )
    fx_rates_date: str = "2026-11-01"

    @property
    def crm_configured(self) -> bool:
        return self.hubspot.token is not None

    @property
    def erp_configured(self) -> bool:
        if self.erp == "quickbooks":
            return self.quickbooks.client_id is not None
        return (self.odoo.url if self.erp == "odoo" else self.tryton.url) is not None

    @property
    def sign_in_mode(self) -> Literal["none", "oidc", "local"]:
        """How people sign in: the setting, or OIDC when Streamlit's [auth] is configured, or none."""
        if self.access.mode != "auto":
            return self.access.mode
        return "oidc" if _streamlit_auth_configured() else "none"

    @property
    def sandbox_mode(self) -> bool:
        """True when neither a real CRM nor a real ERP is configured."""
        return not self.crm_configured and not self.erp_configured

    @model_validator(mode="after")
    def _complete_when_live(self) -> Settings:
        if self.crm_configured != self.erp_configured:
            have, missing = ("HubSpot", "the ERP") if self.crm_configured else ("the ERP", "HubSpot")
            raise ValueError(
                f"{have} is configured but {missing} is not: configure both (see .env.example), "
                "or neither to run on the sandbox"
            )
        if self.sandbox_mode:
            return self
        if self.sign_in_mode == "none":
            raise ValueError(
                "real systems are configured but no sign-in is: set THROUGHLINE_ACCESS__MODE to oidc "
                "(with [auth] in .streamlit/secrets.toml) or local (accounts: python -m dashboard.users add)"
            )
        token = self.hubspot.token.get_secret_value() if self.hubspot.token else ""
        if token.strip().lower() in PLACEHOLDERS:
            raise ValueError(
                "THROUGHLINE_HUBSPOT__TOKEN holds a placeholder: set the private app's real token"
            )
        if self.erp == "odoo":
            missing_fields = [n for n in ("api_key",) if getattr(self.odoo, n) is None]
            if missing_fields:
                raise ValueError(
                    f"Odoo needs {', '.join('THROUGHLINE_ODOO__' + n.upper() for n in missing_fields)}"
                )
            key = self.odoo.api_key.get_secret_value() if self.odoo.api_key else ""
            if key.strip().lower() in PLACEHOLDERS:
                raise ValueError("THROUGHLINE_ODOO__API_KEY holds a placeholder: set a real Odoo API key")
        elif self.erp == "quickbooks":
            q = self.quickbooks
            names = ("client_secret", "realm_id", "token_key")
            missing_fields = [n for n in names if getattr(q, n) is None]
            if missing_fields:
                variables = ", ".join("THROUGHLINE_QUICKBOOKS__" + n.upper() for n in missing_fields)
                raise ValueError(f"QuickBooks needs {variables} (see the README: connecting QuickBooks)")
            secret = q.client_secret.get_secret_value() if q.client_secret else ""
            if secret.strip().lower() in PLACEHOLDERS:
                raise ValueError(
                    "THROUGHLINE_QUICKBOOKS__CLIENT_SECRET holds a placeholder: set the app's Client Secret"
                )
        else:
            missing_fields = [n for n in ("database", "user", "password") if getattr(self.tryton, n) is None]
            if missing_fields:
                raise ValueError(
                    f"Tryton needs {', '.join('THROUGHLINE_TRYTON__' + n.upper() for n in missing_fields)}"
                )
        return self


def _streamlit_auth_configured() -> bool:
    if not SECRETS_TOML.exists():
        return False
    with SECRETS_TOML.open("rb") as handle:
        return "auth" in tomllib.load(handle)


class _SecretsTomlSource(PydanticBaseSettingsSource):
    """Reads the Throughline tables of `.streamlit/secrets.toml` (the file Streamlit also reads)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if not SECRETS_TOML.exists():
            return {}
        with SECRETS_TOML.open("rb") as handle:
            data = tomllib.load(handle)
        return {key: value for key, value in data.items() if key in Settings.model_fields}


class ConnectSettings(_OurSources):
    """What `python -m dashboard connect quickbooks` reads: the QuickBooks app, the store and the sandbox,
    from the same sources as `Settings`, without its checks that every system is configured (connecting
    comes before the company ID is known, and needs neither HubSpot nor sign-in)."""

    model_config = Settings.model_config
    quickbooks: QuickBooksSettings = QuickBooksSettings()
    store: StoreSettings = StoreSettings()
    sandbox: SandboxSettings = SandboxSettings()
    log: LogSettings = LogSettings()

    @property
    def sandbox_mode(self) -> bool:
        """True when no QuickBooks app is configured (the sandbox's app is used, if it is QuickBooks)."""
        return self.quickbooks.client_id is None


def load_connect_settings(**overrides: Any) -> ConnectSettings:
    """The settings connecting QuickBooks needs; ConfigError naming what to fix. Secrets are registered."""
    try:
        settings = ConnectSettings(**overrides)
    except ValueError as error:
        lines = [_problem(item) for item in getattr(error, "errors", lambda: [])() or []]
        raise ConfigError("; ".join(lines) or "the settings are invalid") from None
    log.register_secret(*_secrets(settings))
    return settings


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment, `.env` and secrets; raise ConfigError naming what to fix.

    Every secret is registered with the log's redaction (the entrypoints then configure the log from the
    settings' `log` part)."""
    try:
        settings = Settings(**overrides)
    except ValueError as error:
        # pydantic's message lists each bad field; keep it, but never echo input values (they may be secrets)
        lines = [_problem(item) for item in getattr(error, "errors", lambda: [])() or []]
        message = "; ".join(lines) or "the settings are invalid"
        log.get("dashboard.settings").error("settings.invalid", message=message)
        raise ConfigError(message) from None
    log.register_secret(*_secrets(settings))
    return settings


def _problem(item: Any) -> str:
    """One validation error as "THROUGHLINE_X__Y: what is wrong" (the variable a person sets)."""
    loc = [str(part) for part in item.get("loc", ()) if not isinstance(part, int)]
    message = str(item.get("msg", "")).removeprefix("Value error, ")
    fields, sep, rest = message.partition(": ")
    if sep and fields and all(f.isidentifier() for f in fields.split("/")):
        # a model validator names the fields it is about: "match_review/match_apply: ..."
        names = " and ".join(_variable([*loc, f]) for f in fields.split("/"))
        return f"{names}: {rest}"
    return f"{_variable(loc)}: {message}" if loc else message


def _variable(loc: list[str]) -> str:
    return "THROUGHLINE_" + "__".join(part.upper() for part in loc)


def _secrets(settings: BaseModel) -> list[str]:
    """Every secret value the settings hold, and every password inside a URL setting."""
    found: list[str] = []

    def walk(model: BaseModel) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, SecretStr):
                found.append(value.get_secret_value())
                _url_password(value.get_secret_value(), found)
            elif isinstance(value, BaseModel):
                walk(value)
            elif isinstance(value, str):
                _url_password(value, found)
                if any(word in name for word in ("token", "key", "password", "secret")):
                    found.append(value)

    walk(settings)
    return found


def _url_password(value: str, found: list[str]) -> None:
    if "://" in value and "@" in value:
        userinfo = value.split("://", 1)[1].split("@", 1)[0]
        if ":" in userinfo:
            found.append(userinfo.split(":", 1)[1])
