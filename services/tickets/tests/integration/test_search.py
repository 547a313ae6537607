"""`q` search through the `ticket_search` side table (no RLS there; see migrations/0002)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from servelo_dev.testing.factories import make_ticket
from servelo_dev.testing.pages import walk_pages
from servelo_dev.testing.tenants import Tenant

WORDS = {"title": "Boiler zanzibar", "description": "common words in both orgs"}


async def search(tenant: Tenant, **params: str) -> list[str]:
    resp = await tenant.admin.get("/api/tickets", params=params)
    assert resp.status == 200, resp
    return [t["id"] for t in resp.json]


async def test_search_never_returns_another_tenants_tickets(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    mine = await make_ticket(tenant.admin, **WORDS)
    theirs = [await make_ticket(other_tenant.admin, **WORDS) for _ in range(3)]
    for q in ("zanzibar", "boil", "common words", "zanzibar boiler"):
        assert await search(tenant, q=q) == [mine["id"]], q
        found = await search(other_tenant, q=q)
        assert sorted(found) == sorted(t["id"] for t in theirs), q
    assert await search(tenant, q="zanzibar", sort="number", limit="1") == [mine["id"]]


async def test_side_table_rows_from_another_org_still_never_come_back(
    tenant: Tenant, other_tenant: Tenant, db: asyncpg.Connection
) -> None:
    """Even a side-table row claiming the wrong org (a bug there) cannot leak a ticket:
    the ids are joined back to `tickets`, whose row-level security hides other orgs."""
    theirs = await make_ticket(other_tenant.admin, title="Secret quokka")
    await db.execute(
        "UPDATE tickets.ticket_search SET org_id = $1 WHERE ticket_id = $2",
        uuid.UUID(tenant.org_id),
        uuid.UUID(theirs["id"]),
    )
    assert await search(tenant, q="quokka") == []
    assert await search(tenant, q="quokka", trashed="1") == []


async def test_search_follows_edits_and_the_trash(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin, title="Dripping tap")
    assert await search(tenant, q="dripping") == [t["id"]]
    resp = await tenant.admin.put(
        f"/api/tickets/{t['id']}", json={"title": "Flooded cellar", "description": "pump"}
    )
    assert resp.status == 200, resp
    assert await search(tenant, q="dripping") == []
    assert await search(tenant, q="cellar pump") == [t["id"]]
    assert (await tenant.admin.delete(f"/api/tickets/{t['id']}")).status == 200
    assert await search(tenant, q="cellar") == []
    assert await search(tenant, q="cellar", trashed="1") == [t["id"]]


async def test_search_pages_follow_the_sort(tenant: Tenant) -> None:
    made: list[dict[str, Any]] = [
        await make_ticket(tenant.admin, title=f"Gutter {i}") for i in range(5)
    ]
    await make_ticket(tenant.admin, title="Fence")
    found = await walk_pages(tenant.admin, "/api/tickets", {"q": "gutter", "limit": "2"})
    assert [t["id"] for t in found] == [t["id"] for t in reversed(made)]


async def test_a_query_without_lexemes_finds_nothing(tenant: Tenant) -> None:
    """`___` has no lexeme: the org lexeme ANDed into every search (migrations/0003) must
    not turn an empty query into "every ticket of the org"."""
    await make_ticket(tenant.admin, title="Fence", description="paint")
    assert await search(tenant, q="___") == []
    assert await search(tenant, q="___", trashed="1") == []


async def test_search_words_never_match_the_org_lexeme(tenant: Tenant) -> None:
    """Each side-table row also holds `~org <hex>`; no search word is a prefix of it."""
    await make_ticket(tenant.admin, title="Fence", description="paint")
    for q in ("o", "or", "org", "~org", tenant.org_id.replace("-", "")[:8]):
        assert await search(tenant, q=q) == [], q


async def test_search_past_the_bounded_walk_reads_only_this_orgs_matches(
    tenant: Tenant, other_tenant: Tenant, db: asyncpg.Connection
) -> None:
    """The match is older than the 1,000 newest tickets, so the search takes the GIN step
    (repository.tickets, step 2), with the org lexeme; the other org's matches stay out."""
    mine = await make_ticket(tenant.admin, title="Old wombat")
    theirs = [await make_ticket(other_tenant.admin, title="Wombat") for _ in range(2)]
    await db.execute(
        "INSERT INTO tickets.tickets (id, org_id, number, title)"
        " SELECT gen_random_uuid(), $1, 100000 + n, 'Filler ' || n"
        " FROM generate_series(1, 1100) AS n",
        uuid.UUID(tenant.org_id),
    )
    assert await search(tenant, q="wombat") == [mine["id"]]
    assert sorted(await search(other_tenant, q="wombat")) == sorted(t["id"] for t in theirs)
