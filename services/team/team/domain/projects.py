"""Projects: what members are booked on and record hours for, optionally a crm customer's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from servelo_common.sql import FromRow


@dataclass(frozen=True, slots=True)
class Project(FromRow):
    id: UUID
    name: str
    customer_id: UUID | None
    active: bool
    start_date: date | None
    end_date: date | None
    created_at: datetime
    updated_at: datetime
