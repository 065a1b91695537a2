"""The floor of a cold load: the fewest requests the page sizes allow, and the time the rate limit forces.

HubSpot: lists page at 100 (deals, project records, companies, contacts, tickets, owners), the deal
pipelines are one request, and each association type is batch-read 1,000 deal ids at a time. Odoo: the
version (once), a sign-in before 19 (JSON-2 takes the key on every call), the analytic lines' fields (once),
pages of 10,000 (projects with their accounts' codes in one `web_search_read` from 17; invoices; invoice
lines) and one grouped sum for every project's costs.

Time: HubSpot admits at most 190 requests in any rolling 10 s. Whatever the order, request k + 190 starts
at least 10 s after request k, so n requests need 10 s x floor((n - 1) / 190) before the last can start,
plus one round trip. (The steady-rate estimate (n - 190) / 19 s is lower: it assumes the first 190 and the
rest can overlap, which a rolling window does not allow.) Odoo has no rate limit, so HubSpot sets the floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from services.models import CrmSnapshot

LIST_PAGE = 100
ASSOCIATION_BATCH = 1000
ASSOCIATION_TYPES = 6
ODOO_PAGE = 10_000


@dataclass(frozen=True)
class Floor:
    crm_requests: int
    erp_requests: int
    seconds: float

    @property
    def requests(self) -> int:
        return self.crm_requests + self.erp_requests


def crm_requests(snapshot: CrmSnapshot) -> int:
    """The fewest HubSpot requests that read `snapshot`'s records."""
    lists = (snapshot.deals, snapshot.projects, snapshot.companies, snapshot.contacts, snapshot.tickets)
    pages = sum(math.ceil(len(records) / LIST_PAGE) for records in lists)
    owners = max(1, math.ceil(len(snapshot.owners) / LIST_PAGE))
    associations = ASSOCIATION_TYPES * math.ceil(len(snapshot.deals) / ASSOCIATION_BATCH)
    return pages + owners + 1 + associations


def erp_requests(projects: int, invoices: int, invoice_lines: int, *, signs_in: bool) -> int:
    """The fewest Odoo requests for the same read (17+): version, [sign-in], fields, three paged reads, one
    grouped sum."""
    pages = sum(max(1, math.ceil(n / ODOO_PAGE)) for n in (projects, invoices, invoice_lines))
    return 1 + int(signs_in) + 1 + pages + 1


def rate_limit_seconds(requests: int, per_10s: int, latency_s: float) -> float:
    """The least time `requests` take under a rolling window of `per_10s` per 10 s."""
    return 10.0 * ((requests - 1) // per_10s) + latency_s
