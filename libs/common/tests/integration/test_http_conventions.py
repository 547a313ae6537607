"""HTTP conventions through the gateway, on every service (issue 13)."""

from __future__ import annotations

from servelo_dev.testing.factories import (
    make_customer,
    make_expense,
    make_quote,
    make_revenue,
    make_ticket,
)
from servelo_dev.testing.tenants import Tenant


async def test_every_get_with_an_etag_answers_304_to_its_if_none_match(tenant: Tenant) -> None:
    admin = tenant.admin
    resources = {
        "/api/tickets": await make_ticket(admin),
        "/api/customers": await make_customer(admin),
        "/api/quotes": await make_quote(admin),
        "/api/revenue": await make_revenue(admin),
        "/api/expenses": await make_expense(admin),
    }
    for collection, created in resources.items():
        path = f"{collection}/{created['id']}"
        first = await admin.get(path)
        etag = first.headers["ETag"]
        assert first.status == 200 and etag, path
        again = await admin.get(path, headers={"If-None-Match": etag})
        assert again.status == 304, (path, again)
        assert again.headers["ETag"] == etag and again.body == b""
        other = await admin.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status == 200 and other.json["id"] == created["id"]


async def test_405_lists_every_method_of_the_path(tenant: Tenant) -> None:
    for method, path, allowed in (
        ("PATCH", "/api/tickets", {"GET", "HEAD", "POST"}),
        ("POST", "/api/customers/00000000-0000-0000-0000-000000000001", None),
        ("DELETE", "/api/team-members", {"GET", "HEAD", "POST"}),
    ):
        resp = await tenant.admin.request(method, path)
        assert resp.status == 405, (method, path, resp)
        got = {m.strip() for m in resp.headers["Allow"].split(",")}
        if allowed is None:  # an item: read, replace, patch, delete
            assert {"GET", "PUT", "DELETE"} <= got, got
        else:
            assert got == allowed, (path, got)
