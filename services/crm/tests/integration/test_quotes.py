"""Quotes through the gateway: totals, numbering, validation, defaults, lists, replays."""

from __future__ import annotations

import asyncio
from typing import Any

from servelo_dev.testing.factories import make_customer, make_quote
from servelo_dev.testing.tenants import eventually


def lines(*items: tuple[str, str]) -> list[dict[str, str]]:
    return [
        {"description": f"Item {i}", "quantity": q, "unit_price": p}
        for i, (q, p) in enumerate(items, 1)
    ]


async def test_totals_are_computed_by_the_server(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    resp = await tenant.admin.post(
        "/api/quotes",
        json={
            "customer_id": client["id"],
            "tax_rate": "8.25",
            "line_items": [
                {"description": "Labour", "quantity": 3, "unit_price": 0.1, "total": "999.00"},
                {"description": "Parts", "quantity": "2.5", "unit_price": "19.99"},
            ],
            "subtotal": "1.00",
            "tax": "1.00",
            "total": "1.00",
        },
    )
    assert resp.status == 201, resp
    quote = resp.json
    assert quote["line_items"] == [
        {"description": "Labour", "quantity": "3", "unit_price": "0.10", "total": "0.30"},
        {"description": "Parts", "quantity": "2.5", "unit_price": "19.99", "total": "49.98"},
    ]
    # 0.30 + 49.975 -> 49.98 = 50.28; tax 50.28 x 8.25% = 4.1481 -> 4.15
    assert (quote["subtotal"], quote["tax"], quote["total"]) == ("50.28", "4.15", "54.43")
    assert quote["tax_rate"] == "8.25"
    assert quote["status"] == "draft"
    assert quote["sent_at"] is None
    assert quote["customer_id"] == client["id"]
    assert quote["created_by"] == tenant.admin.user["id"]


async def test_awkward_decimals_round_half_up(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    cases = [
        (lines(("0.1", "1.00"), ("0.1", "1.00"), ("0.1", "1.00")), "0", ("0.30", "0.00", "0.30")),
        (lines(("1", "10.00")), "33.33", ("10.00", "3.33", "13.33")),
        (lines(("1", "0.10")), "5", ("0.10", "0.01", "0.11")),  # tax 0.005 -> 0.01
        (lines(("1.5", "0.33")), "0", ("0.50", "0.00", "0.50")),  # line 0.495 -> 0.50
        (lines(("3", "33.33")), "33.33", ("99.99", "33.33", "133.32")),
    ]
    for items, rate, expected in cases:
        resp = await tenant.admin.post(
            "/api/quotes", json={"customer_id": client["id"], "line_items": items, "tax_rate": rate}
        )
        assert resp.status == 201, resp
        got = (resp.json["subtotal"], resp.json["tax"], resp.json["total"])
        assert got == expected, (items, rate)


async def test_bad_lines_are_400(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    for bad in (
        [{"description": "x", "quantity": "0", "unit_price": "1"}],
        [{"description": "x", "quantity": "1", "unit_price": "0.001"}],
        [{"description": "x", "quantity": "1", "unit_price": "-5"}],
        [{"description": "x", "quantity": "NaN", "unit_price": "1"}],
        [{"description": "", "quantity": "1", "unit_price": "1"}],
        [{"description": "x", "quantity": "1e12", "unit_price": "1"}],
        "nope",
    ):
        resp = await tenant.admin.post(
            "/api/quotes", json={"customer_id": client["id"], "line_items": bad}
        )
        assert resp.status == 400, (bad, resp)
        assert any(k.startswith("line_items") for k in resp.json["errors"]), resp
    for rate in ("-1", "100.01", "abc"):
        resp = await tenant.admin.post(
            "/api/quotes", json={"customer_id": client["id"], "tax_rate": rate}
        )
        assert resp.status == 400
        assert "tax_rate" in resp.json["errors"]


async def test_numbers_are_per_org_and_gapless_under_concurrency(
    tenant: Any, other_tenant: Any
) -> None:
    client = await make_customer(tenant.admin)
    body = {"customer_id": client["id"], "line_items": lines(("1", "5.00"))}
    responses = await asyncio.gather(
        *(tenant.admin.post("/api/quotes", json=body) for _ in range(12))
    )
    assert all(r.status == 201 for r in responses), responses
    assert sorted(r.json["number"] for r in responses) == list(range(1, 13))
    theirs = await make_customer(other_tenant.admin)
    resp = await other_tenant.admin.post("/api/quotes", json={"customer_id": theirs["id"]})
    assert resp.json["number"] == 1


async def test_client_of_another_org_is_refused(tenant: Any, other_tenant: Any) -> None:
    theirs = await make_customer(other_tenant.admin)
    resp = await tenant.admin.post("/api/quotes", json={"customer_id": theirs["id"]})
    assert resp.status == 400, resp
    assert "customer_id" in resp.json["errors"]
    resp = await tenant.admin.post("/api/quotes", json={"customer_id": "nope"})
    assert resp.status == 400
    assert "customer_id" in resp.json["errors"]


async def test_draft_lines_can_be_edited_and_totals_follow(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    quote = await make_quote(tenant.admin, customer_id=client["id"], tax_rate="10")
    resp = await tenant.admin.put(
        f"/api/quotes/{quote['id']}",
        json={"line_items": lines(("2", "12.50")), "total": "1.00", "notes": "Parts extra"},
    )
    assert resp.status == 200, resp
    assert (resp.json["subtotal"], resp.json["tax"], resp.json["total"]) == (
        "25.00",
        "2.50",
        "27.50",
    )
    assert resp.json["notes"] == "Parts extra"
    resp = await tenant.admin.put(f"/api/quotes/{quote['id']}", json={"tax_rate": "0"})
    assert resp.json["total"] == "25.00"


async def test_default_tax_rate_comes_from_org_settings(tenant: Any, publish: Any) -> None:
    client = await make_customer(tenant.admin)
    resp = await tenant.admin.post(
        "/api/quotes", json={"customer_id": client["id"], "line_items": lines(("1", "100.00"))}
    )
    assert resp.json["tax_rate"] == "0.00"  # unknown settings: no tax
    await publish(
        "auth",
        "settings-updated",
        {
            "org_id": tenant.org_id,
            "settings": {"default_tax_rate": "8.25", "currency": "USD", "company_name": "Fixit Co"},
        },
        tenant=tenant.org_id,
    )

    async def taxed() -> None:
        resp = await tenant.admin.post(
            "/api/quotes", json={"customer_id": client["id"], "line_items": lines(("1", "100.00"))}
        )
        assert resp.status == 201
        assert (resp.json["tax_rate"], resp.json["total"]) == ("8.25", "108.25")

    await eventually(taxed, timeout=10)
    explicit = await tenant.admin.post(
        "/api/quotes",
        json={"customer_id": client["id"], "tax_rate": "0", "line_items": lines(("1", "100.00"))},
    )
    assert explicit.json["total"] == "100.00"


async def test_list_filters_by_status_and_client(tenant: Any) -> None:
    ann, bob = await make_customer(tenant.admin), await make_customer(tenant.admin)
    q1 = await make_quote(tenant.admin, customer_id=ann["id"])
    q2 = await make_quote(tenant.admin, customer_id=bob["id"])
    await tenant.admin.put(f"/api/quotes/{q2['id']}", json={"status": "sent"})
    resp = await tenant.admin.get("/api/quotes")
    assert [q["id"] for q in resp.json] == [q2["id"], q1["id"]]
    resp = await tenant.admin.get("/api/quotes", params={"customer_id": ann["id"]})
    assert [q["id"] for q in resp.json] == [q1["id"]]
    resp = await tenant.admin.get("/api/quotes", params={"status": "sent"})
    assert [q["id"] for q in resp.json] == [q2["id"]]
    resp = await tenant.admin.get("/api/quotes", params={"limit": "1"})
    assert len(resp.json) == 1 and 'rel="next"' in resp.headers["Link"]
    assert (await tenant.admin.get("/api/quotes", params={"status": "x"})).status == 400


async def test_create_quote_with_idempotency_key_creates_one(tenant: Any) -> None:
    client = await make_customer(tenant.admin)
    body = {"customer_id": client["id"], "line_items": lines(("1", "9.99"))}
    headers = {"Idempotency-Key": "quote-key-1"}
    first = await tenant.admin.post("/api/quotes", json=body, headers=headers)
    again = await tenant.admin.post("/api/quotes", json=body, headers=headers)
    assert first.status == again.status == 201
    assert again.json == first.json
    other = await tenant.admin.post("/api/quotes", json={**body, "notes": "x"}, headers=headers)
    assert other.status == 422
    listed = await tenant.admin.get("/api/quotes")
    assert len(listed.json) == 1
