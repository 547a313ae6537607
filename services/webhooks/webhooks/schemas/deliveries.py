"""Deliveries: the log of an endpoint, newest first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import PlainSerializer
from servelo_common.jsonutil import iso_z
from servelo_common.schemas import ApiInput, ApiOutput, IdOut, Timestamp

from webhooks.domain.deliveries import Status

OptionalTimestamp = Annotated[
    datetime | None, PlainSerializer(lambda v: iso_z(v) if v else None, return_type=str | None)
]


class DeliveryQuery(ApiInput):
    status: Status | None = None


class DeliveryPublic(ApiOutput):
    id: IdOut
    webhook_id: IdOut
    event_id: IdOut
    type: str
    status: Status
    attempts: int
    response_status: int | None
    duration_ms: int | None
    error: str | None
    next_attempt_at: OptionalTimestamp
    created_at: Timestamp
    updated_at: Timestamp
