"""Allocations: CRUD, filters, the over-booking warnings, also under concurrency."""

from __future__ import annotations

import asyncio
from typing import Any

NOT_FOUND = {"message": "Allocation not found", "error": "Allocation not found"}


async def test_allocation_crud_and_shape(team: Any) -> None:
    member, project = await team.member(), await team.project()
    allocation = await team.allocation(
        member, project, start_date="2026-01-05", end_date="2026-01-09", hours_per_day=8
    )
    assert allocation["team_member_id"] == member["id"]
    assert allocation["project_id"] == project["id"]
    assert allocation["hours_per_day"] == "8.00"
    assert allocation["warnings"] == []
    path = f"/api/allocations/{allocation['id']}"
    fetched = (await team.c.get(path)).json
    assert fetched == {k: v for k, v in allocation.items() if k != "warnings"}
    resp = await team.c.put(path, json={"hours_per_day": "6.5", "end_date": "2026-01-12"})
    assert resp.status == 200, resp
    assert resp.json["hours_per_day"] == "6.50" and resp.json["end_date"] == "2026-01-12"
    assert resp.json["warnings"] == []
    resp = await team.c.delete(path)
    assert resp.status == 200 and resp.json == {"message": "Allocation deleted successfully"}
    assert (await team.c.get(path)).error_body == NOT_FOUND


async def test_over_24_hours_on_a_day_is_a_warning(team: Any) -> None:
    member, project = await team.member(), await team.project()
    await team.allocation(
        member, project, start_date="2026-01-05", end_date="2026-01-06", hours_per_day=16
    )
    second = await team.allocation(
        member, project, start_date="2026-01-06", end_date="2026-01-08", hours_per_day="14"
    )
    assert second["warnings"] == [
        {
            "date": "2026-01-06",
            "hours": "30.00",
            "message": "Team member is booked for 30.00 hours on 2026-01-06, more than 24",
        }
    ]
    resp = await team.c.put(f"/api/allocations/{second['id']}", json={"hours_per_day": 8})
    assert resp.json["warnings"] == []


async def test_concurrent_allocations_see_each_other(team: Any) -> None:
    member, project = await team.member(), await team.project()
    body = {
        "team_member_id": member["id"],
        "project_id": project["id"],
        "start_date": "2026-02-02",
        "end_date": "2026-02-02",
        "hours_per_day": "16",
    }
    responses = await asyncio.gather(
        *(team.c.post("/api/allocations", json=body) for _ in range(2))
    )
    assert [r.status for r in responses] == [201, 201]
    warned = [r.json["warnings"] for r in responses if r.json["warnings"]]
    assert warned == [
        [
            {
                "date": "2026-02-02",
                "hours": "32.00",
                "message": "Team member is booked for 32.00 hours on 2026-02-02, more than 24",
            }
        ]
    ]


async def test_many_concurrent_allocations_warn_all_but_the_first(team: Any) -> None:
    member, project = await team.member(), await team.project()
    body = {
        "team_member_id": member["id"],
        "project_id": project["id"],
        "start_date": "2026-03-02",
        "end_date": "2026-03-03",
        "hours_per_day": "13",
    }
    responses = await asyncio.gather(
        *(team.c.post("/api/allocations", json=body) for _ in range(6))
    )
    assert all(r.status == 201 for r in responses)
    totals = sorted(r.json["warnings"][0]["hours"] for r in responses if r.json["warnings"])
    assert totals == ["26.00", "39.00", "52.00", "65.00", "78.00"]


async def test_list_filters_by_member_project_and_overlap(team: Any) -> None:
    ann, bob = await team.member(name="Ann"), await team.member(name="Bob")
    web, app = await team.project(), await team.project()
    a1 = await team.allocation(ann, web, start_date="2026-01-01", end_date="2026-01-10")
    a2 = await team.allocation(ann, app, start_date="2026-01-20", end_date="2026-01-31")
    b1 = await team.allocation(bob, web, start_date="2026-01-08", end_date="2026-01-25")

    async def ids(query: str) -> list[str]:
        resp = await team.c.get(f"/api/allocations{query}")
        assert resp.status == 200, resp
        return [a["id"] for a in resp.json]

    assert await ids("") == [a1["id"], b1["id"], a2["id"]]
    assert await ids(f"?team_member_id={ann['id']}") == [a1["id"], a2["id"]]
    assert await ids(f"?project_id={web['id']}") == [a1["id"], b1["id"]]
    assert await ids("?from=2026-01-11&to=2026-01-19") == [b1["id"]]
    assert await ids("?from=2026-01-25") == [b1["id"], a2["id"]]
    assert await ids(f"?team_member_id={bob['id']}&to=2026-01-07") == []
    page = await team.c.get("/api/allocations?limit=2")
    assert len(page.json) == 2 and 'rel="next"' in page.headers["Link"]
    bad = await team.c.get("/api/allocations?from=2026-02-01&to=2026-01-01")
    assert bad.status == 422


async def test_allocation_validation(team: Any, other_team: Any) -> None:
    member, project = await team.member(), await team.project()
    foreign_member, foreign_project = await other_team.member(), await other_team.project()
    resp = await team.c.post(
        "/api/allocations",
        json={
            "team_member_id": foreign_member["id"],
            "project_id": foreign_project["id"],
            "start_date": "2026-01-05",
            "end_date": "2026-01-05",
            "hours_per_day": 8,
        },
    )
    assert resp.status == 422
    assert resp.json["errors"] == {
        "team_member_id": ["The selected team member id is invalid."],
        "project_id": ["The selected project id is invalid."],
    }
    resp = await team.c.post(
        "/api/allocations",
        json={
            "team_member_id": member["id"],
            "project_id": project["id"],
            "start_date": "2026-01-05",
            "end_date": "2026-01-04",
            "hours_per_day": 25,
        },
    )
    assert resp.status == 422
    assert set(resp.json["errors"]) == {"end_date", "hours_per_day"}


async def test_other_tenant_allocation_is_404(team: Any, other_team: Any) -> None:
    foreign = await other_team.allocation(await other_team.member(), await other_team.project())
    path = f"/api/allocations/{foreign['id']}"
    for resp in (
        await team.c.get(path),
        await team.c.put(path, json={"hours_per_day": 99}),
        await team.c.delete(path),
    ):
        assert resp.status == 404 and resp.error_body == NOT_FOUND
    assert (await team.c.get("/api/allocations")).json == []
