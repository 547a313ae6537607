"""Allocations and over-booking day math, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from team.domain.allocations import Allocation, BookedAllocation, Booking, DayLoad, overbooked_days

D = Decimal
JAN = [date(2026, 1, d) for d in range(1, 32)]


def test_two_sixteen_hour_bookings_overbook_only_the_shared_days() -> None:
    bookings = [Booking(JAN[4], JAN[8], D("16")), Booking(JAN[6], JAN[10], D("16"))]
    loads = overbooked_days(bookings, JAN[0], JAN[30])
    assert [(x.day, x.hours) for x in loads] == [(d, D("32")) for d in JAN[6:9]]


def test_exactly_twenty_four_hours_is_not_overbooked() -> None:
    bookings = [Booking(JAN[0], JAN[4], D("16")), Booking(JAN[0], JAN[4], D("8"))]
    assert overbooked_days(bookings, JAN[0], JAN[4]) == []


def test_window_limits_the_reported_days() -> None:
    bookings = [Booking(JAN[0], JAN[30], D("20")), Booking(JAN[0], JAN[30], D("5"))]
    loads = overbooked_days(bookings, JAN[9], JAN[10])
    assert [x.day for x in loads] == [JAN[9], JAN[10]]
    assert all(x.hours == D("25") for x in loads)


def test_loads_change_within_a_window() -> None:
    bookings = [
        Booking(JAN[0], JAN[2], D("20")),
        Booking(JAN[1], JAN[1], D("10")),
        Booking(JAN[2], JAN[3], D("6")),
    ]
    loads = overbooked_days(bookings, JAN[0], JAN[3])
    assert [(x.day, x.hours) for x in loads] == [(JAN[1], D("30")), (JAN[2], D("26"))]


def test_bookings_outside_the_window_are_ignored() -> None:
    bookings = [
        Booking(JAN[0], JAN[1], D("24")),
        Booking(JAN[5], JAN[6], D("24")),
        Booking(JAN[0], JAN[6], D("1")),
    ]
    assert overbooked_days(bookings, JAN[2], JAN[4]) == []


def test_no_bookings_no_warnings() -> None:
    assert overbooked_days([], JAN[0], JAN[30]) == []


def test_day_load_renders_money_like_hours_and_a_message() -> None:
    load = DayLoad(date(2026, 1, 5), D("30"))
    assert load.to_json() == {
        "date": "2026-01-05",
        "hours": "30.00",
        "message": "Team member is booked for 30.00 hours on 2026-01-05, more than 24",
    }


def _allocation(start: date, end: date, hours: str) -> Allocation:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return Allocation(uuid4(), uuid4(), uuid4(), start, end, D(hours), now, now)


def test_allocation_from_row_keeps_its_fields_only() -> None:
    a = _allocation(JAN[0], JAN[1], "8")
    row = {
        "id": a.id,
        "org_id": uuid4(),
        "team_member_id": a.team_member_id,
        "project_id": a.project_id,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "hours_per_day": a.hours_per_day,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }
    assert Allocation.from_row(row) == a


def test_booked_allocation_warns_on_its_own_days_only() -> None:
    mine = _allocation(JAN[4], JAN[5], "16")
    other = Booking(JAN[5], JAN[9], D("10"))
    booked = BookedAllocation.check(mine, [Booking(JAN[4], JAN[5], D("16")), other])
    assert booked.allocation is mine
    assert booked.warnings == (DayLoad(JAN[5], D("26")),)
    assert BookedAllocation.check(mine, [Booking(JAN[4], JAN[5], D("16"))]).warnings == ()
