"""Which Odoo a server is, and what that means for how to read it: transport, method and field names.

Odoo reports its version without signing in (`POST /web/webclient/version_info`, the web client's route, gives
`common.version()`'s answer in 16-19; `GET /web/version`, 19+). Everything the adapter does differently per
version is decided here, once, from that answer, never by trying a call and reading the error: a future method
of the same name may take other arguments (odoo/odoo#236332 proposes a new public `read_group` for saas-19.5).

| version            | transport                  | grouped sums             | project's account field |
|--------------------|----------------------------|--------------------------|-------------------------|
| 16.0, 17.0         | /jsonrpc + execute_kw      | read_group               | analytic_account_id     |
| 18.0               | /jsonrpc + execute_kw      | read_group               | account_id              |
| saas-18.2 .. 18.4  | /jsonrpc + execute_kw      | formatted_read_group     | account_id              |
| 19.0               | JSON-2                     | formatted_read_group     | account_id              |
| saas-19.x, 20, 21  | JSON-2                     | formatted_read_group     | account_id              |
| 22                 | JSON-2 (/jsonrpc removed)  | formatted_read_group     | account_id              |

Sources: odoo/documentation `external_api.rst` (JSON-2 `versionadded:: 19.0`; /xmlrpc and /jsonrpc removed
in Odoo 22 and Odoo Online 21.1); odoo/odoo#163300 (formatted_read_group added, read_group deprecated,
label 18.2) and #226523 (public read_group removed, label 19.1); project/models/project_project.py
(`analytic_account_id` up to 17.0, `account_id` from 18.0); web/models/models.py (`web_search_read` with a
field specification from 17.0); base/models/res_users.py (API keys with an expiration date from 18.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Transport = Literal["jsonrpc", "json2"]
GroupMethod = Literal["read_group", "formatted_read_group"]


@dataclass(frozen=True)
class OdooVersion:
    """A server's version: (major, minor), whether it is Odoo Online's saas line, and how it names itself."""

    major: int
    minor: int
    saas: bool
    label: str

    @property
    def transport(self) -> Transport:
        """JSON-2 where the server has it (19.0+), /jsonrpc before."""
        return "json2" if self.major >= 19 else "jsonrpc"

    @property
    def group_method(self) -> GroupMethod:
        """formatted_read_group from saas-18.2 (stable: 19.0); the public read_group before."""
        return "formatted_read_group" if (self.major, self.minor) >= (18, 2) else "read_group"

    @property
    def project_account_field(self) -> str:
        return "analytic_account_id" if self.major <= 17 else "account_id"

    @property
    def nested_read(self) -> bool:
        """`web_search_read(domain, specification)`: a project and its account's code in one call (17+)."""
        return self.major >= 17

    @property
    def has_templates(self) -> bool:
        """19.0's project templates (`is_template`), which are not projects to report on."""
        return self.major >= 19

    @property
    def keys_expire(self) -> bool:
        return self.major >= 18

    @property
    def has_jsonrpc(self) -> bool:
        return self.major < 22


def parse_version(info: Any, text: Any = None) -> OdooVersion | None:
    """`server_version_info` ([17, 0, 0, "final", 0, ""] or ["saas~19", 2, 0, "final", 0, "e"]) as a version;
    None when it is not one."""
    if not isinstance(info, list | tuple) or len(info) < 2:
        return None
    head, minor = info[0], info[1]
    saas = isinstance(head, str) and head.startswith("saas~")
    try:
        major = int(str(head).removeprefix("saas~"))
        minor_number = int(minor)
    except (TypeError, ValueError):
        return None
    label = str(text) if text else (f"saas~{major}.{minor_number}" if saas else f"{major}.{minor_number}")
    return OdooVersion(major, minor_number, saas, label)
