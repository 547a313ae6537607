"""Over-booking day math, the member delete guard and integer ids, without I/O."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from team.domain import (
    ACTIVE_ALLOCATIONS,
    HISTORICAL_DATA,
    Booking,
    DayLoad,
    delete_refusal,
    overbooked_days,
    parse_int_id,
    span_days,
)

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


def test_current_or_future_allocation_blocks_delete_as_active() -> None:
    today = date(2026, 3, 1)
    for end in (today, date(2026, 12, 31)):
        assert (
            delete_refusal(today=today, last_allocation_end=end, has_actuals=True)
            == ACTIVE_ALLOCATIONS
        )


def test_past_allocation_or_actual_blocks_delete_as_history() -> None:
    today = date(2026, 3, 1)
    assert (
        delete_refusal(today=today, last_allocation_end=date(2026, 2, 28), has_actuals=False)
        == HISTORICAL_DATA
    )
    assert (
        delete_refusal(today=today, last_allocation_end=None, has_actuals=True) == HISTORICAL_DATA
    )


def test_member_without_allocations_or_actuals_may_be_deleted() -> None:
    assert (
        delete_refusal(today=date(2026, 3, 1), last_allocation_end=None, has_actuals=False) is None
    )


def test_reference_messages_are_exact() -> None:
    assert ACTIVE_ALLOCATIONS == "Cannot delete team member with active allocations"
    assert HISTORICAL_DATA == "Cannot delete team member with historical data"


def test_span_counts_both_ends() -> None:
    assert span_days(JAN[0], JAN[0]) == 1
    assert span_days(JAN[0], JAN[30]) == 31


def test_int_ids_from_path_segments() -> None:
    assert parse_int_id("1") == 1
    assert parse_int_id("000042") == 42
    for bad in ("0", "-1", "1.5", "abc", "", "\u0661", "9" * 19):
        assert parse_int_id(bad) is None, bad
