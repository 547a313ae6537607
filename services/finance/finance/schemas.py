"""Request and response shapes for revenue, expenses and the summary."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from servelo_common.schemas import (
    ApiInput,
    ApiOutput,
    Day,
    IdOut,
    Money,
    MoneyOut,
    NotNull,
    Timestamp,
)

from finance.domain import (
    DEFAULT_CATEGORY,
    MAX_CATEGORY,
    GroupBy,
    RevenueStatus,
    check_range,
)

PositiveMoney = Annotated[Money, Field(gt=0)]
Category = Annotated[str, Field(min_length=1, max_length=MAX_CATEGORY)]
Description = Annotated[str, Field(max_length=2000)]
Vendor = Annotated[str, Field(max_length=200)]


def _today() -> date:
    return datetime.now(UTC).date()


# Explicit null on a required column is an input error, not "leave unchanged".
NOT_NULL = NotNull("Must not be null.")


class _Entry(ApiInput):
    @field_validator("description", mode="before", check_fields=False)
    @classmethod
    def _null_description(cls, value: Any) -> Any:
        return "" if value is None else value


class RevenueCreate(_Entry):
    date: Annotated[Day, NOT_NULL] = Field(default_factory=_today)
    amount: Annotated[PositiveMoney, NOT_NULL]
    category: Annotated[Category, NOT_NULL] = DEFAULT_CATEGORY
    description: Description | None = ""  # null is ""
    customer_id: UUID | None = None
    status: Annotated[RevenueStatus, NOT_NULL] = "received"


class RevenueUpdate(_Entry):
    date: Annotated[Day | None, NOT_NULL] = None
    amount: Annotated[PositiveMoney | None, NOT_NULL] = None
    category: Annotated[Category | None, NOT_NULL] = None
    description: Description | None = None
    customer_id: UUID | None = None
    status: Annotated[RevenueStatus | None, NOT_NULL] = None


class ExpenseCreate(_Entry):
    date: Annotated[Day, NOT_NULL] = Field(default_factory=_today)
    amount: Annotated[PositiveMoney, NOT_NULL]
    category: Annotated[Category, NOT_NULL] = DEFAULT_CATEGORY
    description: Description | None = ""  # null is ""
    vendor: Vendor | None = None


class ExpenseUpdate(_Entry):
    date: Annotated[Day | None, NOT_NULL] = None
    amount: Annotated[PositiveMoney | None, NOT_NULL] = None
    category: Annotated[Category | None, NOT_NULL] = None
    description: Description | None = None
    vendor: Vendor | None = None


class RevenuePublic(ApiOutput):
    id: IdOut
    date: date
    amount: MoneyOut
    category: str
    description: str
    customer_id: IdOut | None
    quote_id: IdOut | None
    status: str
    created_by: IdOut | None
    created_at: Timestamp
    updated_at: Timestamp


class ExpensePublic(ApiOutput):
    id: IdOut
    date: date
    amount: MoneyOut
    category: str
    description: str
    vendor: str | None
    created_by: IdOut | None
    created_at: Timestamp
    updated_at: Timestamp


class _Range(ApiInput):
    from_: Day | None = Field(default=None, validation_alias="from")
    to: Day | None = None

    @field_validator("to")
    @classmethod
    def _ordered(cls, value: date | None, info: ValidationInfo) -> date | None:
        check_range(info.data.get("from_"), value)
        return value


class RevenueQuery(_Range):
    category: Category | None = None
    customer_id: UUID | None = None
    status: RevenueStatus | None = None


class ExpenseQuery(_Range):
    category: Category | None = None
    vendor: Vendor | None = None


class SummaryQuery(_Range):
    group_by: GroupBy = "month"


def _absent(value: Any) -> bool:
    return value is None


class SummaryGroup(ApiOutput):
    # A month group has `period`, a category group `category`; the other key is absent.
    period: str | None = Field(default=None, exclude_if=_absent)
    category: str | None = Field(default=None, exclude_if=_absent)
    revenue: MoneyOut
    pending_revenue: MoneyOut
    expenses: MoneyOut
    profit: MoneyOut


class SummaryTotals(ApiOutput):
    revenue: MoneyOut
    pending_revenue: MoneyOut
    expenses: MoneyOut
    profit: MoneyOut


class SummaryPublic(ApiOutput):
    model_config = ConfigDict(from_attributes=True, serialize_by_alias=True, validate_by_name=True)

    currency: str
    from_: date | None = Field(alias="from")
    to: date | None
    group_by: str
    groups: list[SummaryGroup]
    totals: SummaryTotals
