"""A member's utilization: the report window asked for, and the report."""

from __future__ import annotations

import datetime as dt

from pydantic import ConfigDict, Field, ValidationInfo, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, Day, IdOut, MoneyOut

from team.domain import MAX_RANGE_DAYS, span_days


class UtilizationQuery(ApiInput):
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
