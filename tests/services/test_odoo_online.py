"""An Odoo Online database (*.odoo.com), which the sandbox cannot be: the wire is httpx.MockTransport's.

The answers are the shapes Odoo's source gives (web/controllers/webclient.py version_info on the saas line,
as erpipe-org/mcp-odoo#22 reports `server_version_info`; rpc/controllers/json2.py and odoo/http.py
`Json2Dispatcher.handle_error` for the 401). Odoo documents no separate error for a plan without the external
API (external_api.rst: "only available on Custom Odoo pricing plans"), so a refused key on Odoo Online names
both causes.
"""

from __future__ import annotations

import json

import httpx
import pytest

from services.errors import AuthError
from services.odoo import OdooClient

KEY = "c0ffee-online-key-1234"


def online(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/web/webclient/version_info":
        info = {"server_version": "saas~19.2+e", "server_version_info": ["saas~19", 2, 0, "final", 0, "e"],
                "server_serie": "saas~19.2", "protocol_version": 1}  # fmt: skip
        return httpx.Response(
            200, json={"jsonrpc": "2.0", "id": json.loads(request.content)["id"], "result": info}
        )
    assert request.url.path.startswith("/json/2/")  # saas-19.2 is read over JSON-2 only
    assert request.headers["authorization"] == f"bearer {KEY}"
    body = {"name": "werkzeug.exceptions.Unauthorized", "message": "Invalid apikey",
            "arguments": ["Invalid apikey", 401], "context": {}, "debug": "Traceback ..."}  # fmt: skip
    return httpx.Response(401, json=body, headers={"WWW-Authenticate": "Bearer"})


def test_a_refused_key_on_odoo_online_names_the_plan_and_expiry_but_not_the_key() -> None:
    with OdooClient(
        "https://acme.odoo.com", None, None, KEY, transport=httpx.MockTransport(online)
    ) as client:
        with pytest.raises(AuthError) as caught:
            client.fetch_snapshot()
    text = str(caught.value)
    assert client.version().label == "saas~19.2+e"
    assert "Custom plan (not One App Free or Standard)" in text
    assert "expired (keys expire from Odoo 18)" in text
    assert KEY not in text
    assert "Traceback" not in text
    assert client.requests == 2  # the version, then the first JSON-2 call (a 401 is not retried)
