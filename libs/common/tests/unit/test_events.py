"""CloudEvents as the consumers read them."""

from __future__ import annotations

from datetime import UTC, datetime

from servelo_common.events import CloudEvent


def _event(time: str) -> CloudEvent:
    return CloudEvent.from_json(
        {"id": "e1", "source": "servelo/x", "type": "x-happened", "time": time, "data": {}}
    )


def test_occurred_at_is_an_aware_utc_datetime_whatever_the_spelling() -> None:
    expected = datetime(2026, 11, 22, 19, 30, 1, 123456, tzinfo=UTC)
    for spelling in (
        "2026-11-22T19:30:01.123456Z",
        "2026-11-22T19:30:01.123456+00:00",
        "2026-11-22T20:30:01.123456+01:00",
        "2026-11-22T19:30:01.123456",
    ):
        assert _event(spelling).occurred_at == expected, spelling
