"""Comments: oldest first, the author is the caller, idempotent adds, tenant isolation."""

from __future__ import annotations

from servelo_dev.testing.factories import make_ticket
from servelo_dev.testing.tenants import Tenant


async def test_comments_listed_oldest_first_with_caller_as_author(tenant: Tenant) -> None:
    tech = await tenant.create_user(role="technician")
    t = await make_ticket(tenant.admin)
    path = f"/api/tickets/{t['id']}/comments"
    first = await tenant.admin.post(path, json={"body": "On my way", "author_id": "spoof"})
    assert first.status == 201, first
    assert first.json["author_id"] == tenant.admin.user["id"]
    assert first.json["ticket_id"] == t["id"]
    second = await tech.post(path, json={"body": "Fixed"})
    assert second.json["author_id"] == tech.user["id"]
    listed = await tenant.admin.get(path)
    assert [c["body"] for c in listed.json] == ["On my way", "Fixed"]
    paged = await tenant.admin.get(path, params={"limit": "1"})
    assert len(paged.json) == 1 and 'rel="next"' in paged.headers["Link"]


async def test_empty_comment_is_400(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    resp = await tenant.admin.post(f"/api/tickets/{t['id']}/comments", json={"body": ""})
    assert resp.status == 400 and "body" in resp.json["errors"]


async def test_idempotent_comment_is_added_once(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    path = f"/api/tickets/{t['id']}/comments"
    key = {"Idempotency-Key": "c-1"}
    a = await tenant.admin.post(path, json={"body": "once"}, headers=key)
    b = await tenant.admin.post(path, json={"body": "once"}, headers=key)
    assert a.status == b.status == 201 and a.json == b.json
    assert len((await tenant.admin.get(path)).json) == 1
    assert (await tenant.admin.post(path, json={"body": "other"}, headers=key)).status == 422


async def test_trashed_ticket_comments_are_404(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    await tenant.admin.delete(f"/api/tickets/{t['id']}")
    assert (await tenant.admin.get(f"/api/tickets/{t['id']}/comments")).status == 404


async def test_other_tenant_comments_are_404(tenant: Tenant, other_tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    path = f"/api/tickets/{t['id']}/comments"
    await tenant.admin.post(path, json={"body": "secret"})
    assert (await other_tenant.admin.get(path)).status == 404
    assert (await other_tenant.admin.post(path, json={"body": "x"})).status == 404
    assert len((await tenant.admin.get(path)).json) == 1
