"""QuickBooks settings: what live mode needs and the variable to set when it is missing, the project-ID
pattern checked at start-up, every secret registered with the log's redaction, the page's systems table."""

from __future__ import annotations

import pytest

from dashboard.settings import load_settings
from dashboard.views.settings import connected_systems, setting_text
from services import log
from services.errors import ConfigError

FERNET_KEY = "pMSWFlulpnkflPZv8fbfj38ZaDWd8RZ1cQrVBeYkTHM="
LIVE = {
    "erp": "quickbooks",
    "hubspot": {"token": "pat-na1-11111111-2222-3333-4444-555555555555"},
    "access": {"mode": "local"},
}
QUICKBOOKS = {
    "client_id": "ABcdefClientId",
    "client_secret": "qbo-client-secret-7f3a",
    "realm_id": "9130355000000001",
    "token_key": FERNET_KEY,
}


def test_live_quickbooks_names_each_missing_setting() -> None:
    partial = {k: v for k, v in QUICKBOOKS.items() if k not in ("realm_id", "token_key")}
    with pytest.raises(ConfigError) as caught:
        load_settings(**LIVE, quickbooks=partial)
    assert "THROUGHLINE_QUICKBOOKS__REALM_ID" in str(caught.value)
    assert "THROUGHLINE_QUICKBOOKS__TOKEN_KEY" in str(caught.value)
    with pytest.raises(ConfigError, match="THROUGHLINE_QUICKBOOKS__CLIENT_SECRET holds a placeholder"):
        load_settings(**LIVE, quickbooks=QUICKBOOKS | {"client_secret": "changeme"})


def test_a_project_id_pattern_without_an_id_group_stops_start_up() -> None:
    with pytest.raises(ConfigError, match=r"THROUGHLINE_QUICKBOOKS__PROJECT_ID_PATTERN: .*group named id"):
        load_settings(**LIVE, quickbooks=QUICKBOOKS | {"project_id_pattern": r"^PRJ-\d+"})
    with pytest.raises(ConfigError, match="THROUGHLINE_QUICKBOOKS__PROJECT_ID_PATTERN"):
        load_settings(**LIVE, quickbooks=QUICKBOOKS | {"project_id_pattern": r"(?P<id>PRJ-\d+"})


def test_secrets_are_registered_masked_and_the_page_shows_intuits_address() -> None:
    settings = load_settings(**LIVE, quickbooks=QUICKBOOKS)
    assert {"qbo-client-secret-7f3a", FERNET_KEY} <= set(log.known_secrets())
    assert setting_text("client_secret", settings.quickbooks.client_secret) != "qbo-client-secret-7f3a"
    assert setting_text("token_key", settings.quickbooks.token_key) != FERNET_KEY
    systems = connected_systems(settings).to_numpy().tolist()
    assert systems[1] == [
        "ERP",
        "QuickBooks Online",
        "https://quickbooks.api.intuit.com/v3/company/9130355000000001",
    ]
    development = load_settings(**LIVE, quickbooks=QUICKBOOKS | {"environment": "sandbox"})
    assert development.quickbooks.api_url == "https://sandbox-quickbooks.api.intuit.com/v3"
