"""The event feed: a tenant's CloudEvents, numbered by the feed in the order it took them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A long-poll waits at most this long (the gateway's route allows more).
MAX_WAIT = 30.0


@dataclass(frozen=True, slots=True)
class FeedEvent:
    sequence: int
    event: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The CloudEvent as it is on NATS, plus `sequence`."""
        return {"sequence": self.sequence, **self.event}
