"""Throughline's settings: one pydantic-settings model with a sub-model per system.

Sources, highest first: environment variables (`THROUGHLINE_HUBSPOT__TOKEN=...`), a `.env` file, then
`.streamlit/secrets.toml` (tables `[hubspot]`, `[odoo]`, `[tryton]`, `[store]`, ...). `.env.example` lists
every setting. With no CRM and no ERP configured, Throughline runs on its built-in sandbox.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from services.errors import ConfigError

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
}


class HubSpotSettings(BaseModel):
    token: SecretStr | None = Field(None, description="private-app or service-key access token")
    base_url: str = "https://api.hubapi.com"
    project_id_property: str = Field("erp_project_id", description="deal property holding the ERP project ID")
    estimated_margin_property: str = Field(
        "estimated_margin_at_close", description="deal property holding the estimated margin at close, in %"
    )
    scope_property: str = Field("scope_summary", description="deal property holding the scope summary")
    proposal_version_property: str = Field(
        "signed_proposal_version", description="deal property holding the signed proposal version"
    )
    project_object_type: str = Field("p_projects", description="the custom project object's type")
    requests_per_10s: int = Field(100, ge=1, description="private-app burst limit: 100 Starter, 190 Pro")
    search_requests_per_s: int = Field(4, ge=1, description="search API limit (HubSpot allows 5/s)")
    timeout_s: float = Field(30.0, gt=0)
    max_retries: int = Field(5, ge=0)


class OdooSettings(BaseModel):
    url: str | None = Field(None, description="e.g. https://acme.odoo.com")
    database: str | None = None
    login: str | None = None
    api_key: SecretStr | None = None
    timeout_s: float = Field(60.0, gt=0)
    max_retries: int = Field(4, ge=0)


class TrytonSettings(BaseModel):
    url: str | None = Field(None, description="e.g. https://erp.acme.example (trytond's web listener)")
    database: str | None = None
    user: str | None = None
    password: SecretStr | None = None
    timeout_s: float = Field(60.0, gt=0)


class StoreSettings(BaseModel):
    database_url: SecretStr = Field(
        SecretStr(f"sqlite:///{ROOT / 'data' / 'throughline.sqlite'}"),
        description="SQLAlchemy URL; postgresql+psycopg://user:pass@host/db for PostgreSQL",
    )


class SandboxSettings(BaseModel):
    host: str = "127.0.0.1"
    crm_port: int = 8601
    erp_port: int = 8602
    deals: int = Field(300, ge=1)
    seed: int = 7
    db_path: Path = ROOT / "data" / "sandbox.sqlite"
    token: str = "sandbox-token"
    odoo_database: str = "sandbox"
    odoo_login: str = "admin"
    odoo_api_key: str = "sandbox-key"
    start: bool = Field(True, description="start the sandbox servers if they are not already running")
    erp: Literal["odoo", "tryton"] = Field(
        "odoo", description="tryton: read a local seeded Tryton server instead (make run-tryton sets this)"
    )
    tryton_url: str | None = None
    tryton_database: str | None = None
    tryton_user: str | None = None
    tryton_password: str | None = None


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


class ThresholdSettings(BaseModel):
    erosion_alert_pp: float = 5.0
    cost_burn_warn: float = 0.75
    cost_burn_alert: float = 1.0
    overdue_receivable_days: int = 30
    handover_overdue_days: int = 14
    match_apply: float = 0.85
    match_review: float = 0.60
    conflict_name_similarity: float = 0.80
    conflict_amount_tolerance: float = 0.10


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="THROUGHLINE_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    erp: Literal["odoo", "tryton"] = Field("odoo", description="which ERP adapter reads the actuals")
    hubspot: HubSpotSettings = HubSpotSettings()
    odoo: OdooSettings = OdooSettings()
    tryton: TrytonSettings = TrytonSettings()
    store: StoreSettings = StoreSettings()
    sandbox: SandboxSettings = SandboxSettings()
    access: AccessSettings = AccessSettings()
    thresholds: ThresholdSettings = ThresholdSettings()
    cache_ttl_s: int = Field(60, ge=0, description="how long a snapshot is reused before a re-read")
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
            missing_fields = [n for n in ("database", "login", "api_key") if getattr(self.odoo, n) is None]
            if missing_fields:
                raise ValueError(
                    f"Odoo needs {', '.join('THROUGHLINE_ODOO__' + n.upper() for n in missing_fields)}"
                )
            key = self.odoo.api_key.get_secret_value() if self.odoo.api_key else ""
            if key.strip().lower() in PLACEHOLDERS:
                raise ValueError("THROUGHLINE_ODOO__API_KEY holds a placeholder: set a real Odoo API key")
        else:
            missing_fields = [n for n in ("database", "user", "password") if getattr(self.tryton, n) is None]
            if missing_fields:
                raise ValueError(
                    f"Tryton needs {', '.join('THROUGHLINE_TRYTON__' + n.upper() for n in missing_fields)}"
                )
        return self

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


def load_settings(**overrides: Any) -> Settings:
    """Build the settings from the environment, `.env` and secrets; raise ConfigError naming what to fix."""
    try:
        return Settings(**overrides)
    except ValueError as error:
        # pydantic's message lists each bad field; keep it, but never echo input values (they may be secrets)
        lines = []
        for item in getattr(error, "errors", lambda: [])() or []:
            where = ".".join(str(part) for part in item.get("loc", ()))
            message = str(item.get("msg", "")).removeprefix("Value error, ")
            lines.append(f"{where}: {message}" if where else message)
        raise ConfigError("; ".join(lines) or "the settings are invalid") from None
