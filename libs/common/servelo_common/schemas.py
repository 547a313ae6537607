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
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

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
        # What a number must be to fit: no more places than allowed, no more digits.
        number["multipleOf"] = float(Decimal(1).scaleb(-self.places))
        number.setdefault("exclusiveMaximum", float(10**self.digits))
        if "minimum" not in number and "exclusiveMinimum" not in number:
            number["exclusiveMinimum"] = -float(10**self.digits)
        string = {"type": "string", "pattern": self._pattern(number)}
        return {**schema, "anyOf": [string, number]}

    def _pattern(self, number: dict[str, Any]) -> str:
        places, digits = self.places, self.digits
        frac = rf"(\.\d{{1,{places}}})?"
        top = number.get("maximum")
        zero = rf"(\.0{{1,{places}}})?"
        if number.get("exclusiveMinimum") == 0:  # positive: some digit is not zero
            tiny = "|".join(
                rf"0?\.0{{{zeros}}}[1-9]\d{{0,{places - zeros - 1}}}" for zeros in range(places)
            )
            if top is not None:
                below = _integers_below(int(top), from_one=True)
                return rf"^0*(({below}){frac}|{tiny}|{int(top)}{zero})$"
            return rf"^0*([1-9]\d{{0,{digits - 1}}}{frac}|{tiny})$"
        if top is not None and number.get("minimum") == 0:
            return rf"^0*(({_integers_below(int(top))}){frac}|{int(top)}{zero})$"
        sign = "" if number.get("minimum") == 0 else "-?"
        return rf"^{sign}\d{{1,{digits}}}{frac}$"


def _integers_below(top: int, *, from_one: bool = False) -> str:
    """A regex alternation of the integers 0 (or 1) to `top - 1`, written without leading
    zeros: `\\d|1\\d|2[0-3]` for 24. What a string must match to be below a maximum."""
    text = str(top)
    first = "[1-9]" if from_one else r"\d"
    shorter = [first] if len(text) > 1 else []
    shorter += [rf"[1-9]\d{{{n - 1}}}" for n in range(2, len(text))]
    same = []
    for i, digit in enumerate(text):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(text) - i - 1
            same.append(f"{text[:i]}[{low}-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    if len(text) == 1 and not from_one:
        same = [rf"[0-{top - 1}]"] if top > 0 else []
    return "|".join(shorter + same) or "(?!)"


class Within:
    """Bounds of a decimal, with the message a reference gives when one is passed (`Hourly
    rate must be greater than 0`). It validates, and it shows the bounds to the JSON schema,
    where `DecimalJson` (which must come after it) writes them as keywords and into the
    string's pattern: one definition for the server and the document."""

    def __init__(self, label: str, *, gt: int | None = None, le: int | None = None) -> None:
        self.label, self.gt, self.le = label, gt, le

    def _check(self, value: Decimal) -> Decimal:
        if self.gt is not None and value <= self.gt:
            raise ValueError(f"{self.label} must be greater than {self.gt}")
        if self.le is not None and value > self.le:
            raise ValueError(f"{self.label} may not be greater than {self.le}")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        js = handler(schema)
        bounds = {"gt": self.gt, "le": self.le}
        return {**js, **{k: v for k, v in bounds.items() if v is not None}}


class NotNull:
    """A field of a partial update that may be left out but not set to `null`: refused with
    `message` (`{field}` is the field's name in words), and absent from the JSON schema's
    `null` branch, so the document says what the server does."""

    def __init__(self, message: str = "The {field} field cannot be null.") -> None:
        self.message = message

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def refuse_null(value: Any, info: core_schema.ValidationInfo) -> Any:
            if value is None:
                field = str(info.field_name or "").replace("_", " ")
                raise ValueError(self.message.format(field=field))
            return value

        return core_schema.with_info_before_validator_function(refuse_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        js = dict(handler(schema))
        branches = [b for b in js.pop("anyOf", []) if b != {"type": "null"}]
        if len(branches) == 1:
            js.update(branches[0])
        elif branches:
            js["anyOf"] = branches
        return js


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
# Postgres text cannot hold NUL (`http.validate` refuses it): the pattern says so.
NO_NUL = r"^[^\x00]*$"
Name = Annotated[str, Field(min_length=1, max_length=200, pattern=NO_NUL)]
Flag = Annotated[bool, Field(strict=True)]
"""A JSON body's boolean: `true` or `false` (not `0`, `"yes"`: the lenient forms are for
query strings, `?active=1`)."""
Text = Annotated[str, Field(max_length=10_000, pattern=NO_NUL)]


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# What an optional value also accepts, as "nothing": blank text (see `_blank_is_none`).
_BLANK = {"type": "string", "pattern": r"^\s*$", "maxLength": 200}


def _email_schema(nullable: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "format": "email", "maxLength": EMAIL_MAX}
    return {"anyOf": [schema, _BLANK, {"type": "null"}]} if nullable else schema


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
    WithJsonSchema({"anyOf": [_PHONE_SCHEMA, _BLANK, {"type": "null"}]}),
]

Percent = Annotated[
    Decimal,
    BeforeValidator(no_float),
    Field(ge=0, le=100, max_digits=7, decimal_places=4),
    DecimalJson(places=4, integer_digits=3),
]
"""A percentage from 0 to 100 with up to four places (`"8.25"` is 8.25%), string or number."""

# Years 1900 to 2999 (`values.FIRST_DAY`, `LAST_DAY`): what the pattern adds to the format.
_YEARS = r"^(19|2\d)\d\d-"

Day = Annotated[
    date,
    BeforeValidator(parse_day),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": _YEARS, "examples": ["2026-03-01"]}
    ),
]
"""A calendar date written `YYYY-MM-DD`, between 1900-01-01 and 2999-12-31."""

Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": _YEARS,
            "examples": ["2026-03-01T09:30:00Z"],
        }
    ),
]
"""A date and time in ISO 8601 (no offset: UTC), for input; answers use `Timestamp`."""
