"""The Odoo versions the sandbox can be (`--odoo-version`), and what each one serves, from Odoo's own source.

Sources (per-version trees identified by their `odoo/release.py`; see /work/notes/odoo-versions.md §0):
16.0, 17.0, 18.0 and 19.0 source trees; odoo/odoo PR #163300 (read_group deprecated, formatted_read_group
added, saas-18.2) and PR #226523 (public read_group removed, saas-19.1); odoo/documentation
`content/developer/reference/external_api.rst` (JSON-2 `versionadded:: 19.0`; /xmlrpc and /jsonrpc
"scheduled for removal in Odoo 22 (fall 2028)").

- `/jsonrpc`: `odoo/addons/base/controllers/rpc.py` in 16-18, the `rpc` addon from 19.0, where every call
  logs `RPC_DEPRECATION_NOTICE` (`addons/rpc/controllers/__init__.py`); gone in 22.
- JSON-2 (`POST /json/2/<model>/<method>`, bearer API key) and `GET /web/version`: the `rpc` addon, 19.0+
  (`addons/rpc/controllers/json2.py`, `__init__.py`).
- `read_group`: `odoo/models.py` 16-18, `odoo/orm/models.py` 19.0 with `@api.deprecated`; removed from
  saas-19.1 on, so absent from the saas-19.x line and 20. `formatted_read_group`: `addons/web/models/
  models.py`, 19.0+. `web_search_read(domain, specification, ...)`: 17.0+ (16.0 takes `fields`).
- The project's analytic account: `analytic_account_id` in 16/17, `account_id` from 18.0
  (`project/models/project_project.py`; OCA/OpenUpgrade project 18.0 pre-migration renames it).
- Analytic lines keep one column per root plan from 17.0 (`analytic/models/analytic_plan.py`,
  `_column_name`); 16.0 has one `account_id` and a stored related `plan_id`.
- Texts: an unknown field reads "Invalid field 'x' on model 'm'" up to 18 and "Invalid field 'x' on 'm'" in
  19 (`odoo/orm/models.py` `_determine_fields_to_fetch`); an unknown method is a plain Python AttributeError
  in 16/17 (`odoo/api.py` `call_kw`: `getattr(type(model), name)`) and "The method 'm.x' does not exist" from
  18 (`odoo/service/model.py` `get_public_method`); the JSON-RPC error code is 200 up to 18 and 0 from 19
  (`odoo/http.py` `JsonRPCDispatcher.handle_error`).
- `saas-19.2` is what an Odoo Online database answers today: `server_version_info` ["saas~19", 2, ...],
  as erpipe-org/mcp-odoo#22 reports it; it behaves as 20.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MODULES = ("analytic", "account", "project", "hr", "hr_timesheet")
"""Modules the sandbox can leave out with `--odoo-modules` (base and web are always there)."""
DEPENDS = {"account": ("analytic",), "project": ("analytic",), "hr_timesheet": ("hr", "project")}
RPC_DEPRECATION_NOTICE = (
    "The /xmlrpc, /xmlrpc/2 and /jsonrpc endpoints are deprecated in Odoo 19 and scheduled for removal in "
    "Odoo 22. Please report the problem to the client making the request.\n"
    "Mute this logger: --log-handler %s:ERROR\n"
    "https://www.odoo.com/documentation/latest/developer/reference/external_api.html"
    "#migrating-from-xml-rpc-json-rpc"
)  # addons/rpc/controllers/__init__.py, 19.0 (August 2026)


@dataclass(frozen=True)
class SandboxVersion:
    """One Odoo version as the sandbox serves it."""

    name: str  # what --odoo-version takes
    major: int  # 20 for the saas-19.x line: it behaves as the next major does
    version_info: tuple[Any, ...]
    version: str
    serie: str

    @property
    def jsonrpc(self) -> bool:
        return self.major < 22

    @property
    def json2(self) -> bool:
        return self.major >= 19

    @property
    def read_group(self) -> bool:
        return self.major <= 19

    @property
    def formatted_read_group(self) -> bool:
        return self.major >= 19

    @property
    def plan_columns(self) -> bool:
        return self.major >= 17

    @property
    def project_account_field(self) -> str:
        return "analytic_account_id" if self.major <= 17 else "account_id"

    @property
    def rpc_error_code(self) -> int:
        return 200 if self.major <= 18 else 0

    def common_version(self) -> dict[str, Any]:
        """`common.version()`: `RPC_VERSION_1` in odoo/service/common.py, the same keys 16-19."""
        return {
            "server_version": self.version,
            "server_version_info": list(self.version_info),
            "server_serie": self.serie,
            "protocol_version": 1,
        }

    def invalid_field(self, name: str, model: str) -> str:
        if self.major <= 18:
            return f"Invalid field {name!r} on model {model!r}"
        return f"Invalid field {name!r} on {model!r}"

    def invalid_leaf(self, model: str, name: str, term: Any) -> str:
        if self.major <= 18:  # odoo/osv/expression.py
            return f"Invalid field {model}.{name} in leaf {term!r}"
        return f"Invalid field {model}.{name} in condition {tuple(term)!r}"  # odoo/orm/domains.py

    def missing_method(self, model: str, method: str) -> str:
        if self.major <= 17:
            return f"type object {model!r} has no attribute {method!r}"
        return f"The method '{model}.{method}' does not exist"


def _final(major: int) -> SandboxVersion:
    return SandboxVersion(str(major), major, (major, 0, 0, "final", 0, ""), f"{major}.0", f"{major}.0")


VERSIONS: dict[str, SandboxVersion] = {
    **{str(major): _final(major) for major in (16, 17, 18, 19, 20, 22)},
    "saas-19.2": SandboxVersion(
        "saas-19.2", 20, ("saas~19", 2, 0, "final", 0, "e"), "saas~19.2+e", "saas~19.2"
    ),
}
DEFAULT_VERSION = "17"


def sandbox_version(name: str) -> SandboxVersion:
    """The version called `name`, or a ValueError listing the ones there are."""
    found = VERSIONS.get(str(name))
    if found is None:
        raise ValueError(f"unknown Odoo version {name!r}: use one of {', '.join(VERSIONS)}")
    return found


def installed_modules(text: str | None) -> frozenset[str]:
    """`--odoo-modules analytic,account,project` as a set, checked for names and dependencies."""
    if text is None:
        return frozenset(MODULES)
    chosen = {part.strip() for part in text.split(",") if part.strip()}
    unknown = chosen - set(MODULES)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ValueError(f"unknown Odoo module(s) {names}: use some of {', '.join(MODULES)}")
    for module in chosen:
        missing = [d for d in DEPENDS.get(module, ()) if d not in chosen]
        if missing:
            raise ValueError(f"Odoo module {module} needs {', '.join(missing)}")
    return frozenset(chosen)
