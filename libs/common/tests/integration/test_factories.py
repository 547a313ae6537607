"""The shared factories create what they say, through the gateway, in the caller's tenant."""

from __future__ import annotations

from servelo_dev.testing.factories import (
    make_actual,
    make_allocation,
    make_customer,
    make_expense,
    make_member,
    make_project,
    make_quote,
    make_revenue,
    make_ticket,
    make_user,
)
from servelo_dev.testing.tenants import Tenant


async def test_every_factory_creates_its_resource(tenant: Tenant) -> None:
    admin = tenant.admin
    customer = await make_customer(admin, name="Zed")
    assert customer["name"] == "Zed"
    quote = await make_quote(admin, customer_id=customer["id"])
    assert quote["customer_id"] == customer["id"] and quote["status"] == "draft"
    assert (await make_quote(admin))["customer_id"] != customer["id"]
    assert (await make_ticket(admin, priority="high"))["priority"] == "high"
    assert (await make_revenue(admin))["amount"] == "100.00"
    assert (await make_expense(admin))["amount"] == "40.00"
    member = await make_member(admin)
    assert member["role"]["id"] == member["role_id"]
    assert (await make_project(admin, customer_id=customer["id"]))["customer_id"] == customer["id"]
    allocation = await make_allocation(admin, team_member_id=member["id"])
    assert allocation["team_member_id"] == member["id"] and allocation["hours_per_day"] == "8.00"
    actual = await make_actual(admin, project_id=allocation["project_id"])
    assert actual["project_id"] == allocation["project_id"] and actual["hours"] == "7.50"
    assert actual["team_member_id"] != member["id"]


async def test_make_user_invites_one(tenant: Tenant) -> None:
    user = await make_user(tenant.admin, role="manager")
    assert user["status"] == "invited" and user["role"] == "manager"
    assert (await make_user(tenant.admin))["role"] == "technician"
