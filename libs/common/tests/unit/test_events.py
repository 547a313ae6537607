"""CloudEvents as the consumers read them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

from servelo_common.events import CloudEvent, DomainEvent
from servelo_common.events import envelope as envelope_of
from servelo_common.jsonutil import plain


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


class ThingState(DomainEvent):
    source: ClassVar[str] = "x"
    type: ClassVar[str] = "thing-recorded"
    id: str
    amount: str
    day: str
    at: str
    kind: str
    count: int
    owner_id: str | None
    tags: list[str]


class Kind(StrEnum):
    BIG = "big"


@dataclass(frozen=True, slots=True)
class Thing:
    id: UUID
    amount: Decimal
    day: date
    at: datetime
    kind: Kind
    count: int
    owner_id: UUID | None
    tags: tuple[str, ...]
    secret: str  # not a field of the event: never read


def test_of_reads_each_field_from_the_object_in_its_json_form() -> None:
    thing = Thing(
        id=UUID(int=1),
        amount=Decimal("12.5"),
        day=date(2026, 1, 2),
        at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        kind=Kind.BIG,
        count=3,
        owner_id=None,
        tags=("a",),
        secret="s3cret",
    )
    assert ThingState.of(thing).model_dump() == {
        "id": "00000000-0000-0000-0000-000000000001",
        "amount": "12.50",
        "day": "2026-01-02",
        "at": "2026-01-02T03:04:05.000000Z",
        "kind": "big",
        "count": 3,
        "owner_id": None,
        "tags": ["a"],
    }
    # A given value wins, as it is (the object need not have that attribute at all).
    assert ThingState.of(thing, count=9, kind="small").count == 9


def test_plain_keeps_what_has_no_json_form_of_ours() -> None:
    assert [plain(v) for v in (None, True, 2, "s", ["x"])] == [None, True, 2, "s", ["x"]]
