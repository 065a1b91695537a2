"""A HubSpot-compatible CRM API over the sandbox SQLite file, faithful enough for the official SDK.

Serves CRM objects (`/crm/v3/objects/{t}` and `/crm/objects/2026-03/{t}`), associations v4 (and their
2026-03 paths), owners, pipelines, properties and schemas, with HubSpot's bearer auth, error envelope,
correlation ids, rate limits (rolling 10 s burst, daily, search per second) and quirks: batch results out
of input order, 207 partial failures, the v3 association map with `_unlabeled` duplicates, numeric v4
`toObjectId`, and the 10,000-result search cap. See /work/shared/reference/hubspot-api.md, section 8.
"""

from __future__ import annotations

import hmac
import json
import math
import random
import time
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import uuid4

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from limits import RateLimitItem, RateLimitItemPerDay, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from sandbox.crm_schema import (
    ASSOCIATION_TYPES,
    CUSTOM_FULLY_QUALIFIED,
    CUSTOM_OBJECT,
    CUSTOM_OBJECT_TYPES,
    CUSTOM_PRIMARY_DISPLAY,
    CUSTOM_REQUIRED,
    CUSTOM_SCHEMA_ID,
    CUSTOM_SECONDARY_DISPLAY,
    DEAL_STAGES,
    DEFAULT_PROPERTIES,
    OBJECT_TYPES,
    PORTAL_ID,
    PRIMARY_CONTACT_LABEL,
    PRIMARY_CONTACT_REVERSE_TYPE_ID,
    PRIMARY_CONTACT_TYPE_ID,
    PROPERTIES,
    PROPERTY_GROUPS,
    PROPERTY_LABELS,
    PROPERTY_OPTIONS,
    SEARCHABLE_PROPERTIES,
    SINGULAR,
    SYSTEM_PROPERTIES,
    TICKET_STAGES,
    UNIQUE_PROPERTIES,
    association_category,
)
from sandbox.faults import CONTROL_PREFIX, FaultMiddleware, Faults, FaultSettings, add_control_routes
from sandbox.hubspot.store import (
    Filter,
    HubSpotStore,
    Link,
    Owner,
    Record,
    SearchError,
    Sort,
    instant,
    midnight,
    now_utc,
    parse_when,
)

BATCH_MAX = 100
SEARCH_LIMIT_MAX = 200
SEARCH_RESULTS_CAP = 10_000
V4_PAGE_MAX = 500
V4_BATCH_MAX = 1000
EPOCH = "1970-01-01T00:00:00Z"  # HubSpot's createdAt for default pipelines and stages
SCHEMA_CREATED = "2025-01-06T09:00:00Z"
OAUTH_HINT = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
    "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)


@dataclass
class HubSpotLimits:
    """Rate limits and quirks of the sandbox portal (None means unlimited)."""

    burst_per_10s: int | None = None  # private-app burst: 100 Free/Starter, 190 Professional
    daily: int | None = None
    search_per_s: int | None = 5  # the search API's own limit, policyName "SECONDLY"
    retry_after: bool = False  # send Retry-After on real 429s (HubSpot does not document it)
    shuffle_batches: bool = True  # batch results not in input order, as HubSpot returns them
    filter_groups: int = 5
    filters_per_group: int = 6
    filters_total: int = 18


# ---------------------------------------------------------------------------------------------------
# Errors and responses
# ---------------------------------------------------------------------------------------------------


class HubSpotJSON(JSONResponse):
    """JSON with HubSpot's exact content type."""

    media_type = "application/json;charset=utf-8"

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class HubSpotError(Exception):
    """An error HubSpot would answer with its envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        category: str = "VALIDATION_ERROR",
        *,
        sub_category: str | None = None,
        context: dict[str, list[str]] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.category = status, message, category
        self.sub_category, self.context, self.errors = sub_category, context, errors

    def body(self, correlation_id: str) -> dict[str, Any]:
        """The JSON envelope of this error."""
        body: dict[str, Any] = {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id,
            "category": self.category,
        }
        if self.sub_category:
            body["subCategory"] = self.sub_category
        if self.context:
            body["context"] = self.context
        if self.errors:
            body["errors"] = self.errors
        return body


def not_found(message: str = "resource not found", **context: list[str]) -> HubSpotError:
    """HubSpot's 404 for a record, owner, pipeline or property that does not exist."""
    return HubSpotError(404, message, "OBJECT_NOT_FOUND", context=context or None)


def rate_limit_body(policy: str, correlation_id: str) -> dict[str, Any]:
    """HubSpot's 429 body for a policy: TEN_SECONDLY_ROLLING, SECONDLY or DAILY."""
    message = {
        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        "SECONDLY": "You have reached your secondly limit.",
        "DAILY": "You have reached your daily limit.",
    }[policy]
    return {
        "status": "error",
        "message": message,
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id,
        "policyName": policy,
        "requestId": str(uuid4()),
    }


def _correlation_id(request: Request) -> str:
    return getattr(request.state, "correlation_id", None) or str(uuid4())


def _error_response(request: Request, error: HubSpotError) -> Response:
    cid = _correlation_id(request)
    return HubSpotJSON(error.body(cid), error.status, headers={"x-hubspot-correlation-id": cid})


def _ok(body: Any, status: int = 200) -> Response:
    return HubSpotJSON(body, status)


# ---------------------------------------------------------------------------------------------------
# Object types and query parameters
# ---------------------------------------------------------------------------------------------------


def _type_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for name, (type_id, _, _) in OBJECT_TYPES.items():
        aliases.update({name: name, type_id.lower(): name, SINGULAR[name]: name})
    aliases.update({f"p_{CUSTOM_OBJECT}": CUSTOM_OBJECT, CUSTOM_FULLY_QUALIFIED.lower(): CUSTOM_OBJECT})
    aliases["line items"] = "line_items"
    return aliases


TYPE_ALIASES = _type_aliases()


def resolve_type(raw: str) -> str:
    """The canonical object type for a name, objectTypeId, `p_<name>` or fully qualified name."""
    name = TYPE_ALIASES.get(raw.strip().lower())
    if name is None:
        raise HubSpotError(400, f"Unable to infer object type from: {raw}")
    return name


class QueryArgs:
    """HubSpot's query conventions: arrays repeated or comma-joined, booleans in any case."""

    def __init__(self, request: Request) -> None:
        self._params = request.query_params

    def text(self, name: str) -> str | None:
        """A single-valued parameter, or None when absent or empty."""
        value = self._params.get(name)
        return value.strip() if value and value.strip() else None

    def names(self, name: str) -> list[str]:
        """An array parameter: `a=x&a=y` or `a=x,y`, de-duplicated in order."""
        values = (part.strip() for raw in self._params.getlist(name) for part in raw.split(","))
        return list(dict.fromkeys(value for value in values if value))

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean: `true`/`false` in any case (the SDK sends `False`)."""
        value = self.text(name)
        if value is None:
            return default
        if value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise HubSpotError(400, f"Invalid value {value!r} for query parameter {name}: use true or false")

    def number(self, name: str, default: int, maximum: int, minimum: int = 1) -> int:
        """An integer within [minimum, maximum]; out of range is a 400, as HubSpot does."""
        value = self.text(name)
        if value is None:
            return default
        if not value.lstrip("-").isdigit():
            raise HubSpotError(400, f"Invalid value {value!r} for query parameter {name}: use an integer")
        number = int(value)
        if not minimum <= number <= maximum:
            raise HubSpotError(
                400,
                f"{name} must be between {minimum} and {maximum}; got {number}",
                context={name: [value]},
            )
        return number

    def cursor(self, name: str = "after") -> int:
        """A paging cursor: a non-negative integer string."""
        value = self.text(name)
        if value is None:
            return 0
        if not value.isdigit():
            raise HubSpotError(400, f"Invalid paging cursor {name}={value!r}: use the value from paging.next")
        return int(value)


def _association_targets(args: QueryArgs) -> list[str]:
    """The object types named by `associations`; unknown ones are ignored, as HubSpot documents."""
    names = (TYPE_ALIASES.get(name.lower()) for name in args.names("associations"))
    return list(dict.fromkeys(name for name in names if name))


def _numeric_id(raw: str) -> int | None:
    text = str(raw).strip()
    return int(text) if text.isdigit() else None


def _check_id_property(object_type: str, id_property: str | None) -> str | None:
    if id_property in (None, "", "hs_object_id"):
        return None
    if id_property not in PROPERTIES[object_type]:
        raise HubSpotError(400, f"idProperty {id_property!r} does not exist on {object_type}")
    if id_property not in UNIQUE_PROPERTIES.get(object_type, frozenset()):
        raise HubSpotError(
            400,
            f"idProperty {id_property!r} is not a unique property of {object_type}; "
            "use hs_object_id or a property with hasUniqueValue",
        )
    return id_property


# ---------------------------------------------------------------------------------------------------
# Request bodies (camelCase, as the SDK sends them; unknown fields ignored)
# ---------------------------------------------------------------------------------------------------


def _as_text(value: Any) -> Any:
    """HubSpot values are strings; numbers and booleans in JSON are accepted and stringified."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value


Text = Annotated[str, BeforeValidator(_as_text)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class ObjectId(_Body):
    id: Text


class AssociationSpec(_Body):
    associationCategory: Literal["HUBSPOT_DEFINED", "USER_DEFINED", "INTEGRATOR_DEFINED"] = "HUBSPOT_DEFINED"
    associationTypeId: int


class AssociationInput(_Body):
    to: ObjectId
    types: list[AssociationSpec] = Field(min_length=1)


class CreateInput(_Body):
    properties: dict[str, Text | None] = Field(default_factory=dict)
    associations: list[AssociationInput] | None = None
    objectWriteTraceId: str | None = None


class PropertiesBody(_Body):
    properties: dict[str, Text | None]


class UpdateInput(_Body):
    id: Text
    idProperty: str | None = None
    properties: dict[str, Text | None]
    objectWriteTraceId: str | None = None


class BatchRead(_Body):
    inputs: list[ObjectId]
    properties: list[str] | None = None
    propertiesWithHistory: list[str] | None = None
    idProperty: str | None = None


class BatchCreate(_Body):
    inputs: list[CreateInput]


class BatchUpdate(_Body):
    inputs: list[UpdateInput]


class BatchArchive(_Body):
    inputs: list[ObjectId]


Operator = Literal[
    "EQ",
    "NEQ",
    "LT",
    "LTE",
    "GT",
    "GTE",
    "BETWEEN",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "CONTAINS_TOKEN",
    "NOT_CONTAINS_TOKEN",
]


class SearchFilter(_Body):
    propertyName: str
    operator: Operator
    value: Text | None = None
    highValue: Text | None = None
    values: list[Text] | None = None


class SearchFilterGroup(_Body):
    filters: list[SearchFilter] = Field(default_factory=list)


class SearchSort(_Body):
    propertyName: str
    direction: Literal["ASCENDING", "DESCENDING"] = "ASCENDING"


class SearchBody(_Body):
    filterGroups: list[SearchFilterGroup] | None = None
    sorts: list[SearchSort | str] | None = None
    query: str | None = Field(None, max_length=3000)
    properties: list[str] | None = None
    limit: int | None = None
    after: Text | None = None


class FetchInput(_Body):
    id: Text
    after: str | None = None


class AssociationBatchRead(_Body):
    inputs: list[FetchInput]


class DefaultPair(_Body):
    from_: ObjectId = Field(alias="from")
    to: ObjectId


class AssociationBatchDefault(_Body):
    inputs: list[DefaultPair]


def _check_batch_size(count: int, maximum: int = BATCH_MAX) -> None:
    if count > maximum:
        raise HubSpotError(
            400,
            f"Too many inputs: {count}. A batch takes at most {maximum}; split it into smaller batches.",
            context={"inputs": [str(count)]},
        )


# ---------------------------------------------------------------------------------------------------
# Property writes: the checks HubSpot makes before it stores anything
# ---------------------------------------------------------------------------------------------------


def _normalized(object_type: str, name: str, raw: str) -> tuple[str | None, tuple[str, str] | None]:
    """(stored value, None) or (None, (error code, message)) for one non-empty written value."""
    kind, field_type = PROPERTIES[object_type][name]
    text = raw.strip()
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            return None, ("INVALID_DECIMAL", f"{raw} was not a valid number.")
        return text, None
    if kind in ("datetime", "date"):
        moment = parse_when(text)
        if moment is None:
            return None, ("INVALID_DATE", f"{raw} was not a valid epoch-millisecond or ISO-8601 {kind}.")
        if kind == "datetime":
            return instant(moment), None
        if moment != midnight(moment.date()):
            return None, ("INVALID_DATE", f"{raw} is not midnight UTC; {name} is a date property.")
        return moment.date().isoformat(), None
    options = PROPERTY_OPTIONS.get((object_type, name))
    if kind == "enumeration" and options:
        chosen = text.split(";") if field_type == "checkbox" else [text]
        wrong = [option for option in chosen if option not in options]
        if wrong:
            allowed = ", ".join(options)
            return None, ("INVALID_OPTION", f"{wrong[0]} was not one of the allowed options: [{allowed}]")
    return raw, None


def _derived(object_type: str, values: dict[str, str | None], creating: bool) -> dict[str, str | None]:
    """Values HubSpot fills in itself: a deal's stage probability and its default pipeline."""
    if object_type != "deals" or not values.get("dealstage"):
        return values
    probability = {stage: p for stage, _, p, _ in DEAL_STAGES}[values["dealstage"] or ""]
    extra: dict[str, str | None] = {"hs_deal_stage_probability": str(probability)}
    if creating and not values.get("pipeline"):
        extra["pipeline"] = "default"
    return values | extra


def validate_write(
    object_type: str, values: dict[str, str | None], creating: bool = False
) -> dict[str, str | None]:
    """Normalized values to store ("" clears to None); a 400 listing every invalid property otherwise."""
    defined = PROPERTIES[object_type]
    clean: dict[str, str | None] = {}
    problems: list[tuple[str, str, str]] = []
    for name, raw in values.items():
        if name not in defined:
            problems.append((name, "PROPERTY_DOESNT_EXIST", f'Property "{name}" does not exist'))
        elif name in SYSTEM_PROPERTIES:
            problems.append(
                (name, "READ_ONLY_VALUE", f"{name} is a read only property; its value cannot be set.")
            )
        elif raw is None or not raw.strip():
            clean[name] = None
        else:
            value, problem = _normalized(object_type, name, raw)
            if problem:
                problems.append((name, *problem))
            else:
                clean[name] = value
    if problems:
        details = [
            {
                "isValid": False,
                "message": message,
                "error": code,
                "name": name,
                "localizedErrorMessage": message,
                "portalId": PORTAL_ID,
            }
            for name, code, message in problems
        ]
        raise HubSpotError(
            400,
            "Property values were not valid: " + json.dumps(details, separators=(",", ":")),
            errors=[
                {"message": message, "code": code, "context": {"propertyName": [name]}}
                for name, code, message in problems
            ],
        )
    return _derived(object_type, clean, creating)


# ---------------------------------------------------------------------------------------------------
# Associations: type ids, names and the two wire shapes
# ---------------------------------------------------------------------------------------------------

# (from type, type id) -> to type, and the type id of the same association seen from the other side.
_LABELLED = {
    ("deals", PRIMARY_CONTACT_TYPE_ID): ("contacts", PRIMARY_CONTACT_REVERSE_TYPE_ID),
    ("contacts", PRIMARY_CONTACT_REVERSE_TYPE_ID): ("deals", PRIMARY_CONTACT_TYPE_ID),
}
TYPE_TARGETS: dict[tuple[str, int], tuple[str, int]] = {
    (a, type_id): (b, ASSOCIATION_TYPES[(b, a)]) for (a, b), type_id in ASSOCIATION_TYPES.items()
} | _LABELLED


def _type_label(type_id: int) -> str | None:
    return (
        PRIMARY_CONTACT_LABEL
        if type_id in (PRIMARY_CONTACT_TYPE_ID, PRIMARY_CONTACT_REVERSE_TYPE_ID)
        else None
    )


def _default_type(from_type: str, to_type: str) -> int:
    type_id = ASSOCIATION_TYPES.get((from_type, to_type))
    if type_id is None:
        raise HubSpotError(400, f"{from_type} cannot be associated with {to_type} in this portal")
    return type_id


def _v3_key(object_type: str) -> str:
    """The key of the v3 association map: the plural name, with a space in `line items`."""
    return object_type.replace("_", " ") if object_type == "line_items" else object_type


def _v3_entries(from_type: str, to_type: str, links: list[Link]) -> list[dict[str, str]]:
    """Each associated id twice, as `a_to_b` and `a_to_b_unlabeled`, as HubSpot lists them."""
    name = f"{SINGULAR[from_type]}_to_{SINGULAR[to_type]}"
    ids = dict.fromkeys(str(link.to_id) for link in links)
    return [{"id": to_id, "type": kind} for to_id in ids for kind in (name, name + "_unlabeled")]


def _v4_targets(links: list[Link]) -> list[dict[str, Any]]:
    """v4 results: one entry per associated record; toObjectId is a JSON number, as HubSpot sends it."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for link in links:
        spec = {"category": link.category, "typeId": link.type_id, "label": link.label}
        grouped.setdefault(link.to_id, []).append(spec)
    return [{"toObjectId": to_id, "associationTypes": specs} for to_id, specs in grouped.items()]


# ---------------------------------------------------------------------------------------------------
# Records on the wire
# ---------------------------------------------------------------------------------------------------


def record_json(
    object_type: str,
    record: Record,
    requested: list[str] | None = None,
    *,
    history: Iterable[str] = (),
    associations: dict[str, Any] | None = None,
    full: bool = False,
) -> dict[str, Any]:
    """A SimplePublicObject: requested properties (null when defined but unset, omitted when undefined)
    plus the ones HubSpot always adds; `full` returns every set property, as writes do."""
    defined = PROPERTIES[object_type]
    values = record.properties
    if full:
        chosen = {name: value for name, value in values.items() if value is not None}
    else:
        names = requested or DEFAULT_PROPERTIES[object_type]
        chosen = {name: values.get(name) for name in names if name in defined}
        chosen.update({name: values[name] for name in SYSTEM_PROPERTIES if name in values})
    body: dict[str, Any] = {
        "id": str(record.id),
        "properties": chosen,
        "createdAt": instant(record.created_at),
        "updatedAt": instant(record.updated_at),
        "archived": record.archived,
    }
    if record.archived:
        body["archivedAt"] = instant(record.updated_at)
    with_history = [name for name in history if name in defined]
    if with_history:
        stamp = instant(record.updated_at)
        body["propertiesWithHistory"] = {
            name: [{"value": values[name], "timestamp": stamp, "sourceType": "API", "sourceId": "sandbox"}]
            if values.get(name) is not None
            else []
            for name in with_history
        }
    if associations:
        body["associations"] = associations
    return body


# ---------------------------------------------------------------------------------------------------
# Rate limits (the `limits` library, in memory)
# ---------------------------------------------------------------------------------------------------


@dataclass
class Admission:
    """What the rate limiter decided for one request."""

    policy: str | None = None  # the exhausted policy, or None when the request may proceed
    headers: dict[str, str] = field(default_factory=dict)
    retry_after_s: int | None = None


class RateGate:
    """HubSpot's limits for one token: rolling 10 s burst and daily for the API, per second for search."""

    KEY = "portal"

    def __init__(self, limits: HubSpotLimits) -> None:
        self._limits = limits
        storage = MemoryStorage()
        self._moving = MovingWindowRateLimiter(storage)
        self._fixed = FixedWindowRateLimiter(storage)
        burst = limits.burst_per_10s
        self._burst = RateLimitItemPerSecond(burst, 10, namespace="BURST") if burst else None
        self._secondly = RateLimitItemPerSecond(max(1, burst // 10), 1, namespace="LEGACY") if burst else None
        self._daily = RateLimitItemPerDay(limits.daily, namespace="DAILY") if limits.daily else None
        search = limits.search_per_s
        self._search = RateLimitItemPerSecond(search, 1, namespace="SEARCH") if search else None

    def _retry(self, item: RateLimitItem, moving: bool) -> int | None:
        if not self._limits.retry_after:
            return None
        limiter = self._moving if moving else self._fixed
        reset = limiter.get_window_stats(item, self.KEY).reset_time
        return max(1, math.ceil(reset - time.time()))

    def admit(self, search: bool) -> Admission:
        """Count one request and say whether it exceeds a limit (search answers carry no headers)."""
        if search:
            if self._search and not self._moving.hit(self._search, self.KEY):
                return Admission("SECONDLY", retry_after_s=self._retry(self._search, True))
            return Admission()
        policy, retry = None, None
        if self._burst and not self._moving.hit(self._burst, self.KEY):
            policy, retry = "TEN_SECONDLY_ROLLING", self._retry(self._burst, True)
        elif self._daily and not self._fixed.hit(self._daily, self.KEY):
            policy, retry = "DAILY", self._retry(self._daily, False)
        if self._secondly:
            self._moving.hit(self._secondly, self.KEY)  # only feeds the legacy -Secondly headers
        return Admission(policy, self._headers(), retry)

    def _headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        if self._burst and self._secondly:
            burst = self._moving.get_window_stats(self._burst, self.KEY).remaining
            secondly = self._moving.get_window_stats(self._secondly, self.KEY).remaining
            headers |= {
                "X-HubSpot-RateLimit-Max": str(self._burst.amount),
                "X-HubSpot-RateLimit-Remaining": str(max(0, burst)),
                "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                "X-HubSpot-RateLimit-Secondly": str(self._secondly.amount),
                "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, secondly)),
            }
        if self._daily:
            daily = self._fixed.get_window_stats(self._daily, self.KEY).remaining
            headers |= {
                "X-HubSpot-RateLimit-Daily": str(self._daily.amount),
                "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, daily)),
            }
        return headers


def _is_search(path: str) -> bool:
    return path.rstrip("/").endswith("/search")


def api_family(path: str) -> str:
    """The API family of a path, for the fault middleware's request counts."""
    path = path.rstrip("/")
    if _is_search(path):
        return "search"
    if "/associations" in path:
        return "associations"
    if "/batch/" in path:
        return "batch"
    if path.startswith(("/crm/v3/objects", "/crm/objects/")):
        return "objects"
    return "other"


_CATEGORY_BY_STATUS = {
    400: "VALIDATION_ERROR",
    401: "INVALID_AUTHENTICATION",
    403: "MISSING_SCOPES",
    404: "OBJECT_NOT_FOUND",
    409: "CONFLICT",
    429: "RATE_LIMITS",
}


def fault_responder(limits: HubSpotLimits) -> Callable[[str, Request, FaultSettings], Response]:
    """The injected-fault answers in HubSpot's own shapes (envelope, 429 body and headers)."""

    def respond(kind: str, request: Request, settings: FaultSettings) -> Response:
        cid = str(uuid4())
        headers = {"x-hubspot-correlation-id": cid}
        if kind == "rate_limit":
            search = _is_search(request.url.path)
            if not search:
                headers |= {
                    "X-HubSpot-RateLimit-Max": str(limits.burst_per_10s or 100),
                    "X-HubSpot-RateLimit-Remaining": "0",
                    "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
                }
            if settings.retry_after_s and settings.retry_after_s > 0:
                headers["Retry-After"] = str(math.ceil(settings.retry_after_s))
            policy = "SECONDLY" if search else "TEN_SECONDLY_ROLLING"
            return HubSpotJSON(rate_limit_body(policy, cid), 429, headers=headers)
        status = settings.error_status
        category = _CATEGORY_BY_STATUS.get(status, "INTERNAL_ERROR" if status >= 500 else "VALIDATION_ERROR")
        message = "internal error" if status >= 500 else f"The request failed with status {status}."
        return HubSpotJSON(HubSpotError(status, message, category).body(cid), status, headers=headers)

    return respond


# ---------------------------------------------------------------------------------------------------
# CRM objects
# ---------------------------------------------------------------------------------------------------


class ObjectsApi:
    """`/crm/v3/objects/{t}` and `/crm/objects/2026-03/{t}`: list, read, write, batch, search."""

    def __init__(self, store: HubSpotStore, faults: Faults, limits: HubSpotLimits, seed: int) -> None:
        self.store, self.faults, self.limits = store, faults, limits
        self._rng = random.Random(seed)

    # -- helpers ------------------------------------------------------------------------------------

    def _lookup(self, object_type: str, raw_id: str, id_property: str | None, archived: bool) -> Record:
        prop = _check_id_property(object_type, id_property)
        if prop:
            found = self.store.find_many(object_type, prop, [raw_id], archived).get(raw_id)
        else:
            record_id = _numeric_id(raw_id)
            if record_id is None:
                raise not_found("Object not found. objectId are usually numeric.", id=[raw_id])
            found = self.store.get_many(object_type, [record_id], archived).get(record_id)
        if found is None:
            raise not_found(id=[raw_id])
        return found

    def _v3_associations(
        self, object_type: str, records: list[Record], targets: list[str]
    ) -> dict[int, dict[str, Any]]:
        maps: dict[int, dict[str, Any]] = {record.id: {} for record in records}
        for target in targets:
            links = self.store.links(object_type, maps, target)
            for record_id, found in links.items():
                entries = _v3_entries(object_type, target, found)
                maps[record_id][_v3_key(target)] = {"results": entries}
        return maps

    def _batch(
        self,
        started: datetime,
        results: list[dict[str, Any]],
        errors: list[dict[str, Any]],
        status: int = 200,
    ) -> Response:
        if self.limits.shuffle_batches and len(results) > 1:
            shuffled = results[:]
            self._rng.shuffle(shuffled)
            if shuffled == results:  # the point is that clients never rely on input order
                shuffled = shuffled[1:] + shuffled[:1]
            results = shuffled
        body: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body |= {"numErrors": len(errors), "errors": errors}
        body |= {"startedAt": instant(started), "completedAt": instant(now_utc())}
        return _ok(body, 207 if errors else status)

    def _failing(self, ids: Iterable[str | None]) -> bool:
        fail = set(self.faults.settings.batch_fail_ids)
        return bool(fail) and any(value in fail for value in ids if value)

    def _link_specs(
        self, object_type: str, inputs: list[AssociationInput] | None
    ) -> list[tuple[str, int, int, int, str]]:
        """(to type, to id, type id, reverse type id, category) for each association of a create."""
        specs = []
        for item in inputs or []:
            to_id = _numeric_id(item.to.id)
            for kind in item.types:
                target = TYPE_TARGETS.get((object_type, kind.associationTypeId))
                if target is None:
                    raise HubSpotError(
                        400, f"associationTypeId {kind.associationTypeId} does not start at {object_type}"
                    )
                to_type, reverse = target
                if to_id is None or not self.store.get_many(to_type, [to_id]):
                    raise HubSpotError(
                        400, f"Cannot associate with {to_type} {item.to.id}: it does not exist"
                    )
                category = association_category(object_type, to_type, kind.associationTypeId)
                specs.append((to_type, to_id, kind.associationTypeId, reverse, category))
        return specs

    def _create(self, object_type: str, values: dict[str, str | None], specs: list[Any]) -> Record:
        record = self.store.create(object_type, values, now_utc())
        for to_type, to_id, type_id, reverse, category in specs:
            self.store.associate(
                (object_type, record.id, to_type, to_id),
                (type_id, category, _type_label(type_id)),
                (reverse, category, _type_label(reverse)),
            )
        return record

    @staticmethod
    def _error(category: str, message: str, ids: list[str]) -> dict[str, Any]:
        return {
            "status": "error",
            "category": category,
            "message": message,
            "context": {"ids": ids},
            "errors": [],
            "links": {},
        }

    def _missing(self, object_type: str, ids: list[str]) -> dict[str, Any]:
        kind = SINGULAR[object_type].upper()
        message = (
            f"Could not get some {kind} objects, they may be deleted or not exist. Check that ids are valid."
        )
        return self._error("OBJECT_NOT_FOUND", message, ids)

    def _injected(self, object_type: str, raw_id: str, verb: str) -> dict[str, Any]:
        message = (
            f"{SINGULAR[object_type].upper()} {raw_id} could not be {verb}; the other inputs were applied."
        )
        error = self._error("VALIDATION_ERROR", message, [raw_id])
        return error | {"subCategory": "sandbox.BATCH_FAIL_ID"}

    # -- single-record endpoints --------------------------------------------------------------------

    def list_objects(self, object_type: str, request: Request) -> Response:
        """GET /{t}: a page in id order; paging.next.after is the last id + 1."""
        kind = resolve_type(object_type)
        args = QueryArgs(request)
        history = args.names("propertiesWithHistory")
        limit = args.number("limit", 10, 50 if history else 100)
        targets = _association_targets(args)
        records, more = self.store.page(kind, args.cursor(), limit, args.flag("archived"))
        maps = self._v3_associations(kind, records, targets) if targets else {}
        properties = args.names("properties")
        body: dict[str, Any] = {
            "results": [
                record_json(kind, r, properties, history=history, associations=maps.get(r.id))
                for r in records
            ]
        }
        if more and records:
            after = str(records[-1].id + 1)
            link = str(request.url.include_query_params(after=after))
            body["paging"] = {"next": {"after": after, "link": link}}
        return _ok(body)

    def read_object(self, object_type: str, object_id: str, request: Request) -> Response:
        """GET /{t}/{id}, by record id or by a unique property (`idProperty`)."""
        kind = resolve_type(object_type)
        args = QueryArgs(request)
        record = self._lookup(kind, object_id, args.text("idProperty"), args.flag("archived"))
        targets = _association_targets(args)
        maps = self._v3_associations(kind, [record], targets) if targets else {}
        history = args.names("propertiesWithHistory")
        body = record_json(
            kind, record, args.names("properties"), history=history, associations=maps.get(record.id)
        )
        return _ok(body)

    def create_object(self, object_type: str, body: CreateInput) -> Response:
        """POST /{t}: 201 with the new record."""
        kind = resolve_type(object_type)
        values = validate_write(kind, body.properties, creating=True)
        record = self._create(kind, values, self._link_specs(kind, body.associations))
        return _ok(record_json(kind, record, full=True), 201)

    def update_object(
        self, object_type: str, object_id: str, body: PropertiesBody, request: Request
    ) -> Response:
        """PATCH /{t}/{id}: "" clears a value; unknown or read-only properties are a 400."""
        kind = resolve_type(object_type)
        if not body.properties:
            raise HubSpotError(
                400,
                "No properties found to update, please provide at least one.",
                context={"properties": ["{}"]},
            )
        changes = validate_write(kind, body.properties)
        record = self._lookup(kind, object_id, QueryArgs(request).text("idProperty"), False)
        updated = self.store.update(kind, record.id, changes, now_utc())
        if updated is None:
            raise not_found(id=[object_id])
        return _ok(record_json(kind, updated, full=True))

    def archive_object(self, object_type: str, object_id: str) -> Response:
        """DELETE /{t}/{id}: archive; 204 even when there is nothing to archive."""
        kind = resolve_type(object_type)
        record_id = _numeric_id(object_id)
        if record_id is not None:
            self.store.archive(kind, [record_id], now_utc())
        return Response(status_code=204)

    # -- batch endpoints ----------------------------------------------------------------------------

    def batch_read(self, object_type: str, body: BatchRead, request: Request) -> Response:
        """POST /{t}/batch/read: by id or idProperty; missing ids make a 207 with OBJECT_NOT_FOUND."""
        started, kind = now_utc(), resolve_type(object_type)
        _check_batch_size(len(body.inputs))
        archived = QueryArgs(request).flag("archived")
        prop = _check_id_property(kind, body.idProperty)
        keys = list(dict.fromkeys(item.id.strip() for item in body.inputs))
        if prop:
            found = self.store.find_many(kind, prop, keys, archived)
        else:
            numeric = {key: _numeric_id(key) for key in keys}
            records = self.store.get_many(kind, [i for i in numeric.values() if i is not None], archived)
            found = {key: records[i] for key, i in numeric.items() if i is not None and i in records}
        history = body.propertiesWithHistory or []
        results = [
            record_json(kind, found[key], body.properties, history=history) for key in keys if key in found
        ]
        missing = [key for key in keys if key not in found]
        return self._batch(started, results, [self._missing(kind, missing)] if missing else [])

    def batch_create(self, object_type: str, body: BatchCreate) -> Response:
        """POST /{t}/batch/create: 201, or 207 when batch_fail_ids names an input."""
        started, kind = now_utc(), resolve_type(object_type)
        _check_batch_size(len(body.inputs))
        checked = [
            (
                item,
                validate_write(kind, item.properties, creating=True),
                self._link_specs(kind, item.associations),
            )
            for item in body.inputs
        ]
        results, errors = [], []
        for item, values, specs in checked:
            # A create has no record id yet: it is named by its trace id or a unique property's value.
            names = [item.objectWriteTraceId, *(values.get(p) for p in UNIQUE_PROPERTIES.get(kind, ()))]
            if self._failing(names):
                errors.append(self._injected(kind, next(n for n in names if n), "created"))
                continue
            result = record_json(kind, self._create(kind, values, specs), full=True)
            if item.objectWriteTraceId:  # echoed, so a client can pair results with its inputs
                result["objectWriteTraceId"] = item.objectWriteTraceId
            results.append(result)
        return self._batch(started, results, errors, 201)

    def _update_many(self, kind: str, body: BatchUpdate, upsert: bool) -> tuple[list[Any], list[Any]]:
        # Every input is checked before anything is written: one bad input is a 400 for the whole batch.
        checked = [
            (
                item,
                validate_write(kind, item.properties, creating=upsert),
                _check_id_property(kind, item.idProperty),
            )
            for item in body.inputs
        ]
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for item, changes, prop in checked:
            raw = item.id.strip()
            try:
                record: Record | None = self._lookup(kind, raw, prop, False)
            except HubSpotError:
                record = None
            if self._failing([raw, str(record.id) if record else None]):
                errors.append(self._injected(kind, raw, "upserted" if upsert else "updated"))
            elif record is not None:
                updated = self.store.update(kind, record.id, changes, now_utc())
                if updated is not None:
                    results.append(record_json(kind, updated, full=True) | ({"new": False} if upsert else {}))
            elif upsert and prop:
                created = self.store.create(kind, _derived(kind, changes | {prop: raw}, True), now_utc())
                results.append(record_json(kind, created, full=True) | {"new": True})
            else:
                errors.append(self._missing(kind, [raw]))
        return results, errors

    def batch_update(self, object_type: str, body: BatchUpdate) -> Response:
        """POST /{t}/batch/update: 200, or 207 for missing ids and batch_fail_ids (the rest applied)."""
        started, kind = now_utc(), resolve_type(object_type)
        _check_batch_size(len(body.inputs))
        results, errors = self._update_many(kind, body, upsert=False)
        return self._batch(started, results, errors)

    def batch_upsert(self, object_type: str, body: BatchUpdate) -> Response:
        """POST /{t}/batch/upsert: update by idProperty, or create with it; results carry `new`."""
        started, kind = now_utc(), resolve_type(object_type)
        _check_batch_size(len(body.inputs))
        results, errors = self._update_many(kind, body, upsert=True)
        return self._batch(started, results, errors)

    def batch_archive(self, object_type: str, body: BatchArchive) -> Response:
        """POST /{t}/batch/archive: 204."""
        kind = resolve_type(object_type)
        _check_batch_size(len(body.inputs))
        ids = [i for i in (_numeric_id(item.id) for item in body.inputs) if i is not None]
        self.store.archive(kind, ids, now_utc())
        return Response(status_code=204)

    # -- search -------------------------------------------------------------------------------------

    def _filters(self, body: SearchBody) -> list[list[Filter]]:
        groups = body.filterGroups or []
        total = sum(len(group.filters) for group in groups)
        limits = self.limits
        if len(groups) > limits.filter_groups:
            raise HubSpotError(400, f"Too many filter groups: {len(groups)} (at most {limits.filter_groups})")
        if any(len(group.filters) > limits.filters_per_group for group in groups):
            raise HubSpotError(400, f"Too many filters in a group (at most {limits.filters_per_group})")
        if total > limits.filters_total:
            raise HubSpotError(
                400, f"Too many filters: {total} (at most {limits.filters_total} in all groups)"
            )
        return [
            [
                Filter(f.propertyName, f.operator, f.value, f.highValue, tuple(f.values or ()))
                for f in group.filters
            ]
            for group in groups
        ]

    @staticmethod
    def _sorts(body: SearchBody) -> list[Sort]:
        sorts = []
        for sort in body.sorts or []:
            if isinstance(sort, str):
                sorts.append(Sort(sort.lstrip("-"), sort.startswith("-")))
            else:
                sorts.append(Sort(sort.propertyName, sort.direction == "DESCENDING"))
        return sorts

    def search(self, object_type: str, body: SearchBody) -> Response:
        """POST /{t}/search: filter groups, sorts, query; offset paging capped at 10,000 results."""
        kind = resolve_type(object_type)
        limit = 10 if body.limit is None else body.limit
        if not 0 <= limit <= SEARCH_LIMIT_MAX:
            raise HubSpotError(400, f"limit must be between 0 and {SEARCH_LIMIT_MAX}; got {limit}")
        after_text = (body.after or "0").strip() or "0"
        if not after_text.isdigit():
            raise HubSpotError(400, f"Invalid paging cursor after={after_text!r}: use paging.next.after")
        after = int(after_text)
        if after >= SEARCH_RESULTS_CAP:
            raise HubSpotError(
                400,
                f"Search can page through at most {SEARCH_RESULTS_CAP} results (after={after}); "
                "narrow the filters, e.g. by hs_lastmodifieddate, and search again.",
                context={"after": [after_text]},
            )
        try:
            found = self.store.search(kind, self._filters(body), self._sorts(body), body.query)
        except SearchError as error:
            raise HubSpotError(400, str(error)) from error
        end = min(after + limit, SEARCH_RESULTS_CAP)
        properties = body.properties or None
        result: dict[str, Any] = {
            "total": len(found),
            "results": [record_json(kind, r, properties) for r in found[after:end]],
        }
        if end < len(found):
            result["paging"] = {"next": {"after": str(end)}}
        return _ok(result)

    def v3_associations(self, object_type: str, object_id: str, to_type: str, request: Request) -> Response:
        """GET /crm/v3/objects/{t}/{id}/associations/{to}: the v3 shape, [{id, type}]."""
        kind, target = resolve_type(object_type), resolve_type(to_type)
        args = QueryArgs(request)
        limit = args.number("limit", V4_PAGE_MAX, V4_PAGE_MAX)
        record_id = _numeric_id(object_id)
        links = self.store.links(kind, [record_id], target).get(record_id, []) if record_id else []
        entries = [e for e in _v3_entries(kind, target, links) if int(e["id"]) >= args.cursor()]
        body: dict[str, Any] = {"results": entries[: limit * 2]}
        if len(entries) > limit * 2:
            after = entries[limit * 2]["id"]
            body["paging"] = {
                "next": {"after": after, "link": str(request.url.include_query_params(after=after))}
            }
        return _ok(body)


# ---------------------------------------------------------------------------------------------------
# Associations v4 (and the same shapes under 2026-03)
# ---------------------------------------------------------------------------------------------------


class AssociationsApi:
    """Association reads and default/labelled writes in the v4 shapes."""

    def __init__(self, store: HubSpotStore) -> None:
        self.store = store

    def _exists(self, object_type: str, raw_id: str) -> int:
        record_id = _numeric_id(raw_id)
        if record_id is None or not self.store.get_many(object_type, [record_id]):
            raise not_found(f"{SINGULAR[object_type]} {raw_id} does not exist", id=[raw_id])
        return record_id

    def list_links(self, object_type: str, object_id: str, to_type: str, request: Request) -> Response:
        """GET …/{t}/{id}/associations/{to}: up to 500 per page, paging only when more follow."""
        kind, target = resolve_type(object_type), resolve_type(to_type)
        args = QueryArgs(request)
        limit, offset = args.number("limit", V4_PAGE_MAX, V4_PAGE_MAX), args.cursor()
        record_id = _numeric_id(object_id)
        links = self.store.links(kind, [record_id], target).get(record_id, []) if record_id else []
        targets = _v4_targets(links)
        body: dict[str, Any] = {"results": targets[offset : offset + limit]}
        if offset + limit < len(targets):
            after = str(offset + limit)
            body["paging"] = {
                "next": {"after": after, "link": str(request.url.include_query_params(after=after))}
            }
        return _ok(body)

    def batch_read(self, from_type: str, to_type: str, body: AssociationBatchRead) -> Response:
        """POST …/{from}/{to}/batch/read: ids with no associations are 207 errors NO_ASSOCIATIONS_FOUND."""
        started, kind, target = now_utc(), resolve_type(from_type), resolve_type(to_type)
        _check_batch_size(len(body.inputs), V4_BATCH_MAX)
        keys = list(dict.fromkeys(item.id.strip() for item in body.inputs))
        numeric = {key: _numeric_id(key) for key in keys}
        links = self.store.links(kind, [i for i in numeric.values() if i is not None], target)
        results, errors = [], []
        for key in keys:
            found = links.get(numeric[key] or -1)
            if found:
                results.append({"from": {"id": key}, "to": _v4_targets(found)})
                continue
            message = f"No {SINGULAR[target]} is associated with {SINGULAR[kind]} {key}."
            errors.append(
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                    "message": message,
                    "context": {
                        "fromObjectId": [key],
                        "fromObjectType": [SINGULAR[kind]],
                        "toObjectType": [SINGULAR[target]],
                    },
                    "errors": [],
                    "links": {},
                }
            )
        body_json: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body_json |= {"numErrors": len(errors), "errors": errors}
        body_json |= {"startedAt": instant(started), "completedAt": instant(now_utc())}
        return _ok(body_json, 207 if errors else 200)

    def _associate_default(self, kind: str, from_raw: str, target: str, to_raw: str) -> list[dict[str, Any]]:
        from_id, to_id = self._exists(kind, from_raw), self._exists(target, to_raw)
        forward, backward = _default_type(kind, target), _default_type(target, kind)
        category = association_category(kind, target, forward)
        self.store.associate(
            (kind, from_id, target, to_id), (forward, category, None), (backward, category, None)
        )
        return [
            {
                "from": {"id": str(a)},
                "to": {"id": str(b)},
                "associationSpec": {"associationCategory": category, "associationTypeId": type_id},
            }
            for a, b, type_id in ((from_id, to_id, forward), (to_id, from_id, backward))
        ]

    def put_default(self, object_type: str, object_id: str, to_type: str, to_id: str) -> Response:
        """PUT …/{t}/{id}/associations/default/{to}/{toId}: the default association, both directions."""
        started = now_utc()
        results = self._associate_default(resolve_type(object_type), object_id, resolve_type(to_type), to_id)
        body = {"status": "COMPLETE", "results": results, "startedAt": instant(started)}
        return _ok(body | {"completedAt": instant(now_utc())})

    def batch_default(self, from_type: str, to_type: str, body: AssociationBatchDefault) -> Response:
        """POST …/{from}/{to}/batch/associate/default: pairs that name a missing record are 207 errors."""
        started, kind, target = now_utc(), resolve_type(from_type), resolve_type(to_type)
        _check_batch_size(len(body.inputs), V4_BATCH_MAX)
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for pair in body.inputs:
            try:
                results += self._associate_default(kind, pair.from_.id, target, pair.to.id)
            except HubSpotError as error:
                errors.append(error.body(str(uuid4())) | {"errors": [], "links": {}})
        body_json: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if errors:
            body_json |= {"numErrors": len(errors), "errors": errors}
        body_json |= {"startedAt": instant(started), "completedAt": instant(now_utc())}
        return _ok(body_json, 207 if errors else 200)

    def put_labelled(
        self, object_type: str, object_id: str, to_type: str, to_id: str, body: list[AssociationSpec]
    ) -> Response:
        """PUT …/{t}/{id}/associations/{to}/{toId} with [{associationCategory, associationTypeId}]: 201."""
        kind, target = resolve_type(object_type), resolve_type(to_type)
        from_id, target_id = self._exists(kind, object_id), self._exists(target, to_id)
        labels = []
        for spec in body:
            found = TYPE_TARGETS.get((kind, spec.associationTypeId))
            if found is None or found[0] != target:
                raise HubSpotError(
                    400, f"associationTypeId {spec.associationTypeId} does not link {kind} to {target}"
                )
            category = association_category(kind, target, spec.associationTypeId)
            label = _type_label(spec.associationTypeId)
            self.store.associate(
                (kind, from_id, target, target_id),
                (spec.associationTypeId, category, label),
                (found[1], category, _type_label(found[1])),
            )
            if label:
                labels.append(label)
        return _ok(
            {
                "fromObjectTypeId": OBJECT_TYPES[kind][0],
                "fromObjectId": from_id,
                "toObjectTypeId": OBJECT_TYPES[target][0],
                "toObjectId": target_id,
                "labels": labels,
            },
            201,
        )

    def delete_links(self, object_type: str, object_id: str, to_type: str, to_id: str) -> Response:
        """DELETE …/{t}/{id}/associations/{to}/{toId}: remove every association of the pair, 204."""
        kind, target = resolve_type(object_type), resolve_type(to_type)
        from_id, target_id = _numeric_id(object_id), _numeric_id(to_id)
        if from_id is not None and target_id is not None:
            self.store.unassociate(kind, from_id, target, target_id)
        return Response(status_code=204)

    def labels(self, from_type: str, to_type: str) -> Response:
        """GET …/{from}/{to}/labels: the association types between two object types."""
        kind, target = resolve_type(from_type), resolve_type(to_type)
        found = [
            {
                "category": association_category(kind, target, type_id),
                "typeId": type_id,
                "label": _type_label(type_id),
            }
            for (a, type_id), (b, _) in TYPE_TARGETS.items()
            if a == kind and b == target
        ]
        return _ok({"results": sorted(found, key=lambda spec: spec["typeId"])})


# ---------------------------------------------------------------------------------------------------
# Owners, pipelines, properties, schemas
# ---------------------------------------------------------------------------------------------------


def owner_json(owner: Owner) -> dict[str, Any]:
    """A PublicOwner; `hubspot_owner_id` values on records are this `id`, not `userId`."""
    teams = []
    if owner.team:
        teams.append(
            {"id": str(zlib.crc32(owner.team.encode()) % 10**8), "name": owner.team, "primary": True}
        )
    return {
        "id": str(owner.id),
        "email": owner.email,
        "firstName": owner.first_name,
        "lastName": owner.last_name,
        "userId": owner.user_id,
        "userIdIncludingInactive": owner.user_id,
        "type": "PERSON",
        "teams": teams,
        "archived": owner.archived,
        "createdAt": instant(owner.created_at),
        "updatedAt": instant(owner.updated_at),
    }


def _stage(stage_id: str, label: str, order: int, metadata: dict[str, str]) -> dict[str, Any]:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "metadata": metadata,
        "createdAt": EPOCH,
        "updatedAt": EPOCH,
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def pipelines_json(object_type: str) -> list[dict[str, Any]]:
    """The object type's pipelines: deals' "default" Sales Pipeline and tickets' "0" Support Pipeline."""
    if object_type == "deals":
        stages = [
            _stage(sid, label, order, {"isClosed": str(closed).lower(), "probability": str(probability)})
            for order, (sid, label, probability, closed) in enumerate(DEAL_STAGES)
        ]
        pipeline_id, label = "default", "Sales Pipeline"
    elif object_type == "tickets":
        stages = [
            _stage(sid, label, order, {"ticketState": state, "isClosed": str(state == "CLOSED").lower()})
            for order, (sid, label, state) in enumerate(TICKET_STAGES)
        ]
        pipeline_id, label = "0", "Support Pipeline"
    else:
        return []
    common = {"displayOrder": 0, "createdAt": EPOCH, "updatedAt": EPOCH, "archived": False}
    return [{"id": pipeline_id, "label": label, "stages": stages} | common]


def _portal_defined(object_type: str, name: str) -> bool:
    """Properties the portal created (not HubSpot's own)."""
    if name in SYSTEM_PROPERTIES:
        return False
    if object_type in CUSTOM_OBJECT_TYPES:
        return True
    return name in UNIQUE_PROPERTIES.get(object_type, ()) or name in {
        "estimated_margin_at_close",
        "scope_summary",
        "signed_proposal_version",
        "ticket_kind",
    }


def _options(object_type: str, name: str) -> list[dict[str, Any]]:
    if (object_type, name) == ("deals", "dealstage"):
        pairs = [(sid, label) for sid, label, _, _ in DEAL_STAGES]
    elif (object_type, name) == ("deals", "pipeline"):
        pairs = [("default", "Sales Pipeline")]
    else:
        values = PROPERTY_OPTIONS.get((object_type, name), ())
        pairs = [(value, value.replace("_", " ").capitalize()) for value in values]
    return [
        {"label": label, "value": value, "displayOrder": order, "hidden": False}
        for order, (value, label) in enumerate(pairs)
    ]


def property_json(object_type: str, name: str, order: int) -> dict[str, Any]:
    """A Property definition as GET /crm/v3/properties/{t} returns it."""
    kind, field_type = PROPERTIES[object_type][name]
    portal = _portal_defined(object_type, name)
    return {
        "name": name,
        "label": PROPERTY_LABELS.get(name) or name.replace("_", " ").capitalize(),
        "type": kind,
        "fieldType": field_type,
        "description": "",
        "groupName": PROPERTY_GROUPS[object_type],
        "options": _options(object_type, name),
        "displayOrder": order,
        "calculated": False,
        "externalOptions": name in ("dealstage", "pipeline"),
        "hasUniqueValue": name in UNIQUE_PROPERTIES.get(object_type, ()),
        "hidden": False,
        "hubspotDefined": not portal,
        "modificationMetadata": {
            "archivable": portal,
            "readOnlyDefinition": not portal,
            "readOnlyValue": name in SYSTEM_PROPERTIES,
        },
        "formField": portal,
        "createdAt": SCHEMA_CREATED if portal else EPOCH,
        "updatedAt": SCHEMA_CREATED if portal else EPOCH,
        "archived": False,
    }


def schema_json(object_type: str) -> dict[str, Any]:
    """An ObjectSchema (the custom object's, or a standard object's in the same shape)."""
    type_id, singular, plural = OBJECT_TYPES[object_type]
    custom = object_type in CUSTOM_OBJECT_TYPES
    associations = [
        {
            "id": str(type_id_),
            "name": f"{SINGULAR[a]}_to_{SINGULAR[b]}",
            "fromObjectTypeId": OBJECT_TYPES[a][0],
            "toObjectTypeId": OBJECT_TYPES[b][0],
            "createdAt": SCHEMA_CREATED,
            "updatedAt": SCHEMA_CREATED,
        }
        for (a, b), type_id_ in ASSOCIATION_TYPES.items()
        if object_type in (a, b)
    ]
    defaults = DEFAULT_PROPERTIES[object_type]
    return {
        "id": CUSTOM_SCHEMA_ID if custom else type_id.split("-")[1],
        "objectTypeId": type_id,
        "fullyQualifiedName": CUSTOM_FULLY_QUALIFIED if custom else object_type,
        "name": object_type,
        "labels": {"singular": singular, "plural": plural},
        "primaryDisplayProperty": CUSTOM_PRIMARY_DISPLAY
        if custom
        else (defaults[0] if defaults else "hs_object_id"),
        "secondaryDisplayProperties": list(CUSTOM_SECONDARY_DISPLAY) if custom else list(defaults[1:2]),
        "requiredProperties": list(CUSTOM_REQUIRED) if custom else [],
        "searchableProperties": list(SEARCHABLE_PROPERTIES.get(object_type, ())),
        "properties": [property_json(object_type, name, i) for i, name in enumerate(PROPERTIES[object_type])],
        "associations": associations,
        "metaType": "PORTAL_SPECIFIC" if custom else "HUBSPOT",
        "portalId": PORTAL_ID,
        "archived": False,
        "createdAt": SCHEMA_CREATED,
        "updatedAt": SCHEMA_CREATED,
    }


class MetadataApi:
    """Owners, pipelines, properties and schemas."""

    def __init__(self, store: HubSpotStore) -> None:
        self.store = store

    def owners(self, request: Request) -> Response:
        """GET /crm/v3/owners/: pages of up to 100, optionally one email."""
        args = QueryArgs(request)
        limit = args.number("limit", 100, 100)
        owners, more = self.store.owners(args.cursor(), limit, args.text("email"), args.flag("archived"))
        body: dict[str, Any] = {"results": [owner_json(owner) for owner in owners]}
        if more and owners:
            after = str(owners[-1].id + 1)
            body["paging"] = {
                "next": {"after": after, "link": str(request.url.include_query_params(after=after))}
            }
        return _ok(body)

    def owner(self, owner_id: str, request: Request) -> Response:
        """GET /crm/v3/owners/{id}, `idProperty=id|userId`."""
        by_user = (QueryArgs(request).text("idProperty") or "id") == "userId"
        key = _numeric_id(owner_id)
        owner = None if key is None else self.store.owner(key, by_user)
        if owner is None:
            raise not_found(f"Owner {owner_id} does not exist", id=[owner_id])
        return _ok(owner_json(owner))

    def pipelines(self, object_type: str) -> Response:
        """GET /crm/v3/pipelines/{t}."""
        return _ok({"results": pipelines_json(resolve_type(object_type))})

    def pipeline(self, object_type: str, pipeline_id: str) -> Response:
        """GET /crm/v3/pipelines/{t}/{pipelineId}."""
        for pipeline in pipelines_json(resolve_type(object_type)):
            if pipeline["id"] == pipeline_id:
                return _ok(pipeline)
        raise not_found(f"Pipeline {pipeline_id} does not exist", id=[pipeline_id])

    def properties(self, object_type: str) -> Response:
        """GET /crm/v3/properties/{t}: every definition, no paging."""
        kind = resolve_type(object_type)
        return _ok({"results": [property_json(kind, name, i) for i, name in enumerate(PROPERTIES[kind])]})

    def property(self, object_type: str, name: str) -> Response:
        """GET /crm/v3/properties/{t}/{name}."""
        kind = resolve_type(object_type)
        if name not in PROPERTIES[kind]:
            raise not_found(f"Property {name} does not exist on {kind}", propertyName=[name])
        return _ok(property_json(kind, name, list(PROPERTIES[kind]).index(name)))

    def schemas(self) -> Response:
        """GET /crm-object-schemas/v3/schemas: the portal's custom objects."""
        return _ok({"results": [schema_json(name) for name in sorted(CUSTOM_OBJECT_TYPES)]})

    def schema(self, object_type: str) -> Response:
        """GET /crm-object-schemas/v3/schemas/{t}."""
        return _ok(schema_json(resolve_type(object_type)))


# ---------------------------------------------------------------------------------------------------
# The application
# ---------------------------------------------------------------------------------------------------


def _objects_router(api: ObjectsApi, v3: bool) -> APIRouter:
    router = APIRouter()
    add = router.add_api_route
    add("/{object_type}", api.list_objects, methods=["GET"])
    add("/{object_type}", api.create_object, methods=["POST"])
    add("/{object_type}/search", api.search, methods=["POST"])
    add("/{object_type}/batch/read", api.batch_read, methods=["POST"])
    add("/{object_type}/batch/create", api.batch_create, methods=["POST"])
    add("/{object_type}/batch/update", api.batch_update, methods=["POST"])
    add("/{object_type}/batch/upsert", api.batch_upsert, methods=["POST"])
    add("/{object_type}/batch/archive", api.batch_archive, methods=["POST"])
    add("/{object_type}/{object_id}", api.read_object, methods=["GET"])
    add("/{object_type}/{object_id}", api.update_object, methods=["PATCH"])
    add("/{object_type}/{object_id}", api.archive_object, methods=["DELETE"])
    if v3:
        add("/{object_type}/{object_id}/associations/{to_type}", api.v3_associations, methods=["GET"])
    return router


def _record_links_router(api: AssociationsApi) -> APIRouter:
    """Per-record association paths: under /crm/v4/objects and /crm/objects/2026-03."""
    router = APIRouter()
    add = router.add_api_route
    add("/{object_type}/{object_id}/associations/{to_type}", api.list_links, methods=["GET"])
    add("/{object_type}/{object_id}/associations/default/{to_type}/{to_id}", api.put_default, methods=["PUT"])
    add("/{object_type}/{object_id}/associations/{to_type}/{to_id}", api.put_labelled, methods=["PUT"])
    add("/{object_type}/{object_id}/associations/{to_type}/{to_id}", api.delete_links, methods=["DELETE"])
    return router


def _type_pair_router(api: AssociationsApi) -> APIRouter:
    """Per-type-pair association paths: under /crm/v4/associations and /crm/associations/2026-03."""
    router = APIRouter()
    add = router.add_api_route
    add("/{from_type}/{to_type}/batch/read", api.batch_read, methods=["POST"])
    add("/{from_type}/{to_type}/batch/associate/default", api.batch_default, methods=["POST"])
    add("/{from_type}/{to_type}/labels", api.labels, methods=["GET"])
    return router


def _metadata_routes(app: FastAPI, api: MetadataApi) -> None:
    add = app.add_api_route
    for version in ("v3", "2026-03"):
        owners, pipelines, properties = (
            f"/crm/v3/{kind}" if version == "v3" else f"/crm/{kind}/{version}"
            for kind in ("owners", "pipelines", "properties")
        )
        add(owners, api.owners, methods=["GET"])
        add(owners + "/{owner_id}", api.owner, methods=["GET"])
        add(pipelines + "/{object_type}", api.pipelines, methods=["GET"])
        add(pipelines + "/{object_type}/{pipeline_id}", api.pipeline, methods=["GET"])
        add(properties + "/{object_type}", api.properties, methods=["GET"])
        add(properties + "/{object_type}/{name}", api.property, methods=["GET"])
    for prefix in (
        "/crm-object-schemas/v3/schemas",
        "/crm/v3/schemas",
        "/crm-object-schemas/2026-03/schemas",
    ):
        add(prefix, api.schemas, methods=["GET"])
        add(prefix + "/{object_type}", api.schema, methods=["GET"])


def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "message": str(problem.get("msg")),
            "in": ".".join(str(part) for part in problem.get("loc", ())),
            "code": str(problem.get("type")),
        }
        for problem in exc.errors()
    ]
    first = problems[0] if problems else {"message": "invalid request", "in": "body"}
    message = f"Invalid input JSON: {first['message']} at {first['in']}"
    return _error_response(request, HubSpotError(400, message, errors=problems))


def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    category = _CATEGORY_BY_STATUS.get(exc.status_code, "VALIDATION_ERROR")
    message = (
        f"No {request.method} route for {request.url.path}" if exc.status_code in (404, 405) else exc.detail
    )
    return _error_response(request, HubSpotError(exc.status_code, str(message), category))


def _hubspot_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubSpotError)
    return _error_response(request, exc)


def _gate(token: str, rates: RateGate) -> Callable[[Request, Any], Awaitable[Response]]:
    """Trailing slashes, correlation ids, bearer auth and rate limits for every API request."""
    expected = f"Bearer {token}".encode()

    async def gate(request: Request, call_next: Any) -> Response:
        path: str = request.scope["path"]
        if len(path) > 1 and path.endswith("/"):
            request.scope["path"] = path.rstrip("/") or "/"
        cid = str(uuid4())
        request.state.correlation_id = cid
        if path.startswith(CONTROL_PREFIX):
            return await call_next(request)  # type: ignore[no-any-return]
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), expected):
            message = OAUTH_HINT if not given else "The access token is not valid; check the token you sent."
            response: Response = HubSpotJSON(
                HubSpotError(401, message, "INVALID_AUTHENTICATION").body(cid),
                401,
                headers={"x-hubspot-auth-failure": "401 Unauthorized"},
            )
        else:
            admission = rates.admit(_is_search(path))
            if admission.policy:
                response = HubSpotJSON(rate_limit_body(admission.policy, cid), 429)
                if admission.retry_after_s:
                    response.headers["Retry-After"] = str(admission.retry_after_s)
            else:
                response = await call_next(request)
            response.headers.update(admission.headers)
        response.headers["x-hubspot-correlation-id"] = cid
        return response

    return gate


def create_hubspot_app(
    engine: Engine,
    *,
    token: str = "sandbox-token",
    faults: Faults | None = None,
    limits: HubSpotLimits | None = None,
    seed: int = 7,
) -> FastAPI:
    """The HubSpot-compatible sandbox server over `engine` (tables from sandbox.db)."""
    limits = limits or HubSpotLimits()
    faults = faults or Faults(seed=seed)
    store = HubSpotStore(engine)
    app = FastAPI(title="HubSpot sandbox", docs_url=None, redoc_url=None, openapi_url=None)
    app.router.redirect_slashes = False  # the gate strips trailing slashes instead of redirecting

    objects, links, metadata = (
        ObjectsApi(store, faults, limits, seed),
        AssociationsApi(store),
        MetadataApi(store),
    )
    app.include_router(_objects_router(objects, v3=True), prefix="/crm/v3/objects")
    app.include_router(_objects_router(objects, v3=False), prefix="/crm/objects/2026-03")
    app.include_router(_record_links_router(links), prefix="/crm/v4/objects")
    app.include_router(_record_links_router(links), prefix="/crm/objects/2026-03")
    app.include_router(_type_pair_router(links), prefix="/crm/v4/associations")
    app.include_router(_type_pair_router(links), prefix="/crm/associations/2026-03")
    _metadata_routes(app, metadata)
    add_control_routes(app, faults)

    app.add_exception_handler(HubSpotError, _hubspot_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.middleware("http")(_gate(token, RateGate(limits)))
    # Added last, so outermost: injected faults do not consume the real rate limits.
    app.add_middleware(
        FaultMiddleware, faults=faults, error_response=fault_responder(limits), family=api_family
    )
    return app
