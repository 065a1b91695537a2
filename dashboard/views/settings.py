"""The settings page's rows: every setting as text with secrets masked, and which systems are connected."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
from pydantic import BaseModel, SecretStr

from dashboard import columns as c
from dashboard.settings import Settings
from services.hubspot.doctor import Check
from services.log import redact

MASK = "**********"
_SECRET_WORDS = ("token", "key", "password", "secret")


def settings_rows(settings: Settings) -> pd.DataFrame:
    """Every setting as (section, name, value) text, with every secret masked.

    A SecretStr shows as its own mask, and so does any text field whose name says token, key, password or
    secret (the sandbox's are plain text); an unset value shows as "not set".
    """
    rows: list[dict[str, str]] = []
    for name, value in settings:
        if isinstance(value, BaseModel):
            rows += [_setting_row(name, sub, sub_value) for sub, sub_value in value]
        else:
            rows.append(_setting_row("general", name, value))
    return pd.DataFrame(rows, columns=list(c.SETTINGS_TABLE))


def property_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The HubSpot property, object and label names among `settings_rows` output (what each portal names its
    own)."""
    hubspot = rows[rows[c.SETTING_SECTION] == "hubspot"]
    names = hubspot[c.SETTING_NAME]
    own = names.str.endswith("_property") | names.isin(["project_object_type", "primary_contact_label"])
    return hubspot[own]


def section_rows(rows: pd.DataFrame, section: str) -> pd.DataFrame:
    """One section of `settings_rows` output."""
    return rows[rows[c.SETTING_SECTION] == section]


def _setting_row(section: str, name: str, value: object) -> dict[str, str]:
    return {c.SETTING_SECTION: section, c.SETTING_NAME: name, c.SETTING_VALUE: setting_text(name, value)}


def setting_text(name: str, value: object) -> str:
    """One setting's value as text a page may show: secrets masked, dicts as `key: value` pairs."""
    if value is None:
        return "not set"
    if isinstance(value, SecretStr) or any(word in name.lower() for word in _SECRET_WORDS):
        return MASK
    if isinstance(value, Mapping):
        return redact(", ".join(f"{k}: {v}" for k, v in value.items()) or "(empty)")
    if isinstance(value, Sequence) and not isinstance(value, str):
        return redact(", ".join(str(v) for v in value) or "(empty)")
    return redact(str(value))  # a URL setting may carry user:password@


def connected_systems(settings: Settings) -> pd.DataFrame:
    """Which CRM and ERP the dashboard reads, in which mode, at which address (no credentials)."""
    s = settings.sandbox
    if settings.sandbox_mode:
        rows = [
            ("CRM", "HubSpot sandbox", f"http://{s.host}:{s.crm_port}"),
            (
                "ERP",
                "QuickBooks sandbox" if s.erp == "quickbooks" else "Odoo sandbox",
                f"http://{s.host}:{s.erp_port}",
            ),
        ]
    else:
        erp_url = settings.odoo.url if settings.erp == "odoo" else settings.tryton.url
        erp_name = settings.erp.capitalize()
        if settings.erp == "quickbooks":
            erp_url, erp_name = (
                f"{settings.quickbooks.api_url}/company/{settings.quickbooks.realm_id}",
                "QuickBooks Online",
            )
        rows = [
            ("CRM", "HubSpot", without_credentials(settings.hubspot.base_url)),
            ("ERP", erp_name, without_credentials(erp_url) if erp_url else "not set"),
        ]
    store = settings.store.database_url.get_secret_value()
    rows.append(("Store", store.partition(":")[0], without_credentials(store)))
    return pd.DataFrame(rows, columns=list(c.SYSTEMS_TABLE))


def without_credentials(url: str) -> str:
    """The URL without the user, password and query (where a key could hide): safe to show."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def portal_check_rows(checks: Sequence[Check]) -> pd.DataFrame:
    """The portal check (`python -m dashboard doctor`) as (name, value) rows: each item, and "OK: ..." or
    "FIX: what to do"."""
    rows = [
        {c.SETTING_NAME: check.item, c.SETTING_VALUE: f"{'OK' if check.ok else 'FIX'}: {check.detail}"}
        for check in checks
    ]
    return pd.DataFrame(rows, columns=[c.SETTING_NAME, c.SETTING_VALUE])
