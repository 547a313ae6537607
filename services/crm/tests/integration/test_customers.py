"""Clients through the gateway: CRUD, validation, search, pagination, roles, tenants."""

from __future__ import annotations

from typing import Any

from servelo_dev.testing.checks import assert_hidden, read_back
from servelo_dev.testing.factories import make_customer, make_quote
from servelo_dev.testing.pages import walk_pages


async def test_client_round_trips_with_normalized_contacts(tenant: Any) -> None:
    created = await make_customer(
        tenant.admin,
        name="  Bob's Bakery ",
        email=" Orders@BobsBakery.COM",
        phone="+1 (555) 010-0199",
        address="1 Main St",
        notes="Side door",
    )
    assert created["name"] == "Bob's Bakery"
    assert created["email"] == "orders@bobsbakery.com"
    assert created["phone"] == "+15550100199"
    assert created["created_at"].endswith("Z") and created["updated_at"].endswith("Z")
    await read_back(tenant.admin, f"/api/customers/{created['id']}", created)


async def test_update_changes_only_the_fields_sent(tenant: Any) -> None:
    created = await make_customer(tenant.admin, phone="555 0100", notes="keep me")
    resp = await tenant.admin.put(
        f"/api/customers/{created['id']}", json={"name": "Ann Lee-Park", "phone": ""}
    )
    assert resp.status == 200, resp
    assert resp.json["name"] == "Ann Lee-Park"
    assert resp.json["phone"] is None
    assert resp.json["notes"] == "keep me"
    assert resp.json["email"] == created["email"]
    assert resp.json["updated_at"] > created["updated_at"]


async def test_invalid_email_and_phone_are_400_with_field_errors(tenant: Any) -> None:
    resp = await tenant.admin.post(
        "/api/customers", json={"name": "X", "email": "not-an-email", "phone": "call me maybe"}
    )
    assert resp.status == 400, resp
    assert set(resp.json["errors"]) == {"email", "phone"}
    assert resp.json["error"] == resp.json["message"]


async def test_missing_name_is_400(tenant: Any) -> None:
    resp = await tenant.admin.post("/api/customers", json={"email": "a@example.com"})
    assert resp.status == 400
    assert "name" in resp.json["errors"]
    created = await make_customer(tenant.admin)
    resp = await tenant.admin.put(f"/api/customers/{created['id']}", json={"name": None})
    assert resp.status == 400
    assert "name" in resp.json["errors"]


async def test_malformed_json_is_400(tenant: Any) -> None:
    resp = await tenant.admin.post(
        "/api/customers", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert resp.status == 400


async def test_duplicate_email_in_one_org_is_409(tenant: Any, other_tenant: Any) -> None:
    await make_customer(tenant.admin, email="dup@example.com")
    resp = await tenant.admin.post(
        "/api/customers", json={"name": "Other", "email": "DUP@example.com"}
    )
    assert resp.status == 409, resp
    assert "email" in resp.json["error"]
    # Another org may have a client with the same address.
    await make_customer(other_tenant.admin, email="dup@example.com")
    # Changing another client's email to a taken one is refused too.
    second = await make_customer(tenant.admin)
    resp = await tenant.admin.put(
        f"/api/customers/{second['id']}", json={"email": "Dup@Example.com"}
    )
    assert resp.status == 409


async def test_search_matches_name_email_and_phone_fragments(tenant: Any) -> None:
    ann = await make_customer(
        tenant.admin, name="Annabel Fixit", email="annabel@fixit.io", phone="+1 555 010 0199"
    )
    bob = await make_customer(tenant.admin, name="Bob Pipes", email="bob@pipes.example")
    await make_customer(tenant.admin, name="Carla 100% Dry_Wall", email=None)

    async def ids(q: str) -> set[str]:
        resp = await tenant.admin.get("/api/customers", params={"q": q})
        assert resp.status == 200, resp
        return {c["id"] for c in resp.json}

    assert await ids("annab") == {ann["id"]}
    assert await ids("FIXIT") == {ann["id"]}  # case-insensitive, email domain
    assert await ids("pipes.exa") == {bob["id"]}
    assert await ids("(555) 010-01") == {ann["id"]}  # formatted like a phone
    assert await ids("0199") == {ann["id"]}
    assert await ids("bo") == {bob["id"]}  # short terms work (no index)
    assert await ids("zzz") == set()
    assert len(await ids("100%")) == 1  # LIKE wildcards are literal
    assert len(await ids("y_w")) == 1
    assert await ids("a_l") == set()  # "_" is not "any character"


async def test_list_pages_with_a_link_header(tenant: Any) -> None:
    made = [await make_customer(tenant.admin, name=f"Client {i}") for i in range(5)]
    seen = [c["id"] for c in await walk_pages(tenant.admin, "/api/customers", {"limit": "2"})]
    assert seen == [c["id"] for c in reversed(made)]  # newest first, each once


async def test_updated_since_returns_recent_changes_only(tenant: Any) -> None:
    old = await make_customer(tenant.admin)
    changed = await make_customer(tenant.admin)
    resp = await tenant.admin.put(f"/api/customers/{changed['id']}", json={"notes": "new"})
    since = resp.json["updated_at"]
    resp = await tenant.admin.get("/api/customers", params={"updated_since": since})
    assert resp.status == 200, resp
    assert [c["id"] for c in resp.json] == [changed["id"]]
    assert old["id"] != changed["id"]
    resp = await tenant.admin.get("/api/customers", params={"updated_since": "yesterday"})
    assert resp.status == 400
    assert "updated_since" in resp.json["errors"]


async def test_technician_can_create_but_not_delete(tenant: Any) -> None:
    tech = await tenant.create_user(role="technician")
    created = await make_customer(tech)
    resp = await tech.delete(f"/api/customers/{created['id']}")
    assert resp.status == 403
    assert resp.json["error"] == "Forbidden"
    resp = await tenant.admin.delete(f"/api/customers/{created['id']}")
    assert resp.status == 200
    assert resp.json["message"]
    assert (await tenant.admin.get(f"/api/customers/{created['id']}")).status == 404


async def test_client_with_quotes_cannot_be_deleted(tenant: Any) -> None:
    created = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=created["id"])
    resp = await tenant.admin.delete(f"/api/customers/{created['id']}")
    assert resp.status == 409, resp
    assert "1 quote" in resp.json["error"]
    assert (await tenant.admin.delete(f"/api/quotes/{quote['id']}")).status == 200
    assert (await tenant.admin.delete(f"/api/customers/{created['id']}")).status == 200


async def test_other_tenant_client_is_404(tenant: Any, other_tenant: Any) -> None:
    theirs = await make_customer(other_tenant.admin)
    path = f"/api/customers/{theirs['id']}"
    await assert_hidden(tenant.admin, path, change={"name": "Mine now"})
    listed = await tenant.admin.get("/api/customers")
    assert theirs["id"] not in {c["id"] for c in listed.json}
    assert (await other_tenant.admin.get(path)).json["name"] == theirs["name"]
    assert (await tenant.admin.get("/api/customers/not-a-uuid")).status == 404


async def test_unauthenticated_is_401(tenant: Any) -> None:
    assert (await tenant.anon.get("/api/customers")).status == 401


async def test_create_with_idempotency_key_replays_the_first_response(tenant: Any) -> None:
    body = {"name": "Once Only", "email": "once@example.com"}
    headers = {"Idempotency-Key": "create-once-1"}
    first = await tenant.admin.post("/api/customers", json=body, headers=headers)
    again = await tenant.admin.post("/api/customers", json=body, headers=headers)
    assert first.status == again.status == 201
    assert again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    listed = await tenant.admin.get("/api/customers", params={"q": "once only"})
    assert len(listed.json) == 1


async def test_stale_if_match_on_client_is_412(tenant: Any) -> None:
    created = await make_customer(tenant.admin)
    path = f"/api/customers/{created['id']}"
    etag = (await tenant.admin.get(path)).headers["ETag"]
    assert (
        await tenant.admin.put(path, json={"notes": "a"}, headers={"If-Match": etag})
    ).status == 200
    resp = await tenant.admin.put(path, json={"notes": "b"}, headers={"If-Match": etag})
    assert resp.status == 412
