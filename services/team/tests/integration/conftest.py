"""Factories for the team API, used through the real gateway as an admin of a tenant."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from servelo_common.testing import EventPublisher
from servelo_common.testing.client import ApiClient, ApiResponse


def iso_day(offset: int) -> str:
    """An ISO date `offset` days from today (UTC), as the service counts days."""
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


def created(resp: ApiResponse) -> dict[str, Any]:
    assert resp.status == 201, resp
    body: dict[str, Any] = resp.json
    return body


class TeamApi:
    """One tenant's team API, with factories that fill in what a test does not care about."""

    def __init__(self, client: ApiClient) -> None:
        self.c = client

    async def role(self, name: str | None = None) -> dict[str, Any]:
        name = name or f"Role {secrets.token_hex(3)}"
        return created(await self.c.post("/api/roles", json={"name": name}))

    async def member(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "John Doe", "hourly_rate": "150.00", "active": True, **fields}
        return created(await self.c.post("/api/team-members", json=body))

    async def project(self, **fields: Any) -> dict[str, Any]:
        body = {"name": f"Project {secrets.token_hex(3)}", **fields}
        return created(await self.c.post("/api/projects", json=body))

    async def allocation(
        self, member: dict[str, Any], project: dict[str, Any], **fields: Any
    ) -> dict[str, Any]:
        body = {
            "team_member_id": member["id"],
            "project_id": project["id"],
            "start_date": iso_day(0),
            "end_date": iso_day(4),
            "hours_per_day": "8.00",
            **fields,
        }
        return created(await self.c.post("/api/allocations", json=body))

    async def actual(
        self, member: dict[str, Any], project: dict[str, Any], **fields: Any
    ) -> dict[str, Any]:
        body = {
            "team_member_id": member["id"],
            "project_id": project["id"],
            "date": iso_day(-1),
            "hours": "7.50",
            **fields,
        }
        return created(await self.c.post("/api/actuals", json=body))


@pytest.fixture
def team(tenant: Any) -> TeamApi:
    return TeamApi(tenant.admin)


@pytest.fixture
def other_team(other_tenant: Any) -> TeamApi:
    return TeamApi(other_tenant.admin)


@pytest.fixture
def publish(event_publisher: EventPublisher) -> Any:
    """Publish a CloudEvent as another service would (crm's customer events)."""

    async def send(
        source: str, type_: str, tenant: str, data: dict[str, Any], time: datetime | None = None
    ) -> None:
        await event_publisher.publish(source, type_, data, tenant=tenant, time=time)

    return send


@pytest.fixture
def day() -> Any:
    """`day(n)`: the ISO date n days from today (UTC)."""
    return iso_day
