"""Helpers for the tickets integration tests: users and customers known to tickets, events.
Tickets come from the shared factories (`servelo_dev.testing.factories.make_ticket`)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from servelo_dev.testing import EventPublisher
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.factories import make_ticket
from servelo_dev.testing.tenants import Tenant, eventually

Publish = Callable[..., Awaitable[str]]


async def wait_assignable(tenant: Tenant, user_id: str) -> None:
    """Until the tickets service has learned about the user (a probe ticket gets them)."""
    probe = await make_ticket(tenant.admin, title="probe")

    async def known() -> None:
        resp = await tenant.admin.put(f"/api/tickets/{probe['id']}", json={"assignee_id": user_id})
        assert resp.status == 200, resp

    await eventually(known, timeout=10)


async def assignable_user(tenant: Tenant, role: str = "technician") -> ApiClient:
    """A new user invited through auth, once tickets has learned about it from auth's events."""
    user = await tenant.create_user(role=role)
    await wait_assignable(tenant, user.user["id"])
    return user


async def announced_user(
    tenant: Tenant, publish: Publish, user_id: str | None = None, **fields: Any
) -> str:
    """A user as auth announces it (`user-created`), once tickets accepts it as assignee."""
    uid = user_id or str(uuid.uuid4())
    await publish(
        "auth",
        "user-created",
        tenant.org_id,
        {
            "id": uid,
            "org_id": tenant.org_id,
            "name": "Tech",
            "email": f"{uid}@example.com",
            "role": "technician",
            "active": True,
            "status": "active",
            **fields,
        },
    )
    await wait_assignable(tenant, uid)
    return uid


def files_of(stack: Any, org_id: str) -> list[Path]:
    root = Path(stack.stack.data_dir) / "files" / org_id
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def publish(event_publisher: EventPublisher) -> Publish:
    """Publish a CloudEvent as another service would: `await publish(source, type, tenant,
    data, event_id=..., msg_id=...)`; returns the event id."""

    async def send(
        source: str,
        event_type: str,
        tenant: str,
        data: dict[str, Any],
        *,
        event_id: str | None = None,
        msg_id: str | None = None,
        time: str | None = None,
    ) -> str:
        return await event_publisher.publish(
            source, event_type, data, tenant=tenant, event_id=event_id, msg_id=msg_id, time=time
        )

    return send


async def known_customer(tenant: Tenant, publish: Publish, name: str = "ACME") -> str:
    """A customer as crm announces it, once tickets accepts it on a ticket."""
    cid = str(uuid.uuid4())
    await publish(
        "crm",
        "customer-created",
        tenant.org_id,
        {"id": cid, "name": name, "email": None, "phone": None},
    )

    async def accepted() -> None:
        resp = await tenant.admin.post("/api/tickets", json={"title": "probe", "customer_id": cid})
        assert resp.status == 201, resp

    await eventually(accepted, timeout=10)
    return cid
