"""Projects: create, update (the fields sent), the answer and the list filters."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import ValidationInfo, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, Day, IdOut, Timestamp

from team.schemas import Name, end_after_start, not_null


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


class ProjectQuery(ApiInput):
    active: bool | None = None
    customer_id: UUID | None = None
