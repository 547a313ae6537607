"""A webhook endpoint: which events it wants, and when the platform gives up on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from servelo_common.sql import FromRow

ALL_EVENTS = "*"
DISABLED_REASON = "failing"


def normalize_events(events: Sequence[str]) -> list[str]:
    """Each type once, in the order given; `*` (every type) swallows the rest."""
    unique = list(dict.fromkeys(events))
    return [ALL_EVENTS] if ALL_EVENTS in unique else unique


@dataclass(frozen=True, slots=True)
class Endpoint(FromRow):
    id: UUID
    url: str
    events: list[str]
    description: str | None
    active: bool
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime

    def wants(self, event_type: str) -> bool:
        return ALL_EVENTS in self.events or event_type in self.events

    def failing_too_long(self, now: datetime, window: timedelta) -> bool:
        """True when every attempt since `failing_since` failed for the whole window: the
        endpoint is then disabled (once: an inactive endpoint is not disabled again)."""
        return self.active and self.failing_since is not None and now - self.failing_since >= window


@dataclass(frozen=True, slots=True)
class WithSecret:
    """An endpoint and the secret just made for it: shown in this answer only."""

    endpoint: Endpoint
    secret: str
