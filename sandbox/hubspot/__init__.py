"""A HubSpot-compatible CRM API over the sandbox SQLite file, faithful enough for the official SDK.

Serves CRM objects (`/crm/v3/objects/{t}` and `/crm/objects/2026-03/{t}`), associations v4 (and their
2026-03 paths), owners, pipelines, properties and schemas, with HubSpot's bearer auth, error envelope,
correlation ids, rate limits (rolling 10 s burst, daily, search per second) and quirks: batch results out
of input order, 207 partial failures, the v3 association map with `_unlabeled` duplicates, numeric v4
`toObjectId`, and the 10,000-result search cap. See /work/shared/reference/hubspot-api.md, section 8.

`create_hubspot_app` (app.py) puts it together. The endpoints are in objects.py, associations.py and
metadata.py; the data in store.py, with search.py and instants.py; the rules of the wire in errors.py,
params.py, bodies.py, validation.py, records.py and ratelimit.py.
"""

from sandbox.hubspot.app import create_hubspot_app
from sandbox.hubspot.ratelimit import HubSpotLimits

__all__ = ["HubSpotLimits", "create_hubspot_app"]
