"""Who may see which page and do which action. Checked where the action is performed, not only in the UI."""

from __future__ import annotations

from typing import Literal

from services.errors import AccessDenied

Role = Literal["owner", "ops", "sales", "admin"]
Action = Literal["correct_ids", "accept_findings", "create_project_records", "undo", "view_settings"]

ROLE_PAGES: dict[str, tuple[str, ...]] = {
    "owner": ("overview", "margin", "project", "handover", "audit", "delivery", "history"),
    "ops": ("overview", "margin", "project", "handover", "audit", "delivery", "history"),
    "sales": ("overview", "project", "handover", "delivery"),
    "admin": ("overview", "margin", "project", "handover", "audit", "delivery", "history", "settings"),
}
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "owner": frozenset(),
    "ops": frozenset({"correct_ids", "accept_findings", "create_project_records", "undo"}),
    "sales": frozenset(),
    "admin": frozenset({"correct_ids", "accept_findings", "create_project_records", "undo", "view_settings"}),
}
ACTION_WORDS = {
    "correct_ids": "correct project IDs in HubSpot",
    "accept_findings": "accept audit findings",
    "create_project_records": "create project records in HubSpot",
    "undo": "undo corrections",
    "view_settings": "see the settings",
}


def may(role: str | None, action: Action) -> bool:
    """True when `role` may perform `action`."""
    return role is not None and action in ROLE_ACTIONS.get(role, frozenset())


def require(role: str | None, action: Action) -> None:
    """Raise AccessDenied (nothing done) unless `role` may perform `action`."""
    if not may(role, action):
        raise AccessDenied(f"your role ({role or 'none'}) may not {ACTION_WORDS[action]}; ask an admin")


def role_for(email: str, allow_list: dict[str, str]) -> str | None:
    """The role of `email` from an allow-list of addresses and `@domain` entries; None for unknown users."""
    address = email.strip().lower()
    roles = {key.strip().lower(): value for key, value in allow_list.items()}
    if address in roles:
        return roles[address]
    domain = address.rpartition("@")[2]
    return roles.get(f"@{domain}") or roles.get(domain)


class Actor:
    """The signed-in person on whose behalf an action runs (their e-mail goes into the correction log)."""

    __slots__ = ("email", "role")

    def __init__(self, email: str, role: str | None) -> None:
        self.email = email
        self.role = role

    def __repr__(self) -> str:
        return f"Actor({self.email!r}, {self.role!r})"
