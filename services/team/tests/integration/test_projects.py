"""Projects: CRUD, customers known from crm's events, the delete guard, tenancy."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any


async def test_project_crud(team: Any) -> None:
    project = await team.project(name="Website", start_date="2026-01-01", end_date="2026-03-31")
    assert project["customer_id"] is None and project["active"] is True
    assert (project["start_date"], project["end_date"]) == ("2026-01-01", "2026-03-31")
    path = f"/api/projects/{project['id']}"
    assert (await team.c.get(path)).json == project
    resp = await team.c.put(path, json={"active": False, "end_date": "2026-04-30"})
    assert resp.status == 200
    assert resp.json["active"] is False and resp.json["end_date"] == "2026-04-30"
    assert resp.json["name"] == "Website"
    inactive = await team.c.get("/api/projects?active=0")
    assert [p["id"] for p in inactive.json] == [project["id"]]
    resp = await team.c.delete(path)
    assert resp.status == 200 and resp.json == {"message": "Project deleted successfully"}
    assert (await team.c.get(path)).status == 404


async def test_end_before_start_is_422_also_on_update(team: Any) -> None:
    resp = await team.c.post(
        "/api/projects", json={"name": "P", "start_date": "2026-02-01", "end_date": "2026-01-01"}
    )
    assert resp.status == 422
    assert resp.json["errors"] == {
        "end_date": ["The end date must be a date after or equal to start date."]
    }
    project = await team.project(start_date="2026-02-01")
    resp = await team.c.put(f"/api/projects/{project['id']}", json={"end_date": "2026-01-01"})
    assert resp.status == 422 and "end_date" in resp.json["errors"]


async def test_customer_must_be_known_from_crm_events(
    tenant: Any, team: Any, publish: Any, eventually_: Any
) -> None:
    customer = str(uuid.uuid4())
    resp = await team.c.post("/api/projects", json={"name": "P", "customer_id": customer})
    assert resp.status == 422
    assert resp.json["errors"] == {"customer_id": ["The selected customer id is invalid."]}
    await publish(
        "crm",
        "customer-created",
        tenant.org_id,
        {"id": customer, "name": "Acme", "email": None, "phone": None},
    )

    async def accepted() -> dict[str, Any]:
        resp = await team.c.post("/api/projects", json={"name": "P", "customer_id": customer})
        assert resp.status == 201, resp
        body: dict[str, Any] = resp.json
        return body

    project = await eventually_(accepted, timeout=10)
    assert project["customer_id"] == customer
    listed = await team.c.get(f"/api/projects?customer_id={customer}")
    assert [p["id"] for p in listed.json] == [project["id"]]
    # A late update (older than the deletion) must not bring the customer back.
    deleted_at = datetime.now(UTC)
    await publish("crm", "customer-deleted", tenant.org_id, {"id": customer}, time=deleted_at)
    await publish(
        "crm",
        "customer-updated",
        tenant.org_id,
        {"id": customer, "name": "Acme 2", "email": None, "phone": None},
        time=deleted_at - timedelta(seconds=5),
    )

    async def refused() -> None:
        resp = await team.c.post("/api/projects", json={"name": "Q", "customer_id": customer})
        assert resp.status == 422, resp

    await eventually_(refused, timeout=10)


async def test_another_orgs_customer_is_not_accepted(
    tenant: Any, other_tenant: Any, team: Any, other_team: Any, publish: Any, eventually_: Any
) -> None:
    customer = str(uuid.uuid4())
    await publish(
        "crm",
        "customer-created",
        other_tenant.org_id,
        {"id": customer, "name": "Theirs", "email": None, "phone": None},
    )

    async def theirs() -> None:
        resp = await other_team.c.post("/api/projects", json={"name": "P", "customer_id": customer})
        assert resp.status == 201, resp

    await eventually_(theirs, timeout=10)
    resp = await team.c.post("/api/projects", json={"name": "P", "customer_id": customer})
    assert resp.status == 422


async def test_project_with_allocations_or_actuals_is_not_deleted(team: Any) -> None:
    member = await team.member()
    booked, worked = await team.project(), await team.project()
    await team.allocation(member, booked)
    await team.actual(member, worked)
    for project in (booked, worked):
        resp = await team.c.delete(f"/api/projects/{project['id']}")
        assert resp.status == 422
        assert resp.error_body == {
            "message": "Cannot delete project with allocations or actuals",
            "error": "Cannot delete project with allocations or actuals",
            "suggestion": "Consider deactivating the project instead",
        }


async def test_other_tenant_project_is_404(team: Any, other_team: Any) -> None:
    foreign = await other_team.project()
    path = f"/api/projects/{foreign['id']}"
    for resp in (
        await team.c.get(path),
        await team.c.put(path, json={"name": "x"}),
        await team.c.delete(path),
    ):
        assert resp.status == 404
        assert resp.error_body == {"message": "Project not found", "error": "Project not found"}
    assert (await team.c.get("/api/projects")).json == []
