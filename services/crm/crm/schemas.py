"""Request and response bodies for clients (customers) and quotes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from pydantic import BeforeValidator, Field, PlainSerializer, field_validator
from servelo_common.schemas import (
    ApiInput,
    ApiOutput,
    Day,
    DecimalJson,
    IdOut,
    Money,
    MoneyOut,
    Name,
    NotNull,
    OptionalEmail,
    OptionalPhone,
    Percent,
    Text,
    Timestamp,
)
from servelo_common.values import no_float

from crm.domain import QuoteStatus
from crm.totals import plain_decimal

MAX_LINES = 200
NOT_NULL = "This field cannot be null."


Quantity = Annotated[
    Decimal,
    BeforeValidator(no_float),
    Field(gt=0, max_digits=12, decimal_places=4),
    DecimalJson(places=4, integer_digits=8),
]
UnitPrice = Annotated[Money, Field(ge=0)]
TaxRate = Percent
RateOut = Annotated[
    Decimal, PlainSerializer(lambda d: plain_decimal(d, min_places=2), return_type=str)
]
QuantityOut = Annotated[Decimal, PlainSerializer(plain_decimal, return_type=str)]
LongText = Annotated[str | None, Field(max_length=2000)]


class CrmInput(ApiInput):
    """PostgreSQL text cannot hold NUL: refuse it as bad input instead of failing later."""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("The text must not contain NUL characters.")
        return value


class CustomerCreate(CrmInput):
    name: Name
    email: OptionalEmail = None
    phone: OptionalPhone = None
    address: LongText = None
    notes: Text | None = None


class CustomerUpdate(CrmInput):
    name: Annotated[Name | None, NotNull("The name cannot be empty.")] = None
    email: OptionalEmail = None
    phone: OptionalPhone = None
    address: LongText = None
    notes: Text | None = None


class CustomerPublic(ApiOutput):
    id: IdOut
    name: str
    email: str | None
    phone: str | None
    address: str | None
    notes: str | None
    created_at: Timestamp
    updated_at: Timestamp


class CustomerQuery(CrmInput):
    """`?q=` searches name, email and phone (substring, case-insensitive)."""

    q: Annotated[str | None, Field(max_length=200)] = None


class QuoteQuery(CrmInput):
    status: QuoteStatus | None = None
    customer_id: UUID | None = None


class LineItemIn(CrmInput):
    description: Annotated[str, Field(min_length=1, max_length=1000)]
    quantity: Quantity
    unit_price: UnitPrice


class QuoteCreate(CrmInput):
    """Totals are never read from the client: they are computed from the lines."""

    customer_id: UUID
    line_items: Annotated[list[LineItemIn], Field(max_length=MAX_LINES)] = []
    tax_rate: TaxRate | None = None
    valid_until: Day | None = None
    notes: Text | None = None


class QuoteUpdate(CrmInput):
    """Partial: only the fields sent change. `tax_rate: null` means the org's default."""

    customer_id: Annotated[UUID | None, NotNull(NOT_NULL)] = None
    line_items: Annotated[
        list[LineItemIn] | None, Field(max_length=MAX_LINES), NotNull(NOT_NULL)
    ] = None
    tax_rate: TaxRate | None = None
    valid_until: Day | None = None
    notes: Text | None = None
    status: Annotated[QuoteStatus | None, NotNull(NOT_NULL)] = None


class LineItemPublic(ApiOutput):
    description: str
    quantity: QuantityOut
    unit_price: MoneyOut
    total: MoneyOut


class QuotePublic(ApiOutput):
    id: IdOut
    number: int
    customer_id: IdOut
    status: QuoteStatus
    line_items: list[LineItemPublic]
    tax_rate: RateOut
    subtotal: MoneyOut
    tax: MoneyOut
    total: MoneyOut
    valid_until: date | None
    notes: str | None
    sent_at: Timestamp | None
    accepted_at: Timestamp | None
    declined_at: Timestamp | None
    created_by: IdOut | None
    created_at: Timestamp
    updated_at: Timestamp
