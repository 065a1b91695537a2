"""The HubSpot CRM adapter: `HubSpotClient` (client.py), the portal's names (names.py), HubSpot's answers
read (wire.py) and parsed into records (parse.py), and the incremental refresh (refresh.py)."""

from services.hubspot.client import HubSpotClient
from services.hubspot.names import PortalNames

__all__ = ["HubSpotClient", "PortalNames"]
