"""Projects, allocations and actuals: what clients send and what they get back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, Day, DecimalJson, IdOut, MoneyOut, Timestamp
from servelo_common.values import no_float

from team.domain import MAX_RANGE_DAYS, span_days
from team.schemas import Name, Text, not_null


def _hours_between(label: str) -> AfterValidator:
    def check(value: Decimal) -> Decimal:
        if value <= 0:
            raise ValueError(f"{label} must be greater than 0")
        if value > 24:
            raise ValueError(f"{label} may not be greater than 24")
        return value

    return AfterValidator(check)


_HoursIn = Annotated[
    Decimal,
    BeforeValidator(no_float),
    Field(max_digits=5, decimal_places=2),
    DecimalJson(places=2, integer_digits=3),
]
HoursPerDay = Annotated[_HoursIn, _hours_between("Hours per day")]
Hours = Annotated[_HoursIn, _hours_between("Hours")]

END_BEFORE_START = "The end date must be a date after or equal to start date."


def check_span(start: dt.date | None, end: dt.date | None) -> None:
    if start is None or end is None:
        return
    if end < start:
        raise ValueError(END_BEFORE_START)
    if span_days(start, end) > MAX_RANGE_DAYS:
        raise ValueError(f"The period may span at most {MAX_RANGE_DAYS} days.")


def end_after_start(end: dt.date | None, info: ValidationInfo) -> dt.date | None:
    check_span(info.data.get("start_date"), end)
    return end


class ProjectCreate(ApiInput):
    name: Name
    customer_id: UUID | None = None
    active: bool = True
    start_date: Day | None = None
    end_date: Day | None = None

    @field_validator("end_date")
    @classmethod
    def _span(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return end_after_start(end, info)


class ProjectUpdate(ApiInput):
    """PUT: the fields sent are changed; the others keep their value."""

    name: Name | None = None
    customer_id: UUID | None = None
    active: bool | None = None
    start_date: Day | None = None
    end_date: Day | None = None

    non_null = field_validator("name", "active", mode="before")(not_null)

    @field_validator("end_date")
    @classmethod
    def _span(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return end_after_start(end, info)


class ProjectPublic(ApiOutput):
    id: IdOut
    name: str
    customer_id: IdOut | None
    active: bool
    start_date: dt.date | None
    end_date: dt.date | None
    created_at: Timestamp
    updated_at: Timestamp


class ProjectFilter(ApiInput):
    active: bool | None = None
    customer_id: UUID | None = None


class AllocationCreate(ApiInput):
    team_member_id: UUID
    project_id: UUID
    start_date: Day
    end_date: Day
    hours_per_day: HoursPerDay

    @field_validator("end_date")
    @classmethod
    def _span(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return end_after_start(end, info)


class AllocationUpdate(ApiInput):
    """PUT: the fields sent are changed; the others keep their value."""

    team_member_id: UUID | None = None
    project_id: UUID | None = None
    start_date: Day | None = None
    end_date: Day | None = None
    hours_per_day: HoursPerDay | None = None

    non_null = field_validator(
        "team_member_id", "project_id", "start_date", "end_date", "hours_per_day", mode="before"
    )(not_null)

    @field_validator("end_date")
    @classmethod
    def _span(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return end_after_start(end, info)


class AllocationPublic(ApiOutput):
    id: IdOut
    team_member_id: IdOut
    project_id: IdOut
    start_date: dt.date
    end_date: dt.date
    hours_per_day: MoneyOut
    created_at: Timestamp
    updated_at: Timestamp


class OverbookedDay(ApiOutput):
    date: dt.date
    hours: MoneyOut
    message: str


class AllocationWithWarnings(AllocationPublic):
    """Create and update answer the allocation plus the member's over-booked days."""

    warnings: list[OverbookedDay]


class PlanningFilter(ApiInput):
    """List filters of allocations and actuals; `from`/`to` select overlapping rows."""

    team_member_id: UUID | None = None
    project_id: UUID | None = None
    start: Day | None = Field(default=None, validation_alias="from")
    end: Day | None = Field(default=None, validation_alias="to")

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("start")
        if end is not None and start is not None and end < start:
            raise ValueError("The to date must be a date after or equal to from.")
        return end


class ActualCreate(ApiInput):
    team_member_id: UUID
    project_id: UUID
    date: Day
    hours: Hours
    ticket_id: UUID | None = None
    notes: Text | None = None


class ActualUpdate(ApiInput):
    """PUT: the fields sent are changed; the others keep their value."""

    team_member_id: UUID | None = None
    project_id: UUID | None = None
    date: Day | None = None
    hours: Hours | None = None
    ticket_id: UUID | None = None
    notes: Text | None = None

    non_null = field_validator("team_member_id", "project_id", "date", "hours", mode="before")(
        not_null
    )


class ActualPublic(ApiOutput):
    id: IdOut
    team_member_id: IdOut
    project_id: IdOut
    date: dt.date
    hours: MoneyOut
    ticket_id: IdOut | None
    notes: str | None
    created_at: Timestamp
    updated_at: Timestamp
