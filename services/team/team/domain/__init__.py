"""Team planning with no I/O: one module per resource, the same names as in every layer.

What the resources share lives here: the rule that bounds every period (a booking, a
project, a report window). Objects are built from rows by `servelo_common.sql.FromRow`.
"""

from __future__ import annotations

from datetime import date

# Admins and managers plan the team; technicians may read everything.
PLANNERS = ("admin", "manager")
# A booking or report window longer than this is refused: per-day math stays bounded.
MAX_RANGE_DAYS = 3660
END_BEFORE_START = "The end date must be a date after or equal to start date."


def span_days(start: date, end: date) -> int:
    """Days from start to end, both included."""
    return (end - start).days + 1


def check_span(start: date | None, end: date | None) -> None:
    """ValueError (with the message clients see) unless [start, end] is a bounded period."""
    if start is None or end is None:
        return
    if end < start:
        raise ValueError(END_BEFORE_START)
    if span_days(start, end) > MAX_RANGE_DAYS:
        raise ValueError(f"The period may span at most {MAX_RANGE_DAYS} days.")
