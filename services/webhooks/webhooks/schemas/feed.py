"""The event feed: its query, and the shape of one event (for the API document)."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field, field_validator
from servelo_common.schemas import ApiInput, ApiOutput

from webhooks.domain.feed import MAX_WAIT
from webhooks.schemas import MAX_TYPES, check_type


class FeedQuery(ApiInput):
    after: int = Field(
        default=0, ge=0, le=2**63 - 1, description="The last `sequence` seen (0: from the start)."
    )
    types: list[str] | None = Field(
        default=None, description="Comma list of event types, e.g. `ticket-created,quote-accepted`."
    )
    wait: float = Field(
        default=0, ge=0, le=MAX_WAIT, description="Seconds to wait for an event when none is new."
    )

    @field_validator("types", mode="before")
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            names = [t.strip() for t in value.split(",") if t.strip()]
            if len(names) > MAX_TYPES:
                raise ValueError(f"At most {MAX_TYPES} types.")
            return [check_type(t) for t in names] or None
        return value


class FeedEventPublic(ApiOutput):
    """A CloudEvent as published on NATS, plus the feed's `sequence`."""

    model_config = ConfigDict(extra="allow")

    sequence: int = Field(description="Per tenant, only grows; pass the last one as `after`.")
    specversion: str
    id: str
    source: str
    type: str
    time: str
    subject: str | None
    datacontenttype: str
    tenant: str
    data: dict[str, Any]
