"""The request bodies, as pydantic models: camelCase as the SDK sends them, unknown fields ignored.

The OpenAPI spec marks fields required that clients leave out (a search without `sorts`, a batch read
without `propertiesWithHistory`), so the models ask only for what a request cannot do without. Property
values are strings on HubSpot's wire; numbers and booleans sent as JSON are taken and stringified. A batch
takes at most 100 inputs. See /work/shared/reference/hubspot-api.md, sections 1.2 and 1.3.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from sandbox.hubspot.errors import HubSpotError

BATCH_MAX = 100


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


def check_batch_size(count: int, maximum: int = BATCH_MAX) -> None:
    if count > maximum:
        raise HubSpotError(
            400,
            f"Too many inputs: {count}. A batch takes at most {maximum}; split it into smaller batches.",
            context={"inputs": [str(count)]},
        )
