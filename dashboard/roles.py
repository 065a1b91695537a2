"""Who may see which page and do which action. Checked where the action is performed, not only in the UI."""

from __future__ import annotations

from typing import Literal

from services.errors import AccessDenied, ConfigError
from services.models import Role

__all__ = ["Action", "Actor", "Role", "may", "require", "role_for"]

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
    if address.count("@") != 1 or address.startswith("@") or address.endswith("@"):
        return None  # not one mailbox: never let a crafted address fall through to a domain entry
    roles = {key.strip().lower(): value.strip().lower() for key, value in allow_list.items()}
    domain = address.rpartition("@")[2]
    role = roles.get(address) or roles.get(f"@{domain}") or roles.get(domain)
    return role if role in ROLE_PAGES else None


def check_allow_list(allow_list: dict[str, str]) -> None:
    """Raise ConfigError naming each allow-list entry whose role is unknown (a typo locks someone out)."""
    wrong = [
        f"{key} -> {value!r}" for key, value in allow_list.items() if value.strip().lower() not in ROLE_PAGES
    ]
    if wrong:
        raise ConfigError(
            f"THROUGHLINE_ACCESS__ROLES maps {', '.join(wrong)}; "
            f"use one of {', '.join(ROLE_PAGES)} as the role"
        )


class Actor:
    """The signed-in person on whose behalf an action runs (their e-mail goes into the correction log)."""

    __slots__ = ("email", "role")

    def __init__(self, email: str, role: str | None) -> None:
        self.email = email
        self.role = role

    def __repr__(self) -> str:
        return f"Actor({self.email!r}, {self.role!r})"
