"""The web API beside the dashboard: the backend of the HubSpot app card (hubspot-app/).

`python -m dashboard.api` serves it (ASGI on uvicorn, 127.0.0.1:8502 by default; `make run` starts it with
the dashboard). It shares the settings, the service clients, the store and the analytics core with the
dashboard, so a card shows the dashboard's figures for the same deal and moment. Modules: signature.py (the
HubSpot v3 request signature), access.py (the viewer's role, by the dashboard's rules), reader.py (the cached
read), card.py (one deal's data in JSON), app.py (the routes), __main__.py (the server).
"""

from dashboard.api.app import DEAL_CARD_PATH, app_client_secret, create_app

__all__ = ["DEAL_CARD_PATH", "app_client_secret", "create_app"]
