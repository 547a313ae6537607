"""Every delete is in the tenant's event feed (`GET /api/events`) as a past-tense event, so
a sync client (or a webhook) sees deletions that `updated_since` cannot show."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from PIL import Image
from servelo_dev.testing import eventually
from servelo_dev.testing import factories as f
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.tenants import Tenant

# Makes a row; answers (the DELETE path, the id the event names).
Setup = Callable[[ApiClient], Awaitable[tuple[str, str]]]


def plain(make: Callable[[ApiClient], Awaitable[dict[str, Any]]], path: str) -> Setup:
    async def setup(client: ApiClient) -> tuple[str, str]:
        row = await make(client)
        return f"{path}/{row['id']}", str(row["id"])

    return setup


async def photo(client: ApiClient) -> tuple[str, str]:
    ticket = await f.make_ticket(client)
    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, "PNG")
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(buf.getvalue()), filename="a.png")
    made = f.created(await client.post(f"/api/tickets/{ticket['id']}/photos", data=form))
    return f"/api/tickets/{ticket['id']}/photos/{made['id']}", str(made["id"])


DELETES: list[tuple[str, Setup]] = [
    ("ticket-trashed", plain(f.make_ticket, "/api/tickets")),
    ("ticket-photo-deleted", photo),
    ("customer-deleted", plain(f.make_customer, "/api/customers")),
    ("quote-deleted", plain(f.make_quote, "/api/quotes")),
    ("revenue-deleted", plain(f.make_revenue, "/api/revenue")),
    ("expense-deleted", plain(f.make_expense, "/api/expenses")),
    ("team-member-deleted", plain(f.make_member, "/api/team-members")),
    ("role-deleted", plain(f.make_role, "/api/roles")),
    ("project-deleted", plain(f.make_project, "/api/projects")),
    ("allocation-deleted", plain(f.make_allocation, "/api/allocations")),
    ("actual-deleted", plain(f.make_actual, "/api/actuals")),
    ("user-deleted", plain(f.make_user, "/api/users")),
    ("webhook-deleted", plain(f.make_webhook, "/api/webhooks")),
]


async def in_feed(client: ApiClient, kind: str, row_id: str) -> dict[str, Any]:
    """The feed's event of this type about the row, once it is there (a photo's event has
    its ticket as `subject`, the photo as `data.id`)."""

    async def there() -> dict[str, Any]:
        resp = await client.get("/api/events", params={"types": kind, "limit": "500"})
        assert resp.status == 200, resp
        found = [e for e in resp.json if str(e["data"]["id"]) == row_id]
        assert len(found) == 1, resp.json
        return dict(found[0])

    return await eventually(there, timeout=20)


@pytest.mark.parametrize(("kind", "setup"), DELETES, ids=[d[0] for d in DELETES])
async def test_every_delete_is_an_event_in_the_tenants_feed(
    tenant: Tenant, other_tenant: Tenant, kind: str, setup: Setup
) -> None:
    path, row_id = await setup(tenant.admin)
    resp = await tenant.admin.delete(path)
    assert resp.status == 200, resp
    event = await in_feed(tenant.admin, kind, row_id)
    assert event["tenant"] == tenant.org_id
    other = await other_tenant.admin.get("/api/events", params={"types": kind})
    assert other.status == 200 and other.json == []
