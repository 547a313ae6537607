"""Building blocks for every service's pydantic schemas (XCreate / XUpdate / XPublic)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
)
from pydantic.alias_generators import to_camel

from servelo_common.jsonutil import iso_z, money_str


def _accept_camel(name: str) -> AliasChoices:
    return AliasChoices(name, to_camel(name))


class ApiInput(BaseModel):
    """Request bodies: snake_case fields that also accept the references' camelCase."""

    model_config = ConfigDict(
        alias_generator=AliasGenerator(validation_alias=_accept_camel),
        populate_by_name=True,
        str_strip_whitespace=True,
        extra="ignore",
    )

    def provided(self) -> dict[str, Any]:
        """Only the fields the client sent: what a partial update should change."""
        return self.model_dump(exclude_unset=True)


class ApiOutput(BaseModel):
    """Response bodies, built from repository rows."""

    model_config = ConfigDict(from_attributes=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def _no_float(value: Any) -> Any:
    # A JSON number arrives as a float; go through its shortest repr, never binary value.
    if isinstance(value, float):
        return repr(value)
    return value


Money = Annotated[
    Decimal,
    BeforeValidator(_no_float),
    Field(max_digits=14, decimal_places=2),
    PlainSerializer(money_str, return_type=str),
]
"""Money in: a decimal string (or number) with at most two places. Out: `"150.00"`."""

MoneyOut = Annotated[Decimal, PlainSerializer(money_str, return_type=str)]
Timestamp = Annotated[datetime, PlainSerializer(iso_z, return_type=str)]
IdOut = Annotated[UUID, PlainSerializer(str, return_type=str)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=10_000)]
