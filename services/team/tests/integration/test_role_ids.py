"""Role ids are numbered per org, so the reference's literal `"role_id": 1` works in any org."""

from __future__ import annotations

import asyncio
from typing import Any

# The team reference's request bodies, exactly as written there.
REFERENCE_CREATE = {"name": "John Doe", "role_id": 1, "hourly_rate": "150.00", "active": True}
REFERENCE_UPDATE = {"name": "John Doe", "role_id": 1, "hourly_rate": "175.00", "active": False}
INVALID_ROLE = {"role_id": ["The selected role id is invalid."]}


def ref(role: dict[str, Any]) -> dict[str, Any]:
    """A role as the team reference shows it (`/api/roles` adds `updated_at`, for sync)."""
    return {"id": role["id"], "name": role["name"]}


async def test_reference_examples_run_as_written_in_a_fresh_tenant(
    tenant: Any, team: Any, db: Any
) -> None:
    role = await team.role("Backend Developer")
    assert ref(role) == {"id": 1, "name": "Backend Developer"}
    resp = await tenant.admin.post("/api/team-members", json=REFERENCE_CREATE)
    assert resp.status == 201, resp
    member = resp.json
    assert member["role_id"] == 1
    assert member["role"] == {"id": 1, "name": "Backend Developer"}
    assert (member["name"], member["hourly_rate"], member["active"]) == ("John Doe", "150.00", True)
    resp = await tenant.admin.put(f"/api/team-members/{member['id']}", json=REFERENCE_UPDATE)
    assert resp.status == 200, resp
    assert resp.json["role_id"] == 1
    assert resp.json["role"] == {"id": 1, "name": "Backend Developer"}
    assert (resp.json["hourly_rate"], resp.json["active"]) == ("175.00", False)
    listed = await tenant.admin.get("/api/team-members?active=0")
    assert [(m["id"], m["role"]) for m in listed.json] == [
        (member["id"], {"id": 1, "name": "Backend Developer"})
    ]
    # The member events carry the same per-org role id (the role's own `role-created`
    # names it as `data.id`).
    rows = await db.fetch(
        "SELECT event->>'type' AS type, (event->'data'->'role_id')::bigint AS role_id"
        " FROM team.outbox WHERE event->>'tenant' = $1"
        " AND event->>'type' LIKE 'team-member-%' ORDER BY seq",
        tenant.org_id,
    )
    assert [(r["type"], r["role_id"]) for r in rows] == [
        ("team-member-created", 1),
        ("team-member-updated", 1),
    ]


async def test_role_ids_count_from_one_in_each_org(team: Any, other_team: Any) -> None:
    assert (await team.role("Backend Developer"))["id"] == 1
    assert (await other_team.role("Designer"))["id"] == 1
    assert (await other_team.role("Tester"))["id"] == 2
    assert (await team.role("Frontend Developer"))["id"] == 2
    assert ref((await team.c.get("/api/roles/1")).json) == {"id": 1, "name": "Backend Developer"}
    assert ref((await other_team.c.get("/api/roles/1")).json) == {"id": 1, "name": "Designer"}
    # Org B's role 1 is its own: a member there holds B's role, not A's.
    member = await other_team.member(role_id=1)
    assert member["role"] == {"id": 1, "name": "Designer"}


async def test_role_id_only_another_org_has_is_422(team: Any, other_team: Any) -> None:
    await team.role("Backend Developer")
    for name in ("Designer", "Tester", "Writer"):
        await other_team.role(name)
    resp = await team.c.post("/api/team-members", json={**REFERENCE_CREATE, "role_id": 3})
    assert resp.status == 422, resp
    assert resp.json["errors"] == INVALID_ROLE
    member = await team.member(role_id=1)
    resp = await team.c.put(f"/api/team-members/{member['id']}", json={"role_id": 2})
    assert resp.status == 422 and resp.json["errors"] == INVALID_ROLE
    assert (await team.c.get("/api/roles/3")).status == 404
    assert (await team.c.delete("/api/roles/3")).status == 404
    assert ref((await other_team.c.get("/api/roles/3")).json) == {"id": 3, "name": "Writer"}


async def test_parallel_role_creates_get_ids_1_to_20(team: Any) -> None:
    responses = await asyncio.gather(
        *(team.c.post("/api/roles", json={"name": f"Role {i}"}) for i in range(20))
    )
    assert [r.status for r in responses] == [201] * 20
    assert sorted(r.json["id"] for r in responses) == list(range(1, 21))
    listed = await team.c.get("/api/roles")
    assert sorted(r["id"] for r in listed.json) == list(range(1, 21))


async def test_taken_name_does_not_use_up_an_id(team: Any) -> None:
    assert (await team.role("Designer"))["id"] == 1
    assert (await team.c.post("/api/roles", json={"name": "DESIGNER"})).status == 409
    assert (await team.role("Tester"))["id"] == 2


async def test_deleted_role_id_is_not_given_again(team: Any) -> None:
    await team.role("Designer")
    second = await team.role("Tester")
    assert (await team.c.delete(f"/api/roles/{second['id']}")).status == 200
    # A client still holding id 2 must not silently get another role.
    assert (await team.role("Writer"))["id"] == 3
    assert (await team.c.get("/api/roles/2")).status == 404
