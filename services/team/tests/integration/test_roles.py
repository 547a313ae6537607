"""Job roles: integer ids, names unique per org, not deletable while held."""

from __future__ import annotations

from typing import Any


async def test_role_crud(tenant: Any, team: Any) -> None:
    role = await team.role("Backend Developer")
    assert set(role) == {"id", "name", "updated_at"} and isinstance(role["id"], int)
    path = f"/api/roles/{role['id']}"
    assert (await tenant.admin.get(path)).json == role
    resp = await tenant.admin.put(path, json={"name": "Backend Engineer"})
    assert resp.status == 200
    assert (resp.json["id"], resp.json["name"]) == (role["id"], "Backend Engineer")
    assert resp.json["updated_at"] >= role["updated_at"]
    listed = await tenant.admin.get("/api/roles")
    assert listed.json == [resp.json]
    resp = await tenant.admin.delete(path)
    assert resp.status == 200 and resp.json == {"message": "Role deleted successfully"}
    assert (await tenant.admin.get(path)).status == 404


async def test_new_org_starts_without_roles(tenant: Any) -> None:
    resp = await tenant.admin.get("/api/roles")
    assert resp.status == 200 and resp.json == []


async def test_duplicate_name_is_409_in_the_same_org_only(team: Any, other_team: Any) -> None:
    await team.role("Designer")
    resp = await team.c.post("/api/roles", json={"name": "designer"})
    assert resp.status == 409
    assert resp.error_body == {
        "message": "A role with this name already exists",
        "error": "A role with this name already exists",
    }
    await other_team.role("Designer")
    other = await team.role("Tester")
    resp = await team.c.put(f"/api/roles/{other['id']}", json={"name": "DESIGNER"})
    assert resp.status == 409


async def test_role_held_by_a_member_cannot_be_deleted(team: Any) -> None:
    role = await team.role()
    member = await team.member(role_id=role["id"])
    resp = await team.c.delete(f"/api/roles/{role['id']}")
    assert resp.status == 409
    assert resp.json["message"] == "Cannot delete role assigned to team members"
    await team.c.put(f"/api/team-members/{member['id']}", json={"role_id": None})
    assert (await team.c.delete(f"/api/roles/{role['id']}")).status == 200


async def test_role_validation_is_422(team: Any) -> None:
    resp = await team.c.post("/api/roles", json={})
    assert resp.status == 422
    assert resp.json["errors"] == {"name": ["The name field is required."]}


async def test_other_tenant_role_is_404(team: Any, other_team: Any) -> None:
    foreign = await other_team.role()
    path = f"/api/roles/{foreign['id']}"
    for resp in (
        await team.c.get(path),
        await team.c.put(path, json={"name": "x"}),
        await team.c.delete(path),
    ):
        assert resp.status == 404
        assert resp.error_body == {"message": "Role not found", "error": "Role not found"}
    assert (await team.c.get("/api/roles/abc")).status == 404
    assert (await other_team.c.get(path)).status == 200
