"""Actuals: the hours a member worked on a project on one day, maybe for a ticket."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from servelo_common.sql import FromRow


@dataclass(frozen=True, slots=True)
class Actual(FromRow):
    id: UUID
    team_member_id: UUID
    project_id: UUID
    date: dt.date
    hours: Decimal
    ticket_id: UUID | None
    notes: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
