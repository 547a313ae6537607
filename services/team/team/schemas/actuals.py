"""Actuals: record, correct (the fields sent), the answer and the list filters."""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID

from servelo_common.schemas import ApiInput, ApiOutput, Day, IdOut, MoneyOut, Timestamp

from team.schemas import REQUIRED, DatedQuery, Hours, Text


class ActualCreate(ApiInput):
    team_member_id: UUID
    project_id: UUID
    date: Day
    hours: Hours
    ticket_id: UUID | None = None
    notes: Text | None = None


class ActualUpdate(ApiInput):
    """PUT: the fields sent are changed; the others keep their value."""

    team_member_id: Annotated[UUID | None, REQUIRED] = None
    project_id: Annotated[UUID | None, REQUIRED] = None
    date: Annotated[Day | None, REQUIRED] = None
    hours: Annotated[Hours | None, REQUIRED] = None
    ticket_id: UUID | None = None
    notes: Text | None = None


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


class ActualQuery(DatedQuery):
    """By member, project, and days in `from`..`to`."""
