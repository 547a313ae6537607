"""Building blocks for every service's pydantic schemas (XCreate / XUpdate / XPublic)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasGenerator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue

from servelo_common.jsonutil import iso_z, money_str
from servelo_common.values import (
    EMAIL_MAX,
    no_float,
    normalize_email,
    normalize_phone,
    parse_day,
    parse_instant,
)


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


class DecimalJson:
    """The JSON schema of a decimal sent as a string (as the references do) or a number.

    Its bounds (`Field(gt=0)`, `ge`, `le`, `lt`) end up on the number branch as JSON Schema
    keywords, and the string branch gets a pattern with the same sign rule and `places`
    decimals, so the document says what the server accepts. Answers are strings."""

    _BOUNDS = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}

    def __init__(self, places: int, integer_digits: int = 12) -> None:
        self.places, self.digits = places, integer_digits

    def __get_pydantic_json_schema__(
        self, core_schema: Any, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        # Constraints a validator wrapper kept pydantic from translating arrive raw.
        raw = {k: schema.pop(k) for k in ("gt", "ge", "lt", "le") if k in schema}
        for key in ("max_digits", "decimal_places"):
            schema.pop(key, None)
        branches = schema.pop("anyOf", None)
        if branches is None and handler.mode == "serialization":
            schema.pop("type", None)
            return {**schema, "type": "string", "pattern": rf"^-?\d+\.\d{{{self.places}}}$"}
        number: dict[str, Any] = next(
            (b for b in branches or () if b.get("type") == "number"), {"type": "number"}
        )
        for name, value in raw.items():
            number[self._BOUNDS[name]] = float(value)
        string = {"type": "string", "pattern": self._pattern(number)}
        return {**schema, "anyOf": [string, number]}

    def _pattern(self, number: dict[str, Any]) -> str:
        places, digits = self.places, self.digits
        frac = rf"(\.\d{{1,{places}}})?"
        if number.get("exclusiveMinimum") == 0:  # positive: some digit is not zero
            tiny = "|".join(
                rf"0?\.0{{{zeros}}}[1-9]\d{{0,{places - zeros - 1}}}" for zeros in range(places)
            )
            return rf"^0*([1-9]\d{{0,{digits - 1}}}{frac}|{tiny})$"
        sign = "" if number.get("minimum") == 0 else "-?"
        return rf"^{sign}\d{{1,{digits}}}{frac}$"


Money = Annotated[
    Decimal,
    BeforeValidator(no_float),
    Field(max_digits=14, decimal_places=2),
    PlainSerializer(money_str, return_type=str),
    DecimalJson(places=2),
]
"""Money in: a decimal string (or number) with at most two places. Out: `"150.00"`."""

MoneyOut = Annotated[Decimal, PlainSerializer(money_str, return_type=str), DecimalJson(places=2)]
Timestamp = Annotated[datetime, PlainSerializer(iso_z, return_type=str)]
IdOut = Annotated[UUID, PlainSerializer(str, return_type=str)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=10_000)]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _email_schema(nullable: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "format": "email", "maxLength": EMAIL_MAX}
    return {"anyOf": [schema, {"type": "null"}]} if nullable else schema


Email = Annotated[str, AfterValidator(normalize_email), WithJsonSchema(_email_schema(False))]
"""An email address, strict syntax, no DNS, reserved test domains accepted; lowercased."""

OptionalEmail = Annotated[
    str | None,
    BeforeValidator(_blank_is_none),
    AfterValidator(lambda v: normalize_email(v) if v is not None else None),
    WithJsonSchema(_email_schema(True)),
]
"""An email address, or nothing: blank and null both clear it."""

_PHONE_SCHEMA = {
    "type": "string",
    "pattern": r"^\+?[\d\s().\-/]{4,30}$",
    "examples": ["+15550100199"],
}
Phone = Annotated[str, AfterValidator(normalize_phone), WithJsonSchema(_PHONE_SCHEMA)]
"""A phone number, stored as `+` and digits (4 to 15): `+1 (555) 010-0199` -> `+15550100199`."""

OptionalPhone = Annotated[
    str | None,
    BeforeValidator(_blank_is_none),
    AfterValidator(lambda v: normalize_phone(v) if v is not None else None),
    WithJsonSchema({"anyOf": [_PHONE_SCHEMA, {"type": "null"}]}),
]

Day = Annotated[
    date,
    BeforeValidator(parse_day),
    WithJsonSchema({"type": "string", "format": "date", "examples": ["2026-03-01"]}),
]
"""A calendar date written `YYYY-MM-DD`, between 1900-01-01 and 2999-12-31."""

Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-03-01T09:30:00Z"]}),
]
"""A date and time in ISO 8601 (no offset: UTC), for input; answers use `Timestamp`."""
