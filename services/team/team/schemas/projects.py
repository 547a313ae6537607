"""Projects: create, update (the fields sent), the answer and the list filters."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from pydantic import ValidationInfo, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, Day, Flag, IdOut, Timestamp

from team.schemas import REQUIRED, Name, end_after_start


class ProjectCreate(ApiInput):
    name: Name
    customer_id: UUID | None = None
    active: Flag = True
    start_date: Day | None = None
    end_date: Day | None = None

    @field_validator("end_date")
    @classmethod
    def _span(cls, end: dt.date | None, info: ValidationInfo) -> dt.date | None:
        return end_after_start(end, info)


class ProjectUpdate(ApiInput):
    """PUT: the fields sent are changed; the others keep their value."""

    name: Annotated[Name | None, REQUIRED] = None
    customer_id: UUID | None = None
    active: Annotated[Flag | None, REQUIRED] = None
    start_date: Day | None = None
    end_date: Day | None = None

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
