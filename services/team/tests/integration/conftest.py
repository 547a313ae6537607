"""The team API as the tests use it: the shared factories bound to a tenant's admin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from servelo_dev.testing import EventPublisher
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.factories import (
    Json,
    iso_day,
    make_actual,
    make_allocation,
    make_member,
    make_project,
    make_role,
)

# A member a test does not describe is the reference's John Doe, without a role, so that
# the per-org role ids count only the roles the test creates.
MEMBER_DEFAULTS = {"name": "John Doe", "hourly_rate": "150.00", "active": True, "role_id": None}


class TeamApi:
    """One tenant's admin client (`c`) and the shared factories with it as their client."""

    def __init__(self, client: ApiClient) -> None:
        self.c = client

    async def role(self, name: str | None = None) -> Json:
        return await make_role(self.c, **({"name": name} if name else {}))

    async def member(self, **fields: Any) -> Json:
        return await make_member(self.c, **{**MEMBER_DEFAULTS, **fields})

    async def project(self, **fields: Any) -> Json:
        return await make_project(self.c, **fields)

    async def allocation(self, member: Json, project: Json, **fields: Any) -> Json:
        ids = {"team_member_id": member["id"], "project_id": project["id"]}
        return await make_allocation(self.c, **ids, **fields)

    async def actual(self, member: Json, project: Json, **fields: Any) -> Json:
        ids = {"team_member_id": member["id"], "project_id": project["id"]}
        return await make_actual(self.c, **ids, **fields)


Publish = Callable[..., Awaitable[None]]


@pytest.fixture
def team(tenant: Any) -> TeamApi:
    return TeamApi(tenant.admin)


@pytest.fixture
def other_team(other_tenant: Any) -> TeamApi:
    return TeamApi(other_tenant.admin)


@pytest.fixture
def publish(event_publisher: EventPublisher) -> Publish:
    """Publish a CloudEvent as another service would (crm's customer events)."""

    async def send(
        source: str, type_: str, tenant: str, data: dict[str, Any], time: datetime | None = None
    ) -> None:
        await event_publisher.publish(source, type_, data, tenant=tenant, time=time)

    return send


@pytest.fixture
def day() -> Callable[[int], str]:
    """`day(n)`: the ISO date n days from today (UTC)."""
    return iso_day
