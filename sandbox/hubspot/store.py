"""The HubSpot sandbox's data access: CRM records, associations and owners in SQLite, plus search.

Reads that HubSpot pages by id (lists, gets, batch reads, associations) are SQL queries. Search filters in
Python over one object type's parsed rows, cached until that type's rows change, so a search over 10,000
deals costs a few milliseconds. Every write goes to SQLite first and then drops the cache; the next search
parses again only the rows whose stored text changed (a record is made of its row alone).

A portal may index for search late (`index_delay`, sandbox/hubspot/portal.py): search then answers with
each record as it was `index_delay` ago, from the versions its writes replaced (kept in memory while the
server runs), leaves out a record created since and still lists one archived since; reads by id, lists
and batch reads are SQL and see every write at once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, String, and_, delete, func, insert, select, type_coerce, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from sandbox.crm_schema import PROPERTIES
from sandbox.db import CrmAssociation, CrmObject, CrmOwner, dumps_properties
from sandbox.hubspot.instants import instant, now_utc, utc
from sandbox.hubspot.search import Filter, Sort, compile_filter, matches_query, sort_records

OBJECTS = CrmObject.__table__  # type: ignore[attr-defined]
LINKS = CrmAssociation.__table__  # type: ignore[attr-defined]
OWNERS = CrmOwner.__table__  # type: ignore[attr-defined]
CHANGED_BY_ID = 500  # rows `active` parses again by id; more are read in one pass over the type

# ---------------------------------------------------------------------------------------------------
# Values handed to the API layer
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    """One CRM record as the API sees it: stored properties plus the ones HubSpot maintains."""

    id: int
    properties: dict[str, str | None]
    created_at: datetime
    updated_at: datetime
    archived: bool


@dataclass(frozen=True)
class Link:
    """One association seen from its `from` side."""

    from_id: int
    to_id: int
    type_id: int
    category: str
    label: str | None


@dataclass(frozen=True)
class Owner:
    """One owner (a HubSpot user who can own records)."""

    id: int
    user_id: int
    email: str
    first_name: str
    last_name: str
    team: str | None
    archived: bool
    created_at: datetime
    updated_at: datetime


def _stored(raw: str) -> dict[str, str | None]:
    values: dict[str, Any] = json.loads(raw or "{}")
    # The generator may have written numbers; HubSpot only ever has strings.
    return {name: None if value is None else str(value) for name, value in values.items()}


def _system_values(object_type: str, record_id: int, created: datetime, updated: datetime) -> dict[str, str]:
    defined = PROPERTIES[object_type]
    values = {"hs_object_id": str(record_id)}
    for name in ("createdate", "hs_createdate"):
        if name in defined:
            values[name] = instant(created)
    for name in ("hs_lastmodifieddate", "lastmodifieddate"):
        if name in defined:
            values[name] = instant(updated)
    return values


def _record(object_type: str, row: Any) -> Record:
    created, updated = utc(row.created_at), utc(row.updated_at)
    properties = _stored(row.properties) | _system_values(object_type, row.id, created, updated)
    return Record(row.id, properties, created, updated, bool(row.archived))


# ---------------------------------------------------------------------------------------------------
# The store
# ---------------------------------------------------------------------------------------------------


class HubSpotStore:
    """CRM records, associations and owners of the sandbox portal, read and written through SQLite."""

    def __init__(
        self, engine: Engine, *, links_touch: bool = True, index_delay: timedelta = timedelta(0)
    ) -> None:
        self._engine = engine
        self._links_touch = links_touch
        self._index_delay = index_delay
        self._lock = threading.RLock()
        self._cache: dict[str, tuple[tuple[Any, ...], list[Record]]] = {}
        self._parsed: dict[str, dict[int, tuple[tuple[Any, ...], Record]]] = {}
        """type -> {id: (the row's stored text, its Record)}: kept across writes, so `active` parses again
        only the rows that changed."""
        self._replaced: dict[tuple[str, int], list[Record]] = {}
        """(type, id) -> the versions a write replaced, oldest first; only while search indexes late."""
        self._archived: dict[str, dict[int, tuple[Record, datetime]]] = {}
        """type -> {id: (the record as archived, when)}: listed by search until it indexes the archiving."""

    # -- records ------------------------------------------------------------------------------------

    def page(self, object_type: str, after: int, limit: int, archived: bool) -> tuple[list[Record], bool]:
        """Up to `limit` records with id >= after in id order, and whether more follow."""
        query = (
            select(OBJECTS)
            .where(
                OBJECTS.c.object_type == object_type, OBJECTS.c.archived == archived, OBJECTS.c.id >= after
            )
            .order_by(OBJECTS.c.id)
            .limit(limit + 1)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [_record(object_type, row) for row in rows[:limit]], len(rows) > limit

    def get_many(self, object_type: str, ids: Iterable[int], archived: bool = False) -> dict[int, Record]:
        """The records among `ids` that exist (and are archived or not, as asked), by id."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        query = select(OBJECTS).where(
            OBJECTS.c.object_type == object_type, OBJECTS.c.archived == archived, OBJECTS.c.id.in_(wanted)
        )
        with self._engine.connect() as conn:
            return {row.id: _record(object_type, row) for row in conn.execute(query)}

    def find_many(
        self, object_type: str, name: str, values: Iterable[str], archived: bool = False
    ) -> dict[str, Record]:
        """Records whose property `name` equals one of `values`, by value (the lowest id wins a tie)."""
        wanted = sorted(set(values))
        if not wanted:
            return {}
        if name == "hs_object_id":
            numeric = {int(v): v for v in wanted if v.isdigit()}
            found = self.get_many(object_type, numeric, archived)
            return {numeric[record_id]: record for record_id, record in found.items()}
        column = func.json_extract(OBJECTS.c.properties, f'$."{name}"')
        query = (
            select(OBJECTS)
            .where(OBJECTS.c.object_type == object_type, OBJECTS.c.archived == archived, column.in_(wanted))
            .order_by(OBJECTS.c.id.desc())
        )
        with self._engine.connect() as conn:
            records = [_record(object_type, row) for row in conn.execute(query)]
        return {record.properties[name] or "": record for record in records}

    def active(self, object_type: str) -> list[Record]:
        """Every unarchived record of a type, parsed once and cached until the type's rows change; then only
        the rows whose stored text changed are parsed again (a write to 10 deals re-reads 10, not 10,000)."""
        fingerprint = select(func.count(), func.max(OBJECTS.c.updated_at), func.max(OBJECTS.c.id)).where(
            OBJECTS.c.object_type == object_type
        )
        with self._lock, self._engine.connect() as conn:
            key = tuple(conn.execute(fingerprint).one())
            cached = self._cache.get(object_type)
            if cached and cached[0] == key:
                return cached[1]
            live = and_(OBJECTS.c.object_type == object_type, OBJECTS.c.archived.is_(False))
            # a record is made of its row alone: the same stored text makes the same Record
            stored = conn.execute(
                select(
                    OBJECTS.c.id,
                    OBJECTS.c.properties,
                    type_coerce(OBJECTS.c.created_at, String),
                    type_coerce(OBJECTS.c.updated_at, String),
                )
                .where(live)
                .order_by(OBJECTS.c.id)
            ).all()
            parsed = self._parsed.get(object_type, {})
            changed = [row.id for row in stored if parsed.get(row.id, (None,))[0] != tuple(row[1:])]
            # a few changed rows by id; many (the first read) in one pass, clear of SQLite's variable limit
            wanted = set(changed)
            where = and_(live, OBJECTS.c.id.in_(changed)) if len(changed) <= CHANGED_BY_ID else live
            rows = conn.execute(select(OBJECTS).where(where)) if changed else []
            fresh = {row.id: _record(object_type, row) for row in rows if row.id in wanted}
            kept = {
                row.id: (tuple(row[1:]), fresh[row.id] if row.id in fresh else parsed[row.id][1])
                for row in stored
            }
            records = [record for _, record in kept.values()]
            self._parsed[object_type] = kept
            self._cache[object_type] = (key, records)
            return records

    def search(
        self,
        object_type: str,
        groups: Sequence[Sequence[Filter]],
        sorts: Sequence[Sort],
        query: str | None,
    ) -> list[Record]:
        """Records matching any group (all filters of a group) and the free-text query, sorted."""
        compiled = [[compile_filter(object_type, spec) for spec in group] for group in groups if group]
        records = self.active(object_type)
        if self._index_delay > timedelta(0):
            cutoff = now_utc() - self._index_delay
            with self._lock:
                archived = self._archived.get(object_type, {})
                for key in [key for key, (_, when) in archived.items() if when <= cutoff]:
                    del archived[key]
                unindexed = [record for record, _ in archived.values()]
            records = sorted(records + unindexed, key=lambda record: record.id) if unindexed else records
            records = self._indexed(object_type, records, cutoff)
        if compiled:
            records = [r for r in records if any(all(t(r.properties) for t in group) for group in compiled)]
        if query and query.strip():
            matches = matches_query(object_type, query)
            records = [r for r in records if matches(r)]
        return sort_records(object_type, records, sorts) if sorts else records

    def _indexed(self, object_type: str, records: list[Record], cutoff: datetime) -> list[Record]:
        """Each record as search has indexed it by `cutoff`: its newest version written by then, or none."""
        out = []
        for record in records:
            if record.updated_at <= cutoff:
                out.append(record)
                continue
            older = [v for v in self._replaced.get((object_type, record.id), ()) if v.updated_at <= cutoff]
            if older:
                out.append(older[-1])
        return out

    def _replacing(self, object_type: str, rows: Iterable[Any]) -> None:
        """Keep the versions about to be overwritten, for search to answer with until it has indexed."""
        if self._index_delay <= timedelta(0):
            return
        for row in rows:
            versions = self._replaced.setdefault((object_type, row.id), [])
            versions.append(_record(object_type, row))
            del versions[:-20]  # a search older than the last 20 writes to one record is not asked for

    def create(self, object_type: str, values: dict[str, str | None], moment: datetime) -> Record:
        """Insert a record with the next free id; None values are left unset."""
        stored = {name: value for name, value in values.items() if value is not None}
        stamp = utc(moment)
        with self._lock, self._engine.begin() as conn:
            # The next id of the type (portals number each type in its own range), else past every id.
            same_type = select(func.max(OBJECTS.c.id)).where(OBJECTS.c.object_type == object_type)
            last = conn.execute(same_type).scalar() or conn.execute(select(func.max(OBJECTS.c.id))).scalar()
            next_id = (last or 0) + 1
            conn.execute(
                insert(OBJECTS).values(
                    object_type=object_type,
                    id=next_id,
                    properties=dumps_properties(stored),
                    created_at=stamp,
                    updated_at=stamp,
                    archived=False,
                )
            )
            self._cache.pop(object_type, None)
        return Record(
            next_id,
            stored | _system_values(object_type, next_id, moment, moment),
            utc(moment),
            utc(moment),
            False,
        )

    def update(
        self, object_type: str, record_id: int, changes: dict[str, str | None], moment: datetime
    ) -> Record | None:
        """Merge changes into an unarchived record (None clears a value); None if there is no such record."""
        where = and_(
            OBJECTS.c.object_type == object_type, OBJECTS.c.id == record_id, OBJECTS.c.archived.is_(False)
        )
        with self._lock, self._engine.begin() as conn:
            row = conn.execute(select(OBJECTS).where(where)).one_or_none()
            if row is None:
                return None
            self._replacing(object_type, [row])
            stored = _stored(row.properties) | changes
            stored = {name: value for name, value in stored.items() if value is not None}
            stamp = utc(moment)
            conn.execute(
                update(OBJECTS).where(where).values(properties=dumps_properties(stored), updated_at=stamp)
            )
            self._cache.pop(object_type, None)
        created = utc(row.created_at)
        return Record(
            record_id,
            stored | _system_values(object_type, record_id, created, moment),
            created,
            utc(moment),
            False,
        )

    def archive(self, object_type: str, ids: Iterable[int], moment: datetime) -> None:
        """Archive records (HubSpot's DELETE); unknown ids are ignored, as HubSpot does."""
        wanted = list(set(ids))
        if not wanted:
            return
        with self._lock, self._engine.begin() as conn:
            if self._index_delay > timedelta(0):
                live = and_(
                    OBJECTS.c.object_type == object_type,
                    OBJECTS.c.id.in_(wanted),
                    OBJECTS.c.archived.is_(False),
                )
                archived = self._archived.setdefault(object_type, {})
                for row in conn.execute(select(OBJECTS).where(live)):
                    archived[row.id] = (_record(object_type, row), utc(moment))
            conn.execute(
                update(OBJECTS)
                .where(OBJECTS.c.object_type == object_type, OBJECTS.c.id.in_(wanted))
                .values(archived=True, updated_at=utc(moment))
            )
            # the records on the other end lose an association, so their counts change (see _touch)
            linked = select(LINKS.c.to_type, LINKS.c.to_id).where(
                LINKS.c.from_type == object_type, LINKS.c.from_id.in_(wanted)
            )
            self._touch(conn, [(row.to_type, row.to_id) for row in conn.execute(linked)], moment)
            self._cache.clear()

    # -- associations -------------------------------------------------------------------------------

    def links(self, from_type: str, from_ids: Iterable[int], to_type: str) -> dict[int, list[Link]]:
        """Associations from each of `from_ids` to unarchived records of `to_type`, by from id."""
        wanted = sorted(set(from_ids))
        if not wanted:
            return {}
        target = and_(
            OBJECTS.c.object_type == LINKS.c.to_type,
            OBJECTS.c.id == LINKS.c.to_id,
            OBJECTS.c.archived.is_(False),
        )
        query = (
            select(LINKS)
            .join(OBJECTS, target)
            .where(LINKS.c.from_type == from_type, LINKS.c.from_id.in_(wanted), LINKS.c.to_type == to_type)
            .order_by(LINKS.c.from_id, LINKS.c.to_id, LINKS.c.type_id)
        )
        found: dict[int, list[Link]] = {}
        with self._engine.connect() as conn:
            for row in conn.execute(query):
                link = Link(row.from_id, row.to_id, row.type_id, row.category, row.label)
                found.setdefault(row.from_id, []).append(link)
        return found

    def associate(
        self,
        ends: tuple[str, int, str, int],
        forward: tuple[int, str, str | None],
        backward: tuple[int, str, str | None],
    ) -> None:
        """Store one association in both directions: ends (from type, id, to type, id), (type id, category,
        label) each way. Storing it twice is harmless."""
        from_type, from_id, to_type, to_id = ends
        rows = [
            dict(zip(("type_id", "category", "label"), forward, strict=True))
            | {"from_type": from_type, "from_id": from_id, "to_type": to_type, "to_id": to_id},
            dict(zip(("type_id", "category", "label"), backward, strict=True))
            | {"from_type": to_type, "from_id": to_id, "to_type": from_type, "to_id": from_id},
        ]
        with self._lock, self._engine.begin() as conn:
            if conn.execute(sqlite_insert(LINKS).values(rows).on_conflict_do_nothing()).rowcount:
                self._touch(conn, [(from_type, from_id), (to_type, to_id)], now_utc())

    def unassociate(self, from_type: str, from_id: int, to_type: str, to_id: int) -> None:
        """Remove every association between two records, both directions."""
        one_way = and_(
            LINKS.c.from_type == from_type,
            LINKS.c.from_id == from_id,
            LINKS.c.to_type == to_type,
            LINKS.c.to_id == to_id,
        )
        other_way = and_(
            LINKS.c.from_type == to_type,
            LINKS.c.from_id == to_id,
            LINKS.c.to_type == from_type,
            LINKS.c.to_id == from_id,
        )
        with self._lock, self._engine.begin() as conn:
            if conn.execute(delete(LINKS).where(one_way | other_way)).rowcount:
                self._touch(conn, [(from_type, from_id), (to_type, to_id)], now_utc())

    def _touch(self, conn: Any, ends: Sequence[tuple[str, int]], moment: datetime) -> None:
        """Move the hs_lastmodifieddate of records whose associations changed.

        HubSpot recalculates a record's association counts (num_associated_contacts, num_notes,
        hs_num_of_associated_line_items...) when an association is made or removed, and that moves its
        hs_lastmodifieddate; an incremental reader relies on it to notice association changes. HubSpot does
        not document it, so a portal may be served without it (`links_touch=False`, the varied portal).
        """
        if not self._links_touch:
            return
        by_type: dict[str, set[int]] = {}
        for object_type, record_id in ends:
            by_type.setdefault(object_type, set()).add(record_id)
        for object_type, ids in by_type.items():
            if self._index_delay > timedelta(0):
                where = and_(OBJECTS.c.object_type == object_type, OBJECTS.c.id.in_(sorted(ids)))
                self._replacing(object_type, conn.execute(select(OBJECTS).where(where)).all())
            conn.execute(
                update(OBJECTS)
                .where(
                    OBJECTS.c.object_type == object_type,
                    OBJECTS.c.id.in_(sorted(ids)),
                    OBJECTS.c.archived.is_(False),
                )
                .values(updated_at=utc(moment))
            )
            self._cache.pop(object_type, None)

    # -- owners -------------------------------------------------------------------------------------

    def owners(self, after: int, limit: int, email: str | None, archived: bool) -> tuple[list[Owner], bool]:
        """Up to `limit` owners with id >= after (only `email` when given), and whether more follow."""
        query = select(OWNERS).where(OWNERS.c.id >= after, OWNERS.c.archived == archived)
        if email:
            query = query.where(func.lower(OWNERS.c.email) == email.strip().lower())
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(OWNERS.c.id).limit(limit + 1)).all()
        return [_owner(row) for row in rows[:limit]], len(rows) > limit

    def owner(self, key: int, by_user_id: bool = False) -> Owner | None:
        """One owner by owner id (or by user id)."""
        column = OWNERS.c.user_id if by_user_id else OWNERS.c.id
        with self._engine.connect() as conn:
            row = conn.execute(select(OWNERS).where(column == key)).first()
        return None if row is None else _owner(row)


def _owner(row: Any) -> Owner:
    return Owner(
        row.id,
        row.user_id,
        row.email,
        row.first_name,
        row.last_name,
        row.team,
        bool(row.archived),
        utc(row.created_at),
        utc(row.updated_at),
    )
