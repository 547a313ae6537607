"""Allocations: book, rebook (the fields sent), the answer with its warnings, the filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from pydantic import ValidationInfo, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, Day, IdOut, MoneyOut, Timestamp

from team.domain.allocations import BookedAllocation
from team.schemas import REQUIRED, DatedQuery, HoursPerDay, end_after_start


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

    team_member_id: Annotated[UUID | None, REQUIRED] = None
    project_id: Annotated[UUID | None, REQUIRED] = None
    start_date: Annotated[Day | None, REQUIRED] = None
    end_date: Annotated[Day | None, REQUIRED] = None
    hours_per_day: Annotated[HoursPerDay | None, REQUIRED] = None

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
