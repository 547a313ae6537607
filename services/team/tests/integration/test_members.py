"""Team members: the reference's examples as written, roles embedded, who may write."""

from __future__ import annotations

import re
from typing import Any

from servelo_dev.testing.pages import walk_pages

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
MISSING = "/api/team-members/550e8400-e29b-41d4-a716-446655440000"
NOT_FOUND = {"message": "Team member not found", "error": "Team member not found"}


async def test_create_member_answers_the_reference_shape(tenant: Any, team: Any) -> None:
    role = await team.role("Backend Developer")
    resp = await tenant.admin.post(
        "/api/team-members",
        json={"name": "John Doe", "role_id": role["id"], "hourly_rate": "150.00", "active": True},
    )
    assert resp.status == 201, resp
    body = resp.json
    assert set(body) == {
        "id",
        "name",
        "role_id",
        "role",
        "hourly_rate",
        "active",
        "created_at",
        "updated_at",
    }
    assert body["name"] == "John Doe"
    assert body["role_id"] == role["id"] and isinstance(body["role_id"], int)
    assert body["role"] == {"id": role["id"], "name": "Backend Developer"}
    assert body["hourly_rate"] == "150.00"
    assert body["active"] is True
    assert ISO_Z.match(body["created_at"]) and ISO_Z.match(body["updated_at"])


async def test_get_list_and_active_filter(tenant: Any, team: Any) -> None:
    active = await team.member(name="Ann Active")
    inactive = await team.member(name="Ian Inactive", active=False)
    resp = await tenant.admin.get(f"/api/team-members/{active['id']}")
    assert resp.status == 200 and resp.json == active
    everyone = await tenant.admin.get("/api/team-members")
    assert [m["id"] for m in everyone.json] == [active["id"], inactive["id"]]
    only_active = await tenant.admin.get("/api/team-members?active=1")
    assert [m["id"] for m in only_active.json] == [active["id"]]
    only_inactive = await tenant.admin.get("/api/team-members", params={"active": "0"})
    assert [m["id"] for m in only_inactive.json] == [inactive["id"]]


async def test_update_changes_rate_and_active_flag(tenant: Any, team: Any) -> None:
    role = await team.role("Backend Developer")
    member = await team.member(role_id=role["id"])
    resp = await tenant.admin.put(
        f"/api/team-members/{member['id']}",
        json={"name": "John Doe", "role_id": role["id"], "hourly_rate": "175.00", "active": False},
    )
    assert resp.status == 200, resp
    assert resp.json["hourly_rate"] == "175.00" and resp.json["active"] is False
    assert resp.json["role"] == {"id": role["id"], "name": "Backend Developer"}
    assert resp.json["created_at"] == member["created_at"]
    assert resp.json["updated_at"] > member["updated_at"]


async def test_validation_failures_are_422_with_reference_messages(tenant: Any, team: Any) -> None:
    resp = await tenant.admin.post("/api/team-members", json={"hourly_rate": "0"})
    assert resp.status == 422
    assert resp.error_body == {
        "message": "Validation failed",
        "error": "Validation failed",
        "errors": {
            "name": ["The name field is required."],
            "hourly_rate": ["Hourly rate must be greater than 0"],
        },
    }
    member = await team.member()
    resp = await tenant.admin.put(f"/api/team-members/{member['id']}", json={"hourly_rate": "-5"})
    assert resp.status == 422
    assert resp.json["errors"] == {"hourly_rate": ["Hourly rate must be greater than 0"]}


async def test_unknown_role_is_422_on_role_id(tenant: Any, other_team: Any) -> None:
    foreign = await other_team.role()
    for role_id in (999_999_999, foreign["id"]):
        resp = await tenant.admin.post(
            "/api/team-members", json={"name": "X", "role_id": role_id, "hourly_rate": "10"}
        )
        assert resp.status == 422, resp
        assert resp.json["errors"] == {"role_id": ["The selected role id is invalid."]}


async def test_malformed_json_is_400(tenant: Any) -> None:
    resp = await tenant.admin.post(
        "/api/team-members", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400
    assert resp.json["message"] == "Malformed JSON"


async def test_missing_member_is_404_with_reference_message(tenant: Any) -> None:
    # An update of a member that does not exist is 404 even when its body is invalid.
    for method in ("get", "put", "delete"):
        resp = await getattr(tenant.admin, method)(MISSING, json={"hourly_rate": "0"})
        assert resp.status == 404, (method, resp)
        assert resp.error_body == NOT_FOUND
    resp = await tenant.admin.get("/api/team-members/not-a-uuid")
    assert resp.status == 404 and resp.error_body == NOT_FOUND


async def test_other_tenant_member_is_404(tenant: Any, other_team: Any) -> None:
    foreign = await other_team.member()
    path = f"/api/team-members/{foreign['id']}"
    assert (await tenant.admin.get(path)).error_body == NOT_FOUND
    assert (await tenant.admin.put(path, json={"name": "Mine"})).status == 404
    assert (await tenant.admin.delete(path)).status == 404
    resp = await tenant.admin.get(f"{path}/utilization?from=2026-01-01&to=2026-01-31")
    assert resp.status == 404
    assert foreign["id"] not in [
        m["id"] for m in (await tenant.admin.get("/api/team-members")).json
    ]
    assert (await other_team.c.get(path)).json["name"] == "John Doe"


async def test_technicians_read_but_do_not_write(tenant: Any, team: Any) -> None:
    member = await team.member()
    tech = await tenant.create_user(role="technician")
    assert (await tech.get("/api/team-members")).status == 200
    assert (await tech.get(f"/api/team-members/{member['id']}")).status == 200
    writes = [
        tech.post("/api/team-members", json={"name": "x", "hourly_rate": "1"}),
        tech.put(f"/api/team-members/{member['id']}", json={"name": "x"}),
        tech.delete(f"/api/team-members/{member['id']}"),
        tech.post("/api/roles", json={"name": "x"}),
    ]
    for write in writes:
        resp = await write
        assert resp.status == 403 and resp.json["message"] == "Forbidden"
    manager = await tenant.create_user(role="manager")
    assert (
        await manager.post("/api/team-members", json={"name": "By Manager", "hourly_rate": "1"})
    ).status == 201


async def test_list_pages_with_link_header(tenant: Any, team: Any) -> None:
    for i in range(5):
        await team.member(name=f"Member {i}")
    seen = [m["name"] for m in await walk_pages(tenant.admin, "/api/team-members?limit=2")]
    assert seen == [f"Member {i}" for i in range(5)]
