"""The signed-in person as a CRM owner: their e-mail matched to a HubSpot owner from the owners API.

The snapshot already holds every active owner (`HubSpotClient.fetch_owners`, GET /crm/owners/2026-03), so no
extra request is made. The owner's name is the one the deal frames carry in `owner_name`, which is what a
sales person's "my deals" filter selects.
"""

from __future__ import annotations

from collections.abc import Iterable

from dashboard.snapshot import Snapshot
from services.models import CrmSnapshot, Owner


def owner_for_email(owners: Iterable[Owner], email: str) -> Owner | None:
    """The owner whose e-mail is `email` (case and surrounding spaces ignored), or None."""
    wanted = email.strip().lower()
    if not wanted:
        return None
    return next((owner for owner in owners if owner.email.strip().lower() == wanted), None)


def my_owner_name(source: Snapshot | CrmSnapshot | None, email: str) -> str | None:
    """The owner name the deal frames show for the signed-in `email`; None when the CRM has no such owner."""
    crm = source.crm if isinstance(source, Snapshot) else source
    if crm is None:
        return None
    owner = owner_for_email(crm.owners, email)
    return owner.name if owner else None
