"""Team planning rules with no I/O: over-booking day math, the member delete guard, ids."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import pairwise

from servelo_common.jsonutil import money_str

DAY_LIMIT = Decimal("24")
# A booking or report window longer than this is refused: per-day math stays bounded.
MAX_RANGE_DAYS = 3660
# Integer ids come from a bigint identity column; longer strings cannot name a row.
_MAX_ID_DIGITS = 18

ACTIVE_ALLOCATIONS = "Cannot delete team member with active allocations"
HISTORICAL_DATA = "Cannot delete team member with historical data"
DEACTIVATE_SUGGESTION = "Consider deactivating the team member instead"


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


def delete_refusal(
    *, today: date, last_allocation_end: date | None, has_actuals: bool
) -> str | None:
    """Why a member cannot be deleted (the reference's messages), or None when it can."""
    if last_allocation_end is not None and last_allocation_end >= today:
        return ACTIVE_ALLOCATIONS
    if last_allocation_end is not None or has_actuals:
        return HISTORICAL_DATA
    return None


def span_days(start: date, end: date) -> int:
    """Days from start to end, both included."""
    return (end - start).days + 1


def parse_int_id(raw: str) -> int | None:
    """A positive integer id from a path segment; None when it cannot name a row."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > _MAX_ID_DIGITS:
        return None
    value = int(raw)
    return value if value > 0 else None
