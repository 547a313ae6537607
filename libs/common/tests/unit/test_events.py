"""CloudEvents as the consumers read them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar

from servelo_common.events import CloudEvent, DomainEvent
from servelo_common.events import envelope as envelope_of


class DomainEventForTest(DomainEvent):
    source: ClassVar[str] = "x"
    type: ClassVar[str] = "x-happened"
    id: str


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


def test_to_json_gives_back_the_envelope_with_every_attribute_received() -> None:
    envelope = envelope_of(DomainEventForTest(id="x1"), tenant="0d7a", subject="x1", event_id="e2")
    envelope["traceparent"] = "00-abc-def-01"  # an extension attribute a producer added
    event = CloudEvent.from_json(envelope)
    assert event.to_json() == envelope
    assert list(event.to_json()) == [*(k for k in envelope if k != "data"), "data"]


def test_to_json_of_a_minimal_event_has_the_required_attributes() -> None:
    again = _event("2026-11-22T19:30:01.123456Z").to_json()
    assert again["specversion"] == "1.0"
    assert again["datacontenttype"] == "application/json"
    assert again["id"] == "e1" and again["data"] == {} and again["tenant"] is None
