"""Technicians read the plan; admins and managers write it. Creates are idempotent."""

from __future__ import annotations

from typing import Any


async def test_technician_cannot_write_planning(tenant: Any, team: Any) -> None:
    member, project = await team.member(), await team.project()
    allocation = await team.allocation(member, project)
    actual = await team.actual(member, project)
    tech = await tenant.create_user(role="technician")
    for path in ("/api/projects", "/api/allocations", "/api/actuals", "/api/roles"):
        assert (await tech.get(path)).status == 200
    writes = [
        ("post", "/api/projects"),
        ("put", f"/api/projects/{project['id']}"),
        ("delete", f"/api/projects/{project['id']}"),
        ("post", "/api/allocations"),
        ("put", f"/api/allocations/{allocation['id']}"),
        ("delete", f"/api/allocations/{allocation['id']}"),
        ("post", "/api/actuals"),
        ("put", f"/api/actuals/{actual['id']}"),
        ("delete", f"/api/actuals/{actual['id']}"),
    ]
    for method, path in writes:
        resp = await getattr(tech, method)(path, json={"name": "x"})
        assert resp.status == 403, (method, path, resp)
        assert resp.error_body == {"message": "Forbidden", "error": "Forbidden"}
    assert (
        await tech.get(
            f"/api/team-members/{member['id']}/utilization?from=2026-01-01&to=2026-01-02"
        )
    ).status == 200


async def test_anonymous_is_401(tenant: Any) -> None:
    for path in (
        "/api/team-members",
        "/api/roles",
        "/api/projects",
        "/api/allocations",
        "/api/actuals",
    ):
        assert (await tenant.anon.get(path)).status == 401


async def test_create_with_idempotency_key_creates_once(tenant: Any) -> None:
    body = {"name": "Once", "hourly_rate": "10.00"}
    headers = {"Idempotency-Key": "member-once"}
    first, again = [
        await tenant.admin.post("/api/team-members", json=body, headers=headers) for _ in range(2)
    ]
    assert first.status == again.status == 201
    assert first.json == again.json
    listed = await tenant.admin.get("/api/team-members")
    assert [m["name"] for m in listed.json] == ["Once"]
