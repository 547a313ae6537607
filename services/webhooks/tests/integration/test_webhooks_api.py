"""The webhooks API: admin only, the secret shown once, bad input, other tenants' ids."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from servelo_dev.testing import eventually
from servelo_dev.testing.client import ApiResponse
from servelo_dev.testing.factories import make_webhook
from servelo_dev.testing.tenants import Tenant

URL = "http://127.0.0.1:9/in"


async def test_crud_shows_the_secret_only_when_created(tenant: Tenant) -> None:
    admin = tenant.admin
    hook = await make_webhook(admin, url=URL, events=["ticket-created"], description="CRM sync")
    assert set(hook) >= {"id", "url", "events", "description", "active", "secret", "created_at"}
    assert hook["active"] is True and hook["events"] == ["ticket-created"]

    got = await admin.get(f"/api/webhooks/{hook['id']}")
    assert got.status == 200 and "secret" not in got.json
    listed = await admin.get("/api/webhooks")
    assert [h["id"] for h in listed.json] == [hook["id"]] and "secret" not in listed.json[0]

    changed = await admin.put(
        f"/api/webhooks/{hook['id']}", json={"events": ["*"], "active": False}
    )
    assert changed.status == 200, changed
    assert changed.json["events"] == ["*"] and changed.json["active"] is False
    assert changed.json["description"] == "CRM sync" and "secret" not in changed.json

    deleted = await admin.delete(f"/api/webhooks/{hook['id']}")
    assert deleted.status == 200 and deleted.json == {"message": "Webhook deleted"}
    assert (await admin.get(f"/api/webhooks/{hook['id']}")).status == 404


async def test_the_list_is_paged_newest_first(tenant: Tenant) -> None:
    made = [(await make_webhook(tenant.admin, url=URL))["id"] for _ in range(3)]
    first = await tenant.admin.get("/api/webhooks", params={"limit": "2"})
    assert [h["id"] for h in first.json] == made[::-1][:2]
    link = first.headers["Link"]
    cursor = link.split("cursor=")[1].split(">")[0].split("&")[0]
    second = await tenant.admin.get("/api/webhooks", params={"limit": "2", "cursor": cursor})
    assert [h["id"] for h in second.json] == [made[0]] and "Link" not in second.headers


@pytest.mark.parametrize("role", ["manager", "technician"])
async def test_only_admins_use_webhooks_and_the_feed(tenant: Tenant, role: str) -> None:
    user = await tenant.create_user(role=role)
    hook = await make_webhook(tenant.admin, url=URL)
    for method, path in [
        ("GET", "/api/webhooks"),
        ("POST", "/api/webhooks"),
        ("GET", f"/api/webhooks/{hook['id']}"),
        ("POST", f"/api/webhooks/{hook['id']}/rotate-secret"),
        ("GET", f"/api/webhooks/{hook['id']}/deliveries"),
        ("GET", "/api/events"),
    ]:
        resp = await user.request(method, path, json={"url": URL, "events": ["*"]})
        assert resp.status == 403, (method, path, resp)
        assert resp.json["error"] == "Forbidden"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://127.0.0.1/x", "events": ["*"]}, "url"),
        ({"url": "http://user:pw@127.0.0.1/x", "events": ["*"]}, "url"),
        ({"url": URL, "events": []}, "events"),
        ({"url": URL, "events": ["Ticket Created"]}, "events.0"),
        ({"events": ["*"]}, "url"),
        ({"url": URL}, "events"),
        ({"url": "http://169.254.169.254/latest/meta-data", "events": ["*"]}, "url"),
        ({"url": "http://10.0.0.5/x", "events": ["*"]}, "url"),
        ({"url": "http://no-such-host.invalid/x", "events": ["*"]}, "url"),
        # A label past 63 characters: the resolver raised (a 500, found by schemathesis).
        ({"url": "https://" + "0" * 2000 + "/", "events": ["*"]}, "url"),
    ],
)
async def test_bad_input_is_400_with_the_field(
    tenant: Tenant, body: dict[str, Any], field: str
) -> None:
    resp = await tenant.admin.post("/api/webhooks", json=body)
    assert resp.status == 400, resp
    assert field in resp.json["errors"], resp.json


async def test_a_changed_url_is_checked_like_a_new_one(tenant: Tenant) -> None:
    hook = await make_webhook(tenant.admin, url=URL)
    resp = await tenant.admin.put(
        f"/api/webhooks/{hook['id']}", json={"url": "http://192.168.0.1/x"}
    )
    assert resp.status == 400 and "url" in resp.json["errors"]
    assert (await tenant.admin.put(f"/api/webhooks/{hook['id']}", json={"url": None})).status == 400


async def test_other_tenants_webhooks_and_deliveries_are_404(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    hook = await make_webhook(other_tenant.admin, url=URL)
    test = await other_tenant.admin.post(f"/api/webhooks/{hook['id']}/test")
    assert test.status == 202, test
    base = f"/api/webhooks/{hook['id']}"
    delivery = f"{base}/deliveries/{test.json['id']}"
    for method, path in [
        ("GET", base),
        ("PUT", base),
        ("DELETE", base),
        ("POST", f"{base}/rotate-secret"),
        ("POST", f"{base}/test"),
        ("GET", f"{base}/deliveries"),
        ("GET", delivery),
        ("POST", f"{delivery}/redeliver"),
    ]:
        resp = await tenant.admin.request(method, path, json={"active": True})
        assert resp.status == 404, (method, path, resp)
    # The other tenant's delivery id under one's own webhook: 404 too.
    own = await make_webhook(tenant.admin, url=URL)
    path = f"/api/webhooks/{own['id']}/deliveries/{test.json['id']}"
    assert (await tenant.admin.get(path)).status == 404
    assert (await tenant.admin.get("/api/webhooks/not-a-uuid")).status == 404
    assert (await other_tenant.admin.delete(base)).status == 200


async def test_secrets_are_stored_sealed_and_never_in_events(
    tenant: Tenant, db: asyncpg.Connection
) -> None:
    hook = await make_webhook(tenant.admin, url=URL)
    rotated = await tenant.admin.post(f"/api/webhooks/{hook['id']}/rotate-secret")
    assert rotated.status == 200 and rotated.json["secret"] != hook["secret"]
    rows = await db.fetch(
        "SELECT sealed FROM webhooks.endpoint_secrets WHERE endpoint_id = $1::uuid", hook["id"]
    )
    assert len(rows) == 2
    for row in rows:
        for secret in (hook["secret"], rotated.json["secret"]):
            assert secret.encode() not in bytes(row["sealed"])
            assert secret.split("_", 1)[1].encode() not in bytes(row["sealed"])

    async def in_the_feed() -> ApiResponse:
        resp = await tenant.admin.get("/api/events", params={"types": "webhook-created"})
        assert len(resp.json) == 1, resp
        return resp

    feed = await eventually(in_the_feed)
    assert feed.json[0]["data"]["id"] == hook["id"]
    assert hook["secret"] not in feed.text and "whsec_" not in feed.text
    assert "url" not in feed.json[0]["data"]
