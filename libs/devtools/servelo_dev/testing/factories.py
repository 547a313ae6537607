"""Test data through the real API, one signature style: `await make_x(client, **fields)`.

`client` is a signed-in `ApiClient` (usually `tenant.admin`); `fields` override the
defaults; the created resource's JSON comes back, its 201 asserted. Tests build their data
with these instead of reaching into another test's rows or another service's tables.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from servelo_dev.testing.client import ApiClient, ApiResponse

Json = dict[str, Any]


def created(resp: ApiResponse) -> Json:
    assert resp.status == 201, resp
    return dict(resp.json)


def unique(prefix: str) -> str:
    return f"{prefix} {secrets.token_hex(3)}"


async def make_customer(client: ApiClient, **fields: Any) -> Json:
    body = {"name": "Ann Lee", "email": f"ann-{secrets.token_hex(4)}@example.com", **fields}
    return created(await client.post("/api/customers", json=body))


async def make_quote(client: ApiClient, **fields: Any) -> Json:
    """A draft quote; for a new client unless `customer_id` is given."""
    if "customer_id" not in fields:
        fields["customer_id"] = (await make_customer(client))["id"]
    body = {
        "line_items": [{"description": "Boiler service", "quantity": "1", "unit_price": "100.00"}],
        **fields,
    }
    return created(await client.post("/api/quotes", json=body))


async def make_ticket(client: ApiClient, **fields: Any) -> Json:
    body = {"title": unique("Leaking tap"), **fields}
    return created(await client.post("/api/tickets", json=body))


async def make_revenue(client: ApiClient, **fields: Any) -> Json:
    body = {"amount": "100.00", "category": "service", **fields}
    return created(await client.post("/api/revenue", json=body))


async def make_expense(client: ApiClient, **fields: Any) -> Json:
    body = {"amount": "40.00", "category": "materials", **fields}
    return created(await client.post("/api/expenses", json=body))


async def make_role(client: ApiClient, **fields: Any) -> Json:
    body = {"name": unique("Plumber"), **fields}
    return created(await client.post("/api/roles", json=body))


async def make_member(client: ApiClient, **fields: Any) -> Json:
    """A team member with a new role unless `role_id` is given."""
    if "role_id" not in fields:
        fields["role_id"] = (await make_role(client))["id"]
    body = {"name": unique("Bo"), "hourly_rate": "50.00", **fields}
    return created(await client.post("/api/team-members", json=body))


async def make_project(client: ApiClient, **fields: Any) -> Json:
    body = {"name": unique("Project"), **fields}
    return created(await client.post("/api/projects", json=body))


def iso_day(offset: int) -> str:
    """An ISO date `offset` days from today (UTC), as the services count days."""
    return (datetime.now(UTC).date() + timedelta(days=offset)).isoformat()


async def make_allocation(client: ApiClient, **fields: Any) -> Json:
    """8 hours a day from today for five days; a new member and project unless given."""
    if "team_member_id" not in fields:
        fields["team_member_id"] = (await make_member(client))["id"]
    if "project_id" not in fields:
        fields["project_id"] = (await make_project(client))["id"]
    body = {"start_date": iso_day(0), "end_date": iso_day(4), "hours_per_day": "8.00", **fields}
    return created(await client.post("/api/allocations", json=body))


async def make_actual(client: ApiClient, **fields: Any) -> Json:
    """7.5 hours yesterday; a new member and project unless given."""
    if "team_member_id" not in fields:
        fields["team_member_id"] = (await make_member(client))["id"]
    if "project_id" not in fields:
        fields["project_id"] = (await make_project(client))["id"]
    body = {"date": iso_day(-1), "hours": "7.50", **fields}
    return created(await client.post("/api/actuals", json=body))


async def make_user(client: ApiClient, **fields: Any) -> Json:
    """A user invited by the caller (an admin): status `invited`, mailed a sign-in link; a
    technician unless `role` is given."""
    body = {
        "email": f"user-{secrets.token_hex(4)}@example.com",
        "name": unique("Uma"),
        "role": "technician",
        **fields,
    }
    return created(await client.post("/api/users/invite", json=body))


async def make_webhook(client: ApiClient, **fields: Any) -> Json:
    """A webhook (the admin's client): every event type unless `events` is given. The JSON
    has the `secret`, shown only in this answer."""
    body = {"url": "http://127.0.0.1:9/hooks", "events": ["*"], **fields}
    return created(await client.post("/api/webhooks", json=body))
