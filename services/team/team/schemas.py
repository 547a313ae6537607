"""Team members, roles and utilization: what clients send and what they get back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, ConfigDict, Field, ValidationInfo, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, Day, IdOut, Money, MoneyOut, Timestamp
from servelo_common.schemas import Name as BaseName
from servelo_common.schemas import Text as BaseText

from team.domain import MAX_RANGE_DAYS, span_days


def _no_nul(value: str) -> str:
    # Postgres text cannot hold NUL; refuse it here rather than fail in the database.
    if "\x00" in value:
        raise ValueError("The text may not contain NUL characters.")
    return value


Name = Annotated[BaseName, AfterValidator(_no_nul)]
Text = Annotated[BaseText, AfterValidator(_no_nul)]


# Integer ids as the reference shows them; strict so that `true` or `"1"` is not an id.
IntId = Annotated[int, Field(strict=True, ge=1, le=10**18)]


def _positive_rate(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("Hourly rate must be greater than 0")
    return value


HourlyRate = Annotated[Money, AfterValidator(_positive_rate)]


def not_null(value: Any, info: ValidationInfo) -> Any:
    """An update may leave a field out, but may not set a required one to null."""
    if value is None:
        raise ValueError(f"The {str(info.field_name).replace('_', ' ')} field is required.")
    return value


class RoleCreate(ApiInput):
    name: Name


class RolePublic(ApiOutput):
    id: int
    name: str


class TeamMemberCreate(ApiInput):
    name: Name
    role_id: IntId | None = None
    hourly_rate: HourlyRate
    active: bool = True


class TeamMemberUpdate(ApiInput):
    """PUT: the fields sent are changed; the others keep their value."""

    name: Name | None = None
    role_id: IntId | None = None
    hourly_rate: HourlyRate | None = None
    active: bool | None = None

    non_null = field_validator("name", "hourly_rate", "active", mode="before")(not_null)


class TeamMemberPublic(ApiOutput):
    id: IdOut
    name: str
    role_id: int | None
    role: RolePublic | None
    hourly_rate: MoneyOut
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


class TeamMemberFilter(ApiInput):
    active: bool | None = None


class DateWindow(ApiInput):
    """`from` and `to` (both included) of a report."""

    start: Day = Field(validation_alias="from")
    end: Day = Field(validation_alias="to")

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: dt.date, info: ValidationInfo) -> dt.date:
        start = info.data.get("start")
        if start is not None:
            if end < start:
                raise ValueError("The to date must be a date after or equal to from.")
            if span_days(start, end) > MAX_RANGE_DAYS:
                raise ValueError(f"The range may span at most {MAX_RANGE_DAYS} days.")
        return end


class UtilizationDay(ApiOutput):
    date: dt.date
    allocated_hours: MoneyOut
    actual_hours: MoneyOut
    hourly_rate: MoneyOut
    allocated_cost: MoneyOut
    actual_cost: MoneyOut


class UtilizationPublic(ApiOutput):
    model_config = ConfigDict(from_attributes=True, serialize_by_alias=True)

    team_member_id: IdOut
    start: dt.date = Field(serialization_alias="from")
    end: dt.date = Field(serialization_alias="to")
    allocated_hours: MoneyOut
    actual_hours: MoneyOut
    allocated_cost: MoneyOut
    actual_cost: MoneyOut
    # Actual hours as a percentage of allocated hours; null when nothing was allocated.
    utilization: MoneyOut | None
    days: list[UtilizationDay]
