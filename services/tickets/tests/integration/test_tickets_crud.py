"""Tickets through the gateway: create, read, update, numbering, roles, Trash, ETags."""

from __future__ import annotations

import asyncio

from servelo_dev.testing.checks import assert_hidden, read_back
from servelo_dev.testing.factories import make_ticket
from servelo_dev.testing.tenants import Tenant


async def test_create_and_get_ticket(tenant: Tenant) -> None:
    resp = await tenant.admin.post(
        "/api/tickets",
        json={
            "title": "Leaking tap",
            "description": "Kitchen",
            "priority": "high",
            "scheduledAt": "2030-05-01T09:00:00Z",
        },
    )
    assert resp.status == 201, resp
    t = resp.json
    assert t["number"] == 1 and t["status"] == "open" and t["priority"] == "high"
    assert t["created_by"] == tenant.admin.user["id"]
    assert t["scheduled_at"] == "2030-05-01T09:00:00.000000Z"
    assert t["deleted_at"] is None and t["assignee_id"] is None
    assert resp.headers["Location"] == f"/api/tickets/{t['id']}"
    got = await read_back(tenant.admin, f"/api/tickets/{t['id']}", t)
    assert got.headers["ETag"] == resp.headers["ETag"]


async def test_update_changes_only_sent_fields(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin, description="before")
    resp = await tenant.admin.put(
        f"/api/tickets/{t['id']}", json={"title": "Renamed", "status": "in_progress"}
    )
    assert resp.status == 200, resp
    assert resp.json["title"] == "Renamed" and resp.json["status"] == "in_progress"
    assert resp.json["description"] == "before"
    assert resp.json["updated_at"] > t["updated_at"]


async def test_invalid_input_is_400_with_errors(tenant: Tenant) -> None:
    resp = await tenant.admin.post("/api/tickets", json={"priority": "asap"})
    assert resp.status == 400
    assert set(resp.json["errors"]) == {"title", "priority"}
    bad = await tenant.admin.post(
        "/api/tickets", data=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status == 400


async def test_unknown_assignee_and_customer_are_400(tenant: Tenant) -> None:
    resp = await tenant.admin.post(
        "/api/tickets",
        json={
            "title": "x",
            "assignee_id": "00000000-0000-0000-0000-000000000001",
            "customer_id": "00000000-0000-0000-0000-000000000002",
        },
    )
    assert resp.status == 400
    assert set(resp.json["errors"]) == {"assignee_id", "customer_id"}


async def test_closed_ticket_can_only_be_reopened(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    path = f"/api/tickets/{t['id']}"
    assert (await tenant.admin.put(path, json={"status": "closed"})).status == 200
    resp = await tenant.admin.put(path, json={"status": "resolved"})
    assert resp.status == 400 and "status" in resp.json["errors"]
    assert (await tenant.admin.put(path, json={"status": "open"})).json["status"] == "open"


async def test_numbers_are_per_org(tenant: Tenant, other_tenant: Tenant) -> None:
    assert (await make_ticket(tenant.admin))["number"] == 1
    assert (await make_ticket(tenant.admin))["number"] == 2
    assert (await make_ticket(other_tenant.admin))["number"] == 1


async def test_concurrent_creates_get_consecutive_numbers(tenant: Tenant) -> None:
    results = await asyncio.gather(
        *(tenant.admin.post("/api/tickets", json={"title": f"t{i}"}) for i in range(100))
    )
    assert all(r.status == 201 for r in results), [r for r in results if r.status != 201][:3]
    assert sorted(r.json["number"] for r in results) == list(range(1, 101))


async def test_if_match_with_stale_etag_is_412(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    path = f"/api/tickets/{t['id']}"
    etag = (await tenant.admin.get(path)).headers["ETag"]
    first = await tenant.admin.put(path, json={"priority": "low"}, headers={"If-Match": etag})
    assert first.status == 200
    stale = await tenant.admin.put(path, json={"priority": "high"}, headers={"If-Match": etag})
    assert stale.status == 412
    assert (await tenant.admin.get(path)).json["priority"] == "low"
    fresh = await tenant.admin.put(
        path, json={"priority": "high"}, headers={"If-Match": first.headers["ETag"]}
    )
    assert fresh.status == 200


async def test_idempotent_create_replays_first_response(tenant: Tenant) -> None:
    key = {"Idempotency-Key": "create-1"}
    first = await tenant.admin.post("/api/tickets", json={"title": "once"}, headers=key)
    again = await tenant.admin.post("/api/tickets", json={"title": "once"}, headers=key)
    assert first.status == again.status == 201
    assert again.json == first.json
    listed = await tenant.admin.get("/api/tickets")
    assert [t["title"] for t in listed.json] == ["once"]
    other = await tenant.admin.post("/api/tickets", json={"title": "twice"}, headers=key)
    assert other.status == 422


async def test_technician_may_update_but_not_delete(tenant: Tenant) -> None:
    tech = await tenant.create_user(role="technician")
    t = await make_ticket(tenant.admin)
    path = f"/api/tickets/{t['id']}"
    assert (await tech.put(path, json={"status": "in_progress"})).status == 200
    resp = await tech.delete(path)
    assert resp.status == 403 and resp.json["error"] == "Forbidden"
    manager = await tenant.create_user(role="manager")
    assert (await manager.delete(path)).status == 403
    assert (await tenant.admin.get(path)).status == 200


async def test_trash_and_restore(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    path = f"/api/tickets/{t['id']}"
    resp = await tenant.admin.delete(path)
    assert resp.status == 200 and resp.json["message"]
    assert (await tenant.admin.get(path)).status == 404
    assert (await tenant.admin.put(path, json={"title": "x"})).status == 404
    assert (await tenant.admin.get("/api/tickets")).json == []
    trash = await tenant.admin.get("/api/tickets", params={"trashed": "1"})
    assert [x["id"] for x in trash.json] == [t["id"]]
    shown = await tenant.admin.get(path, params={"trashed": "1"})
    assert shown.status == 200 and shown.json["deleted_at"] is not None
    assert (await tenant.admin.delete(path)).status == 404
    restored = await tenant.admin.post(f"{path}/restore")
    assert restored.status == 200 and restored.json["deleted_at"] is None
    assert (await tenant.admin.get(path)).status == 200
    assert (await tenant.admin.post(f"{path}/restore")).status == 404


async def test_other_tenant_ticket_is_404_on_every_route(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    t = await make_ticket(tenant.admin)
    path = f"/api/tickets/{t['id']}"
    other = other_tenant.admin
    await assert_hidden(other, path, change={"title": "mine"})
    assert (await other.get(path, params={"trashed": "1"})).status == 404
    assert (await other.post(f"{path}/restore")).status == 404
    assert (await other.get(f"{path}/comments")).status == 404
    assert (await other.post(f"{path}/comments", json={"body": "hi"})).status == 404
    assert (await other.get(f"{path}/photos")).status == 404
    assert (await other.get("/api/tickets")).json == []
    assert (await tenant.admin.get(path)).json["title"] == t["title"]


async def test_non_uuid_id_is_404(tenant: Tenant) -> None:
    assert (await tenant.admin.get("/api/tickets/not-a-uuid")).status == 404


async def test_anonymous_is_401(tenant: Tenant) -> None:
    assert (await tenant.anon.get("/api/tickets")).status == 401
