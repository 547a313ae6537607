"""crm's `quote-accepted` books one pending revenue entry, however often it arrives."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from servelo_dev.testing.tenants import eventually


def _quote(customer_id: str | None = None, total: str = "108.25") -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "number": 1007,
        "customer_id": customer_id,
        "subtotal": "100.00",
        "tax": "8.25",
        "total": total,
        "accepted_at": "2026-04-30T22:15:00.000000Z",
    }


async def _quote_entries(client: Any, quote_id: str) -> list[dict[str, Any]]:
    resp = await client.get("/api/revenue", params={"limit": "500"})
    assert resp.status == 200
    return [r for r in resp.json if r["quote_id"] == quote_id]


async def test_accepted_quote_books_pending_revenue(tenant: Any, publish: Any) -> None:
    customer_id = str(uuid.uuid4())
    quote = _quote(customer_id)
    await publish("crm", "quote-accepted", quote, tenant=tenant.org_id)

    async def booked() -> dict[str, Any]:
        entries = await _quote_entries(tenant.admin, quote["id"])
        assert len(entries) == 1
        return entries[0]

    entry = await eventually(booked, timeout=10)
    assert entry["amount"] == "108.25"
    assert entry["date"] == "2026-04-30"
    assert entry["status"] == "pending"
    assert entry["category"] == "Quotes"
    assert entry["description"] == "Quote #1007"
    assert entry["customer_id"] == customer_id
    # Marking it received keeps the link to the quote.
    resp = await tenant.admin.put(f"/api/revenue/{entry['id']}", json={"status": "received"})
    assert resp.status == 200
    assert resp.json["quote_id"] == quote["id"]


async def test_quote_accepted_twice_books_exactly_one_entry(
    tenant: Any, publish: Any, db: Any
) -> None:
    quote = _quote()
    event_id = await publish("crm", "quote-accepted", quote, tenant=tenant.org_id)
    # The same CloudEvent again, past JetStream's de-duplication (new Nats-Msg-Id): the inbox
    # must drop it. Then a re-send with a new event id: the (org, quote) constraint must.
    await publish(
        "crm",
        "quote-accepted",
        quote,
        tenant=tenant.org_id,
        event_id=event_id,
        msg_id=str(uuid.uuid4()),
    )
    second_id = await publish("crm", "quote-accepted", quote, tenant=tenant.org_id)

    async def all_handled() -> None:
        handled = await db.fetchval(
            "SELECT count(*) FROM finance.inbox WHERE event_id = ANY($1::uuid[])",
            [event_id, second_id],
        )
        assert handled == 2

    await eventually(all_handled, timeout=10)
    await asyncio.sleep(0.3)  # any stray duplicate would have landed by now
    assert len(await _quote_entries(tenant.admin, quote["id"])) == 1
    rows = await db.fetchval(
        "SELECT count(*) FROM finance.revenue WHERE org_id = $1 AND quote_id = $2",
        uuid.UUID(tenant.org_id),
        uuid.UUID(quote["id"]),
    )
    assert rows == 1
    recorded = await db.fetchval(
        "SELECT count(*) FROM finance.outbox WHERE subject = 'servelo.events.finance."
        "revenue-recorded' AND event->'data'->>'quote_id' = $1",
        quote["id"],
    )
    assert recorded == 1
    assert (
        await db.fetchval(
            "SELECT count(*) FROM finance.dead_letters WHERE event_id = ANY($1::uuid[])",
            [event_id, second_id],
        )
        == 0
    )


async def test_same_quote_in_two_orgs_books_one_entry_each(
    tenant: Any, other_tenant: Any, publish: Any
) -> None:
    quote = _quote()
    await publish("crm", "quote-accepted", quote, tenant=tenant.org_id)
    await publish("crm", "quote-accepted", quote, tenant=other_tenant.org_id)

    async def both() -> None:
        assert len(await _quote_entries(tenant.admin, quote["id"])) == 1
        assert len(await _quote_entries(other_tenant.admin, quote["id"])) == 1

    await eventually(both, timeout=10)
