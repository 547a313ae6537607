"""What auth publishes, read straight off NATS: payload shapes, and never a secret."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import nats
import orjson
import pytest
from servelo_dev.testing.tenants import Tenant

from .conftest import link_token


@pytest.fixture
async def auth_events(stack: Any) -> AsyncIterator[list[dict[str, Any]]]:
    received: list[dict[str, Any]] = []
    nc = await nats.connect(stack.nats_url)

    async def collect(msg: Any) -> None:
        received.append(
            {"subject": msg.subject, "raw": msg.data.decode(), **orjson.loads(msg.data)}
        )

    await nc.subscribe("servelo.events.auth.>", cb=collect)
    try:
        yield received
    finally:
        await nc.drain()


async def _wait_for(events: list[dict[str, Any]], type_: str, subject: str) -> dict[str, Any]:
    for _ in range(100):
        for event in events:
            if event["type"] == type_ and event["subject"] == subject:
                return event
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {type_} for {subject}: {[e['type'] for e in events]}")


async def test_user_lifecycle_events(
    stack: Any, tenant: Tenant, auth_events: list[dict[str, Any]]
) -> None:
    email = f"ev@{tenant.slug}.example.com"
    resp = await tenant.admin.post(
        "/api/users/invite", json={"email": email, "name": "Ev", "role": "technician"}
    )
    uid = resp.json["id"]
    invited = await _wait_for(auth_events, "user-invited", uid)
    assert invited["tenant"] == tenant.org_id
    assert invited["data"] == {
        "id": uid,
        "org_id": tenant.org_id,
        "name": "Ev",
        "email": email,
        "role": "technician",
        "active": True,
        "status": "invited",
    }
    token = await link_token(stack, email)
    await tenant.anon.get("/api/auth/magic-link/verify", params={"token": token})
    activated = await _wait_for(auth_events, "user-activated", uid)
    assert activated["data"]["status"] == "active"
    await tenant.admin.put(f"/api/users/{uid}/deactivate")
    deactivated = await _wait_for(auth_events, "user-deactivated", uid)
    assert isinstance(deactivated["data"]["revoked_at"], float)
    assert deactivated["data"]["active"] is False
    await tenant.admin.delete(f"/api/users/{uid}")
    deleted = await _wait_for(auth_events, "user-deleted", uid)
    assert set(deleted["data"]) == {"id", "org_id", "revoked_at"}
    for event in auth_events:
        assert token not in event["raw"]
        # No hash and no password field: "password" as a value (a sign-in's method, the
        # user-password-changed type) names what happened, not a secret.
        assert "argon2" not in event["raw"]
        assert not [key for key in _keys(event["data"]) if "password" in key.lower()], event


def _keys(value: Any) -> list[str]:
    """Every key of a JSON value, at any depth."""
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


async def test_password_change_publishes_a_revocation(
    tenant: Tenant, auth_events: list[dict[str, Any]]
) -> None:
    user = await tenant.create_user()
    uid = user.user["id"]
    # create_user force-sets the password as the admin: every token of the user goes.
    revoked = await _wait_for(auth_events, "tokens-revoked", uid)
    assert revoked["data"]["scope"] == "user" and revoked["data"]["ids"] == [uid]
    assert revoked["data"]["reason"] == "password_set"
    assert isinstance(revoked["data"]["revoked_at"], float)


async def test_settings_updated_carries_the_settings(
    tenant: Tenant, auth_events: list[dict[str, Any]]
) -> None:
    await tenant.admin.put("/api/settings", json={"default_tax_rate": 8.25})
    event = await _wait_for(auth_events, "settings-updated", tenant.org_id)
    assert event["data"]["settings"]["default_tax_rate"] == "8.25"
    assert event["data"]["org_id"] == tenant.org_id
