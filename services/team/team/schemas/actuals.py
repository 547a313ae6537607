"""Actuals: record, correct (the fields sent), the answer and the list filters."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from pydantic import field_validator
from servelo_common.schemas import ApiInput, ApiOutput, Day, IdOut, MoneyOut, Timestamp

from team.schemas import DatedQuery, Hours, Text, not_null


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


class ActualQuery(DatedQuery):
    """By member, project, and days in `from`..`to`."""
