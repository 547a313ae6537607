"""Allocations: a member booked on a project for some hours a day, and over-booking.

A member may be booked for more than 24 hours on a day (plans change); the answer to the
booking then lists those days as warnings, so the planner sees them at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from uuid import UUID

from servelo_common.jsonutil import money_str
from servelo_common.sql import FromRow

DAY_LIMIT = Decimal("24")


@dataclass(frozen=True, slots=True)
class Booking:
    """Hours per day booked on every day from `start` to `end`, both included."""

    start: date
    end: date
    hours: Decimal


@dataclass(frozen=True, slots=True)
class DayLoad:
    day: date
    hours: Decimal

    @property
    def message(self) -> str:
        return (
            f"Team member is booked for {money_str(self.hours)} hours on "
            f"{self.day.isoformat()}, more than {int(DAY_LIMIT)}"
        )

    def to_json(self) -> dict[str, str]:
        return {
            "date": self.day.isoformat(),
            "hours": money_str(self.hours),
            "message": self.message,
        }


def overbooked_days(
    bookings: Iterable[Booking], start: date, end: date, limit: Decimal = DAY_LIMIT
) -> list[DayLoad]:
    """Days in [start, end] on which the bookings add up to more than `limit` hours.

    A sweep over the booking boundaries, so the cost follows the number of bookings and
    of over-booked days, not the length of the bookings.
    """
    # Day ordinals, not dates: the day after 9999-12-31 must not overflow.
    deltas: dict[int, Decimal] = {}
    first, last = start.toordinal(), end.toordinal()
    for b in bookings:
        lo, hi = max(b.start.toordinal(), first), min(b.end.toordinal(), last)
        if lo > hi:
            continue
        deltas[lo] = deltas.get(lo, Decimal(0)) + b.hours
        deltas[hi + 1] = deltas.get(hi + 1, Decimal(0)) - b.hours
    loads: list[DayLoad] = []
    total = Decimal(0)
    for here, following in pairwise(sorted(deltas)):
        total += deltas[here]
        if total > limit:
            loads.extend(DayLoad(date.fromordinal(d), total) for d in range(here, following))
    return loads


@dataclass(frozen=True, slots=True)
class Allocation(FromRow):
    id: UUID
    team_member_id: UUID
    project_id: UUID
    start_date: date
    end_date: date
    hours_per_day: Decimal
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class BookedAllocation:
    """An allocation just written, and the days on which it leaves its member over-booked."""

    allocation: Allocation
    warnings: tuple[DayLoad, ...]

    @classmethod
    def check(cls, allocation: Allocation, bookings: Iterable[Booking]) -> BookedAllocation:
        """`bookings`: every booking of the member over the allocation's days, its own too."""
        a = allocation
        return cls(a, tuple(overbooked_days(bookings, a.start_date, a.end_date)))
