"""Incremental sync through the gateway: `updated_since` on every list, in `(updated_at, id)`
order, keyset-paged without missing or repeating a row that shares a timestamp."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import asyncpg
import pytest
from servelo_dev.testing import factories as f
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.plugin import TestStack
from servelo_dev.testing.tenants import Tenant

Make = Callable[[ApiClient], Awaitable[dict[str, Any]]]


async def _comment(client: ApiClient) -> dict[str, Any]:
    ticket = await f.make_ticket(client)
    return f.created(
        await client.post(f"/api/tickets/{ticket['id']}/comments", json={"body": "On my way"})
    )


# (list path, the table behind it, a factory of one row). Comments are listed per ticket.
RESOURCES: list[tuple[str, str, Make]] = [
    ("/api/users", "auth.users", f.make_user),
    ("/api/tickets", "tickets.tickets", f.make_ticket),
    ("/api/tickets/{ticket_id}/comments", "tickets.comments", _comment),
    ("/api/customers", "crm.customers", f.make_customer),
    ("/api/quotes", "crm.quotes", f.make_quote),
    ("/api/revenue", "finance.revenue", f.make_revenue),
    ("/api/expenses", "finance.expenses", f.make_expense),
    ("/api/team-members", "team.team_members", f.make_member),
    ("/api/roles", "team.roles", f.make_role),
    ("/api/projects", "team.projects", f.make_project),
    ("/api/allocations", "team.allocations", f.make_allocation),
    ("/api/actuals", "team.actuals", f.make_actual),
    ("/api/webhooks", "webhooks.endpoints", f.make_webhook),
]
# Far enough ahead that no row the factories make (nor the tenant's own) is in range.
BASE = datetime(2031, 1, 1, tzinfo=UTC)


def next_url(link: str | None) -> str | None:
    if not link:
        return None
    found = re.match(r"<https?://[^/]+(?P<path>[^>]+)>;\s*rel=\"next\"", link)
    assert found, link
    return found["path"]


async def read_all(client: ApiClient, path: str, params: dict[str, Any]) -> list[Any]:
    """Every item of a list, following `Link: rel="next"` to its end."""
    items: list[Any] = []
    resp = await client.get(path, params=params)
    while True:
        assert resp.status == 200, resp
        items += resp.json
        url = next_url(resp.headers.get("Link"))
        if url is None:
            return items
        resp = await client.get(url)


async def set_updated_at(
    db: asyncpg.Connection, table: str, org_id: str, row_id: Any, at: datetime
) -> None:
    status = await db.execute(
        f"UPDATE {table} SET updated_at = $3 WHERE org_id = $1 AND id::text = $2",
        uuid.UUID(org_id),
        str(row_id),
        at,
    )
    assert status == "UPDATE 1", (table, row_id)


@pytest.mark.parametrize(("path", "table", "make"), RESOURCES, ids=[r[1] for r in RESOURCES])
async def test_updated_since_filters_and_orders_every_list(
    tenant: Tenant, db: asyncpg.Connection, path: str, table: str, make: Make
) -> None:
    rows = [await make(tenant.admin) for _ in range(1 if "{ticket_id}" in path else 4)]
    if "{ticket_id}" in path:  # one ticket's comments: all four on the same ticket
        ticket_id = rows[0]["ticket_id"]
        rows += [
            f.created(
                await tenant.admin.post(f"/api/tickets/{ticket_id}/comments", json={"body": n})
            )
            for n in ("b", "c", "d")
        ]
        path = path.format(ticket_id=ticket_id)
    # Changed in the order 2, 0, 3, 1 (0 and 3 at the same instant); row 1 before `since`.
    order = [rows[2], rows[0], rows[3]]
    await set_updated_at(db, table, tenant.org_id, rows[1]["id"], BASE - timedelta(seconds=1))
    await set_updated_at(db, table, tenant.org_id, rows[2]["id"], BASE)
    same = BASE + timedelta(seconds=5)
    await set_updated_at(db, table, tenant.org_id, rows[0]["id"], same)
    await set_updated_at(db, table, tenant.org_id, rows[3]["id"], same)
    if str(rows[3]["id"]) < str(rows[0]["id"]):  # within one instant: by id
        order[1], order[2] = order[2], order[1]

    since = BASE.isoformat().replace("+00:00", "Z")
    got = await read_all(tenant.admin, path, {"updated_since": since, "limit": "1"})
    assert [r["id"] for r in got] == [r["id"] for r in order]
    if "updated_at" in got[0]:
        assert got[0]["updated_at"].startswith("2031-01-01T00:00:00")
    # Without `updated_since` the list keeps its own order and every row.
    plain = await read_all(tenant.admin, path, {"limit": "500"})
    assert {r["id"] for r in rows} <= {r["id"] for r in plain}


async def test_a_thousand_rows_changed_in_one_instant_page_without_gaps(
    tenant: Tenant, db: asyncpg.Connection
) -> None:
    org_id = uuid.UUID(tenant.org_id)
    ids = [uuid.uuid4() for _ in range(1000)]
    await db.executemany(
        "INSERT INTO finance.expenses (id, org_id, date, amount, category)"
        " VALUES ($1, $2, current_date, 1, 'bulk')",
        [(i, org_id) for i in ids],
    )
    # One statement, one instant for all of them.
    await db.execute(
        "UPDATE finance.expenses SET updated_at = $2 WHERE org_id = $1 AND category = 'bulk'",
        org_id,
        BASE,
    )
    seen = await read_all(
        tenant.admin, "/api/expenses", {"updated_since": "2031-01-01T00:00:00Z", "limit": "7"}
    )
    seen_ids = [r["id"] for r in seen]
    assert len(seen_ids) == 1000
    assert len(set(seen_ids)) == 1000
    assert set(seen_ids) == {str(i) for i in ids}
    assert seen_ids == sorted(seen_ids)  # one instant: by id


async def test_a_trashed_ticket_shows_in_the_changes_with_deleted_at(tenant: Tenant) -> None:
    before = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    live = await f.make_ticket(tenant.admin)
    trashed = await f.make_ticket(tenant.admin)
    assert (await tenant.admin.delete(f"/api/tickets/{trashed['id']}")).status == 200
    got = await read_all(tenant.admin, "/api/tickets", {"updated_since": before})
    by_id = {t["id"]: t for t in got}
    assert by_id[live["id"]]["deleted_at"] is None
    assert by_id[trashed["id"]]["deleted_at"] is not None
    assert [t["id"] for t in got] == [live["id"], trashed["id"]]  # trashed last: changed last
    only_trash = await read_all(
        tenant.admin, "/api/tickets", {"updated_since": before, "trashed": "1"}
    )
    assert [t["id"] for t in only_trash] == [trashed["id"]]


async def test_an_update_through_the_api_moves_the_row_into_the_changes(tenant: Tenant) -> None:
    customer = await f.make_customer(tenant.admin)
    mark = datetime.now(UTC)
    other = await f.make_customer(tenant.admin)
    resp = await tenant.admin.put(f"/api/customers/{customer['id']}", json={"notes": "moved"})
    assert resp.status == 200, resp
    got = await read_all(tenant.admin, "/api/customers", {"updated_since": mark.isoformat()})
    assert [c["id"] for c in got] == [other["id"], customer["id"]]


@pytest.mark.parametrize(("path", "status"), [("/api/customers", 400), ("/api/roles", 422)])
async def test_bad_updated_since_and_foreign_cursors_are_validation_errors(
    tenant: Tenant, path: str, status: int
) -> None:
    for bad in ("yesterday", "2031-13-01", "1700-01-01T00:00:00Z"):
        resp = await tenant.admin.get(path, params={"updated_since": bad})
        assert resp.status == status, resp
        assert set(resp.json["errors"]) == {"updated_since"}
        assert resp.json["code"] == "validation_failed"
        assert resp.json["request_id"]
    # A cursor of the list's own order is not one of the sync order, and back.
    await (f.make_customer if path == "/api/customers" else f.make_role)(tenant.admin)
    await (f.make_customer if path == "/api/customers" else f.make_role)(tenant.admin)
    plain = await tenant.admin.get(path, params={"limit": "1"})
    own = next_url(plain.headers.get("Link"))
    assert own is not None
    cursor = own.split("cursor=")[1]
    resp = await tenant.admin.get(
        path, params={"updated_since": "2020-01-01", "limit": "1", "cursor": cursor}
    )
    assert resp.status == status, resp
    assert set(resp.json["errors"]) == {"cursor"}
    synced = await tenant.admin.get(path, params={"updated_since": "2020-01-01", "limit": "1"})
    sync_next = next_url(synced.headers.get("Link"))
    assert sync_next is not None
    resp = await tenant.admin.get(
        path, params={"limit": "1", "cursor": sync_next.split("cursor=")[1]}
    )
    assert resp.status == status, resp


async def test_a_webhooks_delivery_log_takes_updated_since(tenant: Tenant) -> None:
    hook = await f.make_webhook(tenant.admin)  # 127.0.0.1:9: every attempt fails, retried
    mark = datetime.now(UTC).isoformat()
    made = [(await tenant.admin.post(f"/api/webhooks/{hook['id']}/test")).json for _ in range(3)]
    path = f"/api/webhooks/{hook['id']}/deliveries"
    got = await read_all(tenant.admin, path, {"updated_since": mark, "limit": "500"})
    assert {d["id"] for d in made} <= {d["id"] for d in got}
    stamps = [(d["updated_at"], d["id"]) for d in got]
    assert stamps == sorted(stamps)
    later = await tenant.admin.get(path, params={"updated_since": "2999-01-01T00:00:00Z"})
    assert later.status == 200 and later.json == []


async def test_a_system_admin_lists_an_orgs_users_changed_since(
    tenant: Tenant, stack: TestStack, http: aiohttp.ClientSession, db: asyncpg.Connection
) -> None:
    user = await f.make_user(tenant.admin)
    await set_updated_at(db, "auth.users", tenant.org_id, user["id"], BASE)
    sysadmin = await stack.system_admin(http)
    got = await read_all(
        sysadmin, f"/api/admin/orgs/{tenant.slug}/users", {"updated_since": "2031-01-01"}
    )
    assert [u["id"] for u in got] == [user["id"]]
