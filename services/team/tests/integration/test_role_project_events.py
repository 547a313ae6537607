"""Creating or changing a role or a project is an event in the tenant's feed (`GET
/api/events`), as its deletion is: a webhook or a sync client sees every change."""

from __future__ import annotations

from typing import Any

from servelo_dev.testing import eventually
from servelo_dev.testing.client import ApiClient


async def feed_event(client: ApiClient, kind: str, subject: str) -> dict[str, Any]:
    """The one event of this type about `subject` in the feed, once it is there."""

    async def there() -> dict[str, Any]:
        resp = await client.get("/api/events", params={"types": kind, "limit": "500"})
        assert resp.status == 200, resp
        found = [e for e in resp.json if e["subject"] == subject]
        assert len(found) == 1, resp.json
        return dict(found[0])

    return await eventually(there, timeout=20)


async def test_role_created_and_updated_are_events(
    tenant: Any, other_tenant: Any, team: Any
) -> None:
    role = await team.role("Plumber")
    resp = await team.c.put(f"/api/roles/{role['id']}", json={"name": "Master plumber"})
    assert resp.status == 200, resp
    created = await feed_event(team.c, "role-created", str(role["id"]))
    assert created["source"] == "servelo/team" and created["tenant"] == tenant.org_id
    assert created["data"] == {"id": role["id"], "name": "Plumber"}
    updated = await feed_event(team.c, "role-updated", str(role["id"]))
    assert updated["data"] == {"id": role["id"], "name": "Master plumber"}
    other = await other_tenant.admin.get("/api/events", params={"types": "role-created"})
    assert other.status == 200 and other.json == []


async def test_project_created_and_updated_are_events(tenant: Any, team: Any) -> None:
    project = await team.project(name="Boiler", start_date="2026-01-05")
    resp = await team.c.put(
        f"/api/projects/{project['id']}", json={"active": False, "end_date": "2026-02-27"}
    )
    assert resp.status == 200, resp
    created = await feed_event(team.c, "project-created", project["id"])
    assert created["tenant"] == tenant.org_id
    assert created["data"] == {
        "id": project["id"],
        "name": "Boiler",
        "customer_id": None,
        "active": True,
        "start_date": "2026-01-05",
        "end_date": None,
    }
    updated = await feed_event(team.c, "project-updated", project["id"])
    assert updated["data"] == {
        **created["data"],
        "active": False,
        "end_date": "2026-02-27",
    }
