"""One deal read alone, for the deal card: the deal, its associated records, and the deals sharing its ID.

What a full read (client.py `fetch_snapshot`) holds for one deal, in a handful of requests:
1. the deal by id with its properties and its associations to companies, contacts, tickets, line items,
   notes and project records (`GET /crm/objects/2026-03/deals/{id}?associations=...`: HubSpot's
   single-record read lists associated ids per type, reference/hubspot-api.md 1.4; a custom object's key
   varies, `_keys`), ids only: no type ids, no labels;
2. its contacts with their type ids: the primary contact is a portal label, which the single-record read
   does not carry. The card sends them (`seen`: its `useAssociations` read them from HubSpot's front end,
   at no cost to the app's API quota) and they are used when the deal read lists the same contacts; else a
   v4 batch association read, while the deal is read;
3. when the caller asks (`IdSearch`), the other deals whose project ID holds the same number: one search
   (`CONTAINS_TOKEN "*42"`: HubSpot's wildcard token match, reference/hubspot-api.md 3), kept when the
   caller's normalization says they share the ID, since which of several deals owns a project's money
   depends on how well each fits it;
4. the companies' type ids (the customer is the primary company, type 5), in one v4 batch read for the
   sharing deals and, when it has several companies, the deal itself (the read takes many deals at once,
   reference/hubspot-api.md 2);
5. the associated records themselves, by batch read: companies, tickets, project records, and the primary
   contact unless the card sent the contacts (it then shows the name HubSpot gave it).
Tickets, project records and the primary contact are read while the search runs; a read with nothing to
read is not sent. Cold, with the card's contacts: 6 requests at most (the deal, the search, the companies'
types, companies, tickets, project records); without them, up to 2 more.

The portal's deal stages (which stage is won) and its owners are read once and kept for
`PORTAL_METADATA_TTL_S` (they are the portal's set-up, the same for every deal), like the exchange rates.
Line items and notes are counted from the associations, as the full read counts them.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.crm import DealSeen, IdSearch
from services.errors import NotFoundError
from services.hubspot import parse
from services.hubspot.names import COMPANY_PROPERTIES, CONTACT_PROPERTIES, PortalNames
from services.models import CrmDealId, CrmSnapshot, Owner

Links = dict[str, list[tuple[str, tuple[int, ...]]]]
"""For each `from` id (or here, each type): the associated ids with their type ids (client.py's shape)."""


class HubSpotReads(Protocol):
    """The client's reads this module uses (client.py `HubSpotClient`; a protocol, so no import cycle)."""

    names: PortalNames

    @property
    def requests(self) -> int: ...

    def request(self, method: str, path: str, operation: str, *, params: Any = None) -> dict[str, Any]: ...

    def read_objects(
        self, object_type: str, ids: Sequence[str], properties: Sequence[str]
    ) -> dict[str, dict[str, Any]]: ...

    def read_associations(self, from_type: str, to_type: str, ids: Sequence[str]) -> Links: ...

    def search(
        self, object_type: str, filters: list[dict[str, Any]], properties: Sequence[str]
    ) -> Iterator[dict[str, Any]]: ...

    def fetch_stages(self) -> dict[str, tuple[str, bool, bool]]: ...

    def fetch_owners(self) -> list[Owner]: ...

    def portal_semantics(self, *, refresh: bool = False) -> parse.Semantics: ...


PORTAL_METADATA_TTL_S = 300.0
"""How long the portal's deal stages and owners are kept between card reads."""
DEAL_LINKS = ("companies", "contacts", "tickets", "line_items", "notes")


@dataclass(frozen=True)
class _Metadata:
    stages: dict[str, tuple[str, bool, bool]]
    owners: tuple[Owner, ...]
    semantics: parse.Semantics
    read_at: float


_kept: weakref.WeakKeyDictionary[HubSpotReads, _Metadata] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def portal_metadata(
    client: HubSpotReads,
    *,
    max_age_s: float = PORTAL_METADATA_TTL_S,
    clock: Callable[[], float] = time.monotonic,
) -> _Metadata:
    """The portal's deal stages, owners and semantics (the primary contact's association types, the ticket
    stages' states), read again when older than `max_age_s`."""
    with _lock:
        kept = _kept.get(client)
        if kept is not None and clock() - kept.read_at < max_age_s:
            return kept
        with ThreadPoolExecutor(max_workers=3) as pool:
            stages_f = pool.submit(client.fetch_stages)
            owners_f = pool.submit(client.fetch_owners)
            semantics_f = pool.submit(client.portal_semantics, refresh=True)
            kept = _Metadata(stages_f.result(), tuple(owners_f.result()), semantics_f.result(), clock())
        _kept[client] = kept
        return kept


def fetch_deal_snapshot(
    client: HubSpotReads,
    objects: str,
    crm_deal_id: str,
    sharing: Callable[[str | None], IdSearch | None] | None,
    now: Callable[[], datetime],
    seen: DealSeen | None = None,
) -> CrmSnapshot:
    """One deal with its records and the deals sharing its ID (module docstring); no deal when unknown.
    `seen`: the deal's contacts with their type ids as the card saw them, used when the deal read confirms
    them (the snapshot then names no contact: the card shows the name HubSpot gave it)."""
    start = client.requests
    n = client.names
    with ThreadPoolExecutor(max_workers=6) as pool:
        metadata_f = pool.submit(portal_metadata, client)
        contacts_f = (
            pool.submit(client.read_associations, "deals", "contacts", [crm_deal_id])
            if seen is None
            else None
        )
        try:
            raw = _read_deal(client, objects, crm_deal_id)
        except NotFoundError:
            if contacts_f is not None:
                contacts_f.cancel()
            owners = metadata_f.result().owners
            return CrmSnapshot(deals=(), owners=owners, read_at=now(), requests=client.requests - start)
        links, partial = _links(raw, (*DEAL_LINKS, n.project_object_type))
        confirmed = _confirmed(seen, links["contacts"], "contacts" in partial)
        if confirmed is not None:
            links["contacts"] = confirmed
        else:
            contacts = contacts_f or pool.submit(client.read_associations, "deals", "contacts", [crm_deal_id])
            links["contacts"] = contacts.result().get(crm_deal_id, [])
        # The single-record read lists companies without their type ids, and the customer is the primary
        # one (type 5): a deal with several companies has them read with their types, in one v4 read with
        # the sharing deals' companies below (its inputs take many deals, reference/hubspot-api.md 2).
        typed = len(links["companies"]) > 1 or "companies" in partial
        for object_type in partial:  # more than one page: the v4 batch read has them all
            if object_type not in ("companies", "contacts"):
                links[object_type] = client.read_associations("deals", object_type, [crm_deal_id]).get(
                    crm_deal_id, []
                )
        metadata = metadata_f.result()
        semantics = metadata.semantics
        reads: dict[str, Future[dict[str, dict[str, Any]]]] = {}
        primary = [i for i, types in links["contacts"] if semantics.primary_contact_types & set(types)]
        wanted = {
            # the frames name only the primary contact (frames.py `deals_frame`); the card shows the name
            # HubSpot gave it when it sent the contacts (`seen`)
            "contacts": ([] if confirmed is not None else primary[:1], CONTACT_PROPERTIES),
            "tickets": ([i for i, _ in links["tickets"]], n.ticket_properties()),
            n.project_object_type: ([i for i, _ in links[n.project_object_type]], n.record_properties()),
        }
        for object_type, (ids, properties) in wanted.items():
            if ids:  # these need nothing of the search: they run while it does
                reads[object_type] = pool.submit(client.read_objects, object_type, ids, properties)
        search = sharing(_raw_id(raw, n)) if sharing else None
        others = _sharing_deals(client, crm_deal_id, search) if search else []
        typed_ids = ([crm_deal_id] if typed else []) + [str(o["id"]) for o in others]
        companies = client.read_associations("deals", "companies", typed_ids) if typed_ids else {}
        if typed:
            links["companies"] = companies.get(crm_deal_id, [])
        company_ids = [i for i, _ in links["companies"]] + [
            i for o in others for i, _ in companies.get(str(o["id"]), [])
        ]
        if company_ids:
            reads["companies"] = pool.submit(
                client.read_objects, "companies", list(dict.fromkeys(company_ids)), COMPANY_PROPERTIES
            )
        found = {object_type: future.result() for object_type, future in reads.items()}
    deals = [parse.deal(raw, n, metadata.stages, links, semantics)]
    deals += [
        parse.deal(o, n, metadata.stages, {"companies": companies.get(str(o["id"]), [])}, semantics)
        for o in others
    ]
    deals.sort(key=lambda d: int(d.crm_deal_id) if d.crm_deal_id.isdigit() else 0)  # the full read's order
    deal_id = CrmDealId(crm_deal_id)
    return CrmSnapshot(
        deals=tuple(deals),
        projects=tuple(parse.project(r, n, [deal_id]) for r in found.get(n.project_object_type, {}).values()),
        companies=tuple(parse.company(c) for c in found.get("companies", {}).values()),
        contacts=tuple(parse.contact(c) for c in found.get("contacts", {}).values()),
        tickets=tuple(parse.ticket(t, n, semantics) for t in found.get("tickets", {}).values()),
        owners=metadata.owners,
        read_at=now(),
        requests=client.requests - start,
    )


def _confirmed(
    seen: DealSeen | None, listed: Sequence[tuple[str, tuple[int, ...]]], more: bool
) -> list[tuple[str, tuple[int, ...]]] | None:
    """The card's contacts when they are the deal's contacts as the deal read lists them (all on its first
    page: the card saw the same deal, so its type ids stand for HubSpot's); None otherwise."""
    if seen is None or more:
        return None
    ids = [i for i, _ in seen.contacts]
    if len(ids) != len(set(ids)) or set(ids) != {i for i, _ in listed}:
        return None
    return list(seen.contacts)


def _read_deal(client: HubSpotReads, objects: str, crm_deal_id: str) -> dict[str, Any]:
    n = client.names
    params = {
        "properties": ",".join(n.deal_properties()),
        "associations": ",".join((*DEAL_LINKS, n.project_object_type)),
    }
    return client.request("GET", f"{objects}/deals/{crm_deal_id}", "read deal", params=params)


def _links(raw: dict[str, Any], types: Sequence[str]) -> tuple[Links, list[str]]:
    """The single-record read's associations per type, in HubSpot's order, each id once and unlabelled (the
    v3 shape lists an id twice, as `deal_to_company` and `deal_to_company_unlabeled`; `line items` has a
    space), and the types whose list says more follow (`paging.next`)."""
    found = {str(key).lower(): value for key, value in (raw.get("associations") or {}).items()}
    out: Links = {}
    partial: list[str] = []
    for object_type in types:
        block: dict[str, Any] = next(
            (found[k] for k in _keys(object_type, found) if isinstance(found[k], dict)), {}
        )
        ids = dict.fromkeys(str(entry["id"]) for entry in block.get("results") or [] if "id" in entry)
        out[object_type] = [(i, ()) for i in ids]
        if (block.get("paging") or {}).get("next"):
            partial.append(object_type)
    return out, partial


def _keys(object_type: str, found: Mapping[str, Any]) -> list[str]:
    """The keys the single-record read may list `object_type`'s associations under: its name, `line items`
    with a space, and for a custom object (`p_projects`) its plain name or fully qualified name
    (`p123456_projects`), as HubSpot names custom objects in different places."""
    name = object_type.lower()
    plain = name.removeprefix("p_")
    named = [name, name.replace("_", " "), plain]
    return [k for k in found if k in named or (name.startswith("p_") and k.endswith("_" + plain))]


def _sharing_deals(client: HubSpotReads, crm_deal_id: str, search: IdSearch) -> list[dict[str, Any]]:
    """The other deals whose project ID holds `search.number` and that `search.keep` says share it."""
    n = client.names
    filters = [
        {"propertyName": n.project_id_property, "operator": "CONTAINS_TOKEN", "value": f"*{search.number}"},
        {"propertyName": "hs_object_id", "operator": "NEQ", "value": crm_deal_id},
    ]
    found = client.search("deals", filters, n.deal_properties())
    return [raw for raw in found if search.keep(_raw_id(raw, n))]


def _raw_id(raw: dict[str, Any], n: PortalNames) -> str | None:
    """The deal's project ID as the Deal record holds it (parse.deal reads it; stages play no part)."""
    return parse.deal(raw, n, {}, {}, parse.Semantics()).raw_project_id
