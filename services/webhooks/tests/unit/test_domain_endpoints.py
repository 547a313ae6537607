"""An endpoint's event filter and the rule that disables it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from webhooks.domain.endpoints import Endpoint, normalize_events

NOW = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = timedelta(days=3)


def endpoint(**fields: Any) -> Endpoint:
    row = {
        "id": uuid4(),
        "url": "https://hooks.example.com/x",
        "events": ["ticket-created"],
        "description": None,
        "active": True,
        "disabled_reason": None,
        "failing_since": None,
        "created_at": NOW,
        "updated_at": NOW,
        **fields,
    }
    return Endpoint.from_row(row)


def test_an_endpoint_wants_its_types_or_every_type() -> None:
    assert endpoint().wants("ticket-created")
    assert not endpoint().wants("ticket-updated")
    assert endpoint(events=["*"]).wants("anything-happened")


def test_normalized_events_keep_order_once_and_star_alone() -> None:
    assert normalize_events(["b-x", "a-x", "b-x"]) == ["b-x", "a-x"]
    assert normalize_events(["a-x", "*"]) == ["*"]


def test_disabled_only_after_failing_for_the_whole_window() -> None:
    assert not endpoint().failing_too_long(NOW, WINDOW)
    assert not endpoint(failing_since=NOW - WINDOW + timedelta(seconds=1)).failing_too_long(
        NOW, WINDOW
    )
    assert endpoint(failing_since=NOW - WINDOW).failing_too_long(NOW, WINDOW)
    assert not endpoint(failing_since=NOW - WINDOW, active=False).failing_too_long(NOW, WINDOW)
