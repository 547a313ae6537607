"""crm test helpers: a publisher for auth's events. Clients and quotes come from the shared
factories (`servelo_dev.testing.factories`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from servelo_dev.testing import EventPublisher

Json = dict[str, Any]


@pytest.fixture
def publish(event_publisher: EventPublisher) -> Callable[..., Awaitable[str]]:
    """`await publish("auth", "settings-updated", data, tenant=org_id)`, as auth would."""

    async def send(
        source: str, event_type: str, data: Json, *, tenant: str, time: datetime | None = None
    ) -> str:
        return await event_publisher.publish(
            source, event_type, data, tenant=tenant, time=time, subject=tenant
        )

    return send
