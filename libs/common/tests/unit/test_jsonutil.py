"""servelo_common.jsonutil: one textual form for time and money."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from servelo_common.jsonutil import iso_z


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2026, 12, 2, 1, 2, 3, 456789, tzinfo=UTC), "2026-12-02T01:02:03.456789Z"),
        (datetime(2026, 12, 2, 1, 2, 3, tzinfo=UTC), "2026-12-02T01:02:03.000000Z"),
        (datetime(2026, 12, 2, 1, 2, 3), "2026-12-02T01:02:03.000000Z"),  # naive: UTC
        (
            datetime(2026, 1, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),
            "2025-12-31T23:30:00.000000Z",
        ),
        (
            datetime(2026, 3, 1, 22, 0, tzinfo=timezone(timedelta(hours=-3))),
            "2026-03-02T01:00:00.000000Z",
        ),
        (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "9999-12-31T23:59:59.999999Z"),
        # ISO 8601 years have four digits (strftime's %Y wrote "1-01-01...").
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000000Z"),
    ],
)
def test_iso_z_is_utc_with_a_z_and_microseconds(value: datetime, text: str) -> None:
    assert iso_z(value) == text


def reference(value: datetime) -> str:
    """What iso_z wrote before it used orjson: the stdlib's `isoformat`."""
    if value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:26] + "Z"


FIRST, LAST = datetime(2, 1, 1), datetime(9998, 12, 31)
OFFSETS: st.SearchStrategy[tzinfo] = st.one_of(
    st.just(UTC),
    st.builds(
        timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
    ),
)


@given(st.one_of(st.datetimes(FIRST, LAST), st.datetimes(FIRST, LAST, timezones=OFFSETS)))
def test_iso_z_writes_what_isoformat_writes(value: datetime) -> None:
    assert iso_z(value) == reference(value)
