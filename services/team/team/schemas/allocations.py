"""Allocations: book, rebook (the fields sent), the answer with its warnings, the filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from uuid import UUID

from pydantic import ValidationInfo, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, Day, IdOut, MoneyOut, Timestamp

from team.domain.allocations import BookedAllocation
from team.schemas import DatedQuery, HoursPerDay, end_after_start, not_null


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

    @classmethod
    def of(cls, booked: BookedAllocation) -> AllocationWithWarnings:
        return cls.model_validate(
            {**asdict(booked.allocation), "warnings": [d.to_json() for d in booked.warnings]}
        )


class AllocationQuery(DatedQuery):
    """By member, project, and allocations overlapping `from`..`to`."""
