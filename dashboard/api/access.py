"""Who is looking at the card, and which of its parts they may see: the dashboard's rules, not new ones.

HubSpot says who views the deal (the `userEmail` it adds to the signed request). That e-mail gets a role the
way the dashboard gives one: from the allow-list (THROUGHLINE_ACCESS__ROLES) with OIDC sign-in, from the
local account with local sign-in; with no sign-in configured (the demo) every viewer sees everything, as on
the dashboard. Each part of the card then follows the dashboard page that shows the same thing
(dashboard/roles.py ROLE_PAGES): the figures the Margin page, the ID findings the ID audit page, the handover
gaps the Handover page, the delivery status the Delivery page, the link the Project page. So a role without
the Margin page (sales) gets the delivery part only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from dashboard.roles import ROLE_PAGES, role_for
from services.errors import AccessDenied
from services.store import User

Part = Literal["figures", "findings", "handover", "delivery", "link"]
PART_PAGES: dict[Part, str] = {
    "figures": "margin",
    "findings": "audit",
    "handover": "handover",
    "delivery": "delivery",
    "link": "project",
}
"""Each part of the card and the dashboard page whose role rule it follows."""
DEMO_PAGES = tuple(dict.fromkeys(page for pages in ROLE_PAGES.values() for page in pages))


@dataclass(frozen=True)
class Access:
    """The viewer's role (None in the demo) and the card parts it may see."""

    role: str | None
    demo: bool
    parts: frozenset[Part]

    @property
    def financials(self) -> bool:
        """True when the viewer may see the money (the Margin page's figures)."""
        return "figures" in self.parts


def parts_for(pages: Iterable[str]) -> frozenset[Part]:
    """The card parts whose dashboard page is among `pages`."""
    allowed = set(pages)
    return frozenset(part for part, page in PART_PAGES.items() if page in allowed)


def viewer_access(
    sign_in_mode: str,
    email: str | None,
    allow_list: dict[str, str],
    accounts: Callable[[], list[User]],
) -> Access:
    """The viewer's access by the dashboard's rules; AccessDenied (nothing read) for an unknown viewer."""
    if sign_in_mode == "none":
        return Access(None, True, parts_for(DEMO_PAGES))
    address = (email or "").strip().lower()
    if not address:
        raise AccessDenied(
            "HubSpot did not say who is viewing this deal (no userEmail in the request), so Throughline "
            "cannot tell which figures to show"
        )
    role: str | None
    if sign_in_mode == "local":
        role = next((user.role for user in accounts() if user.email.lower() == address), None)
        fix = "ask an admin to add a Throughline account for it (python -m dashboard.users add)"
    else:
        role = role_for(address, allow_list)
        fix = "ask an admin to add it to THROUGHLINE_ACCESS__ROLES"
    if role is None or role not in ROLE_PAGES:
        raise AccessDenied(f"{address} has no Throughline role; {fix}")
    return Access(role, False, parts_for(ROLE_PAGES[role]))
