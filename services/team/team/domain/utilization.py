"""A member's utilization over a window: allocated vs actual hours, costed day by day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from servelo_common.sql import FromRow, Row


@dataclass(frozen=True, slots=True)
class UtilizationDay(FromRow):
    """A day with any booking or recorded hours, at the rate in force that day."""

    date: dt.date
    allocated_hours: Decimal
    actual_hours: Decimal
    hourly_rate: Decimal
    allocated_cost: Decimal
    actual_cost: Decimal


@dataclass(frozen=True, slots=True)
class Utilization:
    team_member_id: UUID
    start: dt.date
    end: dt.date
    allocated_hours: Decimal
    actual_hours: Decimal
    allocated_cost: Decimal
    actual_cost: Decimal
    days: tuple[UtilizationDay, ...]

    @classmethod
    def from_rows(
        cls, rows: Sequence[Row], *, team_member_id: UUID, start: dt.date, end: dt.date
    ) -> Utilization:
        """From the per-day rows, each carrying the window's totals (`total_*`)."""
        first = rows[0] if rows else None
        zero = Decimal(0)
        return cls(
            team_member_id=team_member_id,
            start=start,
            end=end,
            allocated_hours=first["total_allocated_hours"] if first else zero,
            actual_hours=first["total_actual_hours"] if first else zero,
            allocated_cost=first["total_allocated_cost"] if first else zero,
            actual_cost=first["total_actual_cost"] if first else zero,
            days=tuple(UtilizationDay.from_row(r) for r in rows),
        )

    @property
    def utilization(self) -> Decimal | None:
        """Actual hours as a percentage of allocated hours; None when nothing was allocated."""
        if not self.allocated_hours:
            return None
        return self.actual_hours * 100 / self.allocated_hours
