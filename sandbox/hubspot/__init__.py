"""The HubSpot-compatible sandbox server: `create_hubspot_app` over the sandbox database."""

from sandbox.hubspot.app import HubSpotLimits, create_hubspot_app

__all__ = ["HubSpotLimits", "create_hubspot_app"]
