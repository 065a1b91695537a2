"""The CRM rows: owners, companies with their contacts, then each deal with all HubSpot holds around it.

Rows are stored as HubSpot sends them: every defined property present (unset ones null), every value a
string (instants as Java's Instant.toString writes them; a deal's amount with cents or whole, both forms
HubSpot shows), and every association in both directions. A deal carries the project ID, gaps and problem
the skeleton gave it; a won deal's project record repeats what sales handed over and reports what delivery
says. The draws come from the `"<seed>:crm"` stream.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandbox import crm_schema as cs
from sandbox import names
from sandbox.portfolio.clock import Clock
from sandbox.portfolio.delivery import Delivery
from sandbox.portfolio.skeleton import HISTORY_DAYS, ID_BASE, OPEN_STAGES, Deal, Skeleton
from sandbox.portfolio.tables import COLUMNS, TableRows

_OWNER_ID_BASE = 70_000_000
_STAGE_PROBABILITY = {stage: probability for stage, _, probability, _ in cs.DEAL_STAGES}
_ENCODE_PROPERTIES = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode  # = db.dumps_properties


def _instant(moment: datetime) -> str:
    """HubSpot's datetime format (Java Instant.toString): UTC with Z, milliseconds only when non-zero."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")[:23]  # drops the "+00:00"
    return f"{text[:19]}Z" if text.endswith(".000") else f"{text}Z"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _percent(value: float) -> str:
    return f"{value:g}"


# CRM rows
# ---------------------------------------------------------------------------------------------------


class _Crm:
    """Collects CRM objects (every defined property present, unset ones None) and both link directions."""

    def __init__(self) -> None:
        self.objects: list[tuple[Any, ...]] = []
        self.associations: list[tuple[Any, ...]] = []
        self._next: dict[str, int] = dict.fromkeys(ID_BASE, 0)

    def new_id(self, object_type: str) -> int:
        self._next[object_type] += 1
        return ID_BASE[object_type] + self._next[object_type]

    def add(
        self, object_type: str, object_id: int, props: _Props, created: datetime, updated: datetime
    ) -> None:
        created_key = "hs_createdate" if object_type == cs.CUSTOM_OBJECT else "createdate"
        modified_key = "lastmodifieddate" if object_type == "contacts" else "hs_lastmodifieddate"
        full: _Props = dict.fromkeys(cs.PROPERTIES[object_type])
        full |= props
        full |= {
            created_key: _instant(created),
            modified_key: _instant(updated),
            "hs_object_id": str(object_id),
        }
        self.objects.append((object_type, object_id, _ENCODE_PROPERTIES(full), created, updated, False))

    def link(self, a_type: str, a_id: int, b_type: str, b_id: int) -> None:
        for from_type, from_id, to_type, to_id in (
            (a_type, a_id, b_type, b_id),
            (b_type, b_id, a_type, a_id),
        ):
            type_id = cs.ASSOCIATION_TYPES[(from_type, to_type)]
            category = cs.association_category(from_type, to_type, type_id)
            self.associations.append((from_type, from_id, to_type, to_id, type_id, category, None))

    def label_primary(self, deal_id: int, contact_id: int) -> None:
        """The USER_DEFINED "Primary contact" label, on top of the plain deal-contact association."""
        label, forward, reverse = (
            cs.PRIMARY_CONTACT_LABEL,
            cs.PRIMARY_CONTACT_TYPE_ID,
            cs.PRIMARY_CONTACT_REVERSE_TYPE_ID,
        )
        self.associations.append(("deals", deal_id, "contacts", contact_id, forward, "USER_DEFINED", label))
        self.associations.append(("contacts", contact_id, "deals", deal_id, reverse, "USER_DEFINED", label))


_Props = dict[str, str | None]


def _email(first: str, last: str, domain: str) -> str:
    return f"{first}.{last}@{domain}".lower().replace("'", "")


def plan_crm(skeleton: Skeleton, deliveries: list[Delivery], seed: int, clock: Clock) -> dict[str, TableRows]:
    plan = _CrmPlan(random.Random(f"{seed}:crm"), clock, skeleton)
    by_code = {d.code: d for d in deliveries}
    for deal in skeleton.deals:
        plan.deal(deal, by_code.get(str(deal.code)) if deal.won else None)
    # In primary-key order: SQLite then appends to its key index instead of inserting all over it.
    plan.crm.objects.sort(key=lambda row: row[:2])
    plan.crm.associations.sort(key=lambda row: row[:5])
    return {
        "crm_owner": TableRows(COLUMNS["crm_owner"], plan.owners),
        "crm_object": TableRows(COLUMNS["crm_object"], plan.crm.objects),
        "crm_association": TableRows(COLUMNS["crm_association"], plan.crm.associations),
    }


class _CrmPlan:
    """Plans the HubSpot side: owners, companies with contacts, then each deal with everything around it."""

    def __init__(self, rng: random.Random, clock: Clock, skeleton: Skeleton) -> None:
        self.rng, self.clock, self.skeleton, self.crm = rng, clock, skeleton, _Crm()
        self.owners = self._owners()
        owner_ids = [row[0] for row in self.owners]
        self.account_owner = [rng.choice(owner_ids) for _ in skeleton.customers]
        self.company_ids: list[int] = []
        self.contacts: list[list[int]] = []
        self.contact_names: dict[int, str] = {}
        self._companies()

    def _owners(self) -> list[tuple[Any, ...]]:
        rng, clock = self.rng, self.clock
        people = [(f, la) for f in names.FIRST_NAMES[:30] for la in names.LAST_NAMES[:30]]
        rows = []
        for i, (first, last) in enumerate(rng.sample(people, rng.randint(10, 15)), start=1):
            created = clock.moment(rng, rng.randint(HISTORY_DAYS + 30, HISTORY_DAYS + 900))
            updated = clock.moment(rng, rng.randint(1, 200))
            email, team = _email(first, last, "throughline-demo.example"), rng.choice(names.OWNER_TEAMS)
            rows.append(
                (_OWNER_ID_BASE + i, 9_100_000 + i, email, first, last, team, False, created, updated)
            )
        return rows

    def _companies(self) -> None:
        rng, clock, crm = self.rng, self.clock, self.crm
        first_deal = [HISTORY_DAYS + 400] * len(self.skeleton.customers)
        for deal in self.skeleton.deals:
            first_deal[deal.customer] = min(first_deal[deal.customer], deal.create_ago)
        for index, customer in enumerate(self.skeleton.customers):
            company_id = ID_BASE["companies"] + 1 + index
            created = clock.moment(rng, first_deal[index] + rng.randint(5, 200))
            props: _Props = {"name": customer.name, "domain": customer.domain, "industry": customer.industry,
                             "country": customer.country}  # fmt: skip
            crm.add("companies", company_id, props, created, clock.moment(rng, rng.randint(1, 90)))
            mine = []
            for first in rng.sample(names.FIRST_NAMES, rng.randint(1, 4)):
                last, contact_id = rng.choice(names.LAST_NAMES), crm.new_id("contacts")
                contact: _Props = {
                    "firstname": first, "lastname": last, "email": _email(first, last, customer.domain),
                    "jobtitle": rng.choice(names.JOB_TITLES),
                    "phone": f"+1 555 01{rng.randint(10, 99)} {rng.randint(1000, 9999)}",
                }  # fmt: skip
                crm.add("contacts", contact_id, contact, created, clock.moment(rng, rng.randint(1, 120)))
                crm.link("contacts", contact_id, "companies", company_id)
                mine.append(contact_id)
                self.contact_names[contact_id] = f"{first} {last}"
            self.company_ids.append(company_id)
            self.contacts.append(mine)

    def deal(self, deal: Deal, delivery: Delivery | None) -> None:
        """The deal record and its company, contacts, line items, tickets, notes and project record."""
        rng, clock, crm = self.rng, self.clock, self.crm
        created, closed = clock.moment(rng, deal.create_ago), clock.moment(rng, deal.close_ago)
        if deal.close_ago >= 1:  # last touched after closing
            modified_ago = rng.randint(max(1, deal.close_ago - 60), deal.close_ago)
        else:
            modified_ago = rng.randint(1, deal.create_ago)
        modified = max(created, clock.moment(rng, modified_ago))
        owner = self.account_owner[deal.customer] if rng.random() < 0.8 else rng.choice(self.owners)[0]
        scope = rng.choice(names.SCOPE_PHRASES) if deal.won and "scope" not in deal.gaps else None
        version = rng.choice(names.PROPOSAL_VERSIONS) if deal.won and "proposal" not in deal.gaps else None
        late_stage = deal.won or _STAGE_PROBABILITY[deal.stage] >= 0.6
        amount = deal.amount_cents
        props: _Props = {
            "dealname": deal.title(self.skeleton.customers),
            "amount": str(amount // 100) if rng.random() < 0.5 else _money(amount),  # both forms occur
            "dealstage": deal.stage,
            "pipeline": "default",
            "closedate": _instant(closed),
            "hubspot_owner_id": str(owner),
            "deal_currency_code": deal.currency,
            "hs_deal_stage_probability": str(
                Decimal(_STAGE_PROBABILITY[deal.stage])
            ),  # the double's expansion
            "description": rng.choice(names.SCOPE_PHRASES) if rng.random() < 0.2 else None,
            cs.DEAL_PROJECT_ID: deal.raw_id,
            cs.DEAL_EST_MARGIN: _percent(deal.margin_pct) if late_stage else None,
            cs.DEAL_SCOPE: scope,
            cs.DEAL_PROPOSAL_VERSION: version,
        }
        crm.add("deals", deal.crm_id, props, created, modified)
        crm.link("deals", deal.crm_id, "companies", self.company_ids[deal.customer])
        contacts = self.contacts[deal.customer]
        mine = rng.sample(contacts, rng.randint(1, min(3, len(contacts))))
        for contact_id in mine:
            crm.link("deals", deal.crm_id, "contacts", contact_id)
        primary = None
        if "primary_contact" not in deal.gaps if deal.won else rng.random() < 0.8:
            primary = self.contact_names[mine[0]]
            crm.label_primary(deal.crm_id, mine[0])
        items = []
        if "line_items" not in deal.gaps if deal.won else deal.stage in OPEN_STAGES and rng.random() < 0.5:
            items = _line_items(rng, amount)
        for name, quantity, price, total in items:
            item_id = crm.new_id("line_items")
            item = {"name": name, "quantity": str(quantity), "price": _money(price), "amount": _money(total)}
            crm.add("line_items", item_id, item, created, modified)
            crm.link("deals", deal.crm_id, "line_items", item_id)
        if "presales_ticket" not in deal.gaps if deal.won else rng.random() < 0.3:
            self._presales_ticket(deal)
        if "notes" not in deal.gaps:
            self._notes(deal)
        if delivery is not None:
            self._delivery_tickets(deal, delivery)
            if "project_record" not in deal.gaps:
                handover: _Props = {
                    "scope_summary": scope,
                    "signed_proposal_version": version,
                    "contract_value": props["amount"],
                    "deal_currency_code": deal.currency,
                    "primary_contact": primary,
                    "pricing_summary": "; ".join(f"{n} {q} × {_money(p)}" for n, q, p, _ in items) or None,
                }
                self._project_record(deal, delivery, handover)

    def _ticket(self, deal: Deal, kind: str, opened_ago: int, closed_ago: int | None) -> None:
        rng, clock = self.rng, self.clock
        subjects = {"presales": names.PRESALES_SUBJECTS, "incident": names.INCIDENT_SUBJECTS,
                    "change_request": names.CHANGE_SUBJECTS}  # fmt: skip
        category = {
            "presales": "GENERAL_INQUIRY",
            "incident": "PRODUCT_ISSUE",
            "change_request": "FEATURE_REQUEST",
        }
        opened = clock.moment(rng, opened_ago)
        closed = None if closed_ago is None else max(opened, clock.moment(rng, closed_ago))
        props: _Props = {
            "subject": rng.choice(subjects[kind]),
            "content": "Raised during the sales cycle." if kind == "presales" else "Raised during delivery.",
            "hs_pipeline": "0",
            "hs_pipeline_stage": "4" if closed else rng.choice(("1", "2", "3")),  # 4 = closed
            "hs_ticket_category": category[kind],
            "ticket_kind": kind,
            "closed_date": _instant(closed) if closed else None,
        }
        ticket_id = self.crm.new_id("tickets")
        self.crm.add("tickets", ticket_id, props, opened, closed or opened)
        self.crm.link("deals", deal.crm_id, "tickets", ticket_id)

    def _presales_ticket(self, deal: Deal) -> None:
        rng = self.rng
        end = max(1, deal.close_ago)
        opened_ago = rng.randint(end, max(end, deal.create_ago))
        is_open = rng.random() < (0.1 if deal.close_ago >= 1 else 0.5)
        self._ticket(deal, "presales", opened_ago, None if is_open else rng.randint(end, opened_ago))

    def _delivery_tickets(self, deal: Deal, delivery: Delivery) -> None:
        rng = self.rng
        if delivery.progress < 0.15:
            return
        for _ in range(rng.choices((0, 1, 2, 3), weights=(3, 3, 2, 1))[0]):
            kind = "incident" if rng.random() < 0.6 else "change_request"
            opened_ago = rng.randint(1, delivery.start_ago)
            is_open = rng.random() < (0.7 if opened_ago <= 30 else 0.1)
            self._ticket(deal, kind, opened_ago, None if is_open else max(1, opened_ago - rng.randint(1, 20)))

    def _notes(self, deal: Deal) -> None:
        rng, end = self.rng, max(1, deal.close_ago)
        for _ in range(rng.randint(1, 6)):
            note_id = self.crm.new_id("notes")
            when = self.clock.moment(rng, rng.randint(end, max(end, deal.create_ago)))
            text = rng.choice(names.NOTE_TEXTS).format(contact=rng.choice(names.FIRST_NAMES))
            note: _Props = {"hs_note_body": f"<p>{text}</p>", "hs_timestamp": _instant(when)}
            self.crm.add("notes", note_id, note, when, when)
            self.crm.link("deals", deal.crm_id, "notes", note_id)

    def _project_record(self, deal: Deal, delivery: Delivery, handover: _Props) -> None:
        """The delivery team's project record; `handover` carries what sales passed on (the deal's values)."""
        rng, clock = self.rng, self.clock
        created_ago = max(1, deal.close_ago - rng.randint(0, 5))
        created = clock.moment(rng, created_ago)
        modified = max(created, clock.moment(rng, rng.randint(1, created_ago)))
        reported = {"completed": "100", "planning": "0"}.get(
            delivery.status, str(max(0, min(99, round(delivery.progress * 100 + rng.gauss(0, 3)))))
        )
        total, done = delivery.milestones_total, delivery.milestones_done
        next_name, next_date = None, None
        if done < total:
            milestones = names.SERVICES[deal.service][1]
            next_name = f"M{done + 1}: " + (milestones[done] if done < len(milestones) else "Acceptance")
            next_date = clock.day(delivery.start_ago - round(delivery.planned_days * (done + 1) / total))
        props: _Props = {
            "project_name": delivery.name,
            "erp_project_id": deal.raw_id,  # typed in by the same person as the deal's, so equally wrong
            "project_status": delivery.status,
            "percent_complete": None if rng.random() < 0.3 else reported,  # empty: cost-to-cost fallback
            "milestones_total": str(total),
            "milestones_done": str(done),
            "next_milestone": next_name,
            "next_milestone_date": next_date.isoformat() if next_date else None,
            **handover,
        }
        record_id = self.crm.new_id("projects")
        self.crm.add(cs.CUSTOM_OBJECT, record_id, props, created, modified)
        self.crm.link("deals", deal.crm_id, cs.CUSTOM_OBJECT, record_id)


def _line_items(rng: random.Random, amount_cents: int) -> list[tuple[str, int, int, int]]:
    """2-5 line items (name, quantity, unit price, amount; cents) that add up to the deal amount exactly."""
    count = rng.randint(2, 5)
    others = [(n, 0) for n in names.LINE_ITEM_FIXED[1:]] + list(names.LINE_ITEM_DAY_RATES)
    chosen = [*rng.sample(others, count - 1), (names.LINE_ITEM_FIXED[0], 0)]
    weights = [rng.uniform(0.5, 2.0) for _ in chosen]
    items, total = [], 0
    for (name, day_rate), weight in zip(chosen[:-1], weights, strict=False):
        share = amount_cents * weight / sum(weights)
        if day_rate:
            quantity, price = max(1, round(share / (day_rate * 100))), day_rate * 100
        else:
            quantity, price = 1, max(10_000, round(share / 10_000) * 10_000)
        items.append((name, quantity, price, quantity * price))
        total += quantity * price
    if amount_cents - total < 100_000:  # the fixed fee must keep a sensible remainder: share plainly instead
        items, total = [], 0
        for (name, _), weight in zip(chosen[:-1], weights, strict=False):
            share = int(amount_cents * weight / sum(weights)) // 100 * 100
            items.append((name, 1, share, share))
            total += share
    remainder = amount_cents - total
    items.append((chosen[-1][0], 1, remainder, remainder))
    return items
