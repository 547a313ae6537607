"""Actuals: recorded hours, their filters, validation and tenancy."""

from __future__ import annotations

from typing import Any

NOT_FOUND = {"message": "Actual not found", "error": "Actual not found"}
TICKET = "6f1c1d9e-0000-4000-8000-000000000001"


async def test_actual_crud_and_shape(team: Any) -> None:
    member, project = await team.member(), await team.project()
    actual = await team.actual(member, project, date="2026-01-05", hours=7.5, ticket_id=TICKET)
    assert {
        k: actual[k] for k in ("team_member_id", "project_id", "date", "hours", "ticket_id")
    } == {
        "team_member_id": member["id"],
        "project_id": project["id"],
        "date": "2026-01-05",
        "hours": "7.50",
        "ticket_id": TICKET,
    }
    path = f"/api/actuals/{actual['id']}"
    assert (await team.c.get(path)).json == actual
    resp = await team.c.put(path, json={"hours": "8"})
    assert resp.status == 200 and resp.json["hours"] == "8.00"
    resp = await team.c.delete(path)
    assert resp.status == 200 and resp.json == {"message": "Actual deleted successfully"}
    assert (await team.c.get(path)).error_body == NOT_FOUND


async def test_list_actuals_by_member_project_and_dates(team: Any) -> None:
    ann, bob = await team.member(name="Ann"), await team.member(name="Bob")
    web = await team.project()
    a1 = await team.actual(ann, web, date="2026-01-02")
    a2 = await team.actual(ann, web, date="2026-01-05")
    b1 = await team.actual(bob, web, date="2026-01-03")

    async def ids(query: str) -> list[str]:
        resp = await team.c.get(f"/api/actuals{query}")
        assert resp.status == 200, resp
        return [a["id"] for a in resp.json]

    assert await ids("") == [a1["id"], b1["id"], a2["id"]]
    assert await ids(f"?team_member_id={ann['id']}") == [a1["id"], a2["id"]]
    assert await ids(f"?project_id={web['id']}&from=2026-01-03&to=2026-01-04") == [b1["id"]]


async def test_actual_validation(team: Any, other_team: Any) -> None:
    member, project = await team.member(), await team.project()
    resp = await team.c.post(
        "/api/actuals",
        json={
            "team_member_id": member["id"],
            "project_id": project["id"],
            "date": "2026-01-05",
            "hours": 0,
        },
    )
    assert resp.status == 422
    assert resp.json["errors"] == {"hours": ["Hours must be greater than 0"]}
    foreign = await other_team.member()
    resp = await team.c.post(
        "/api/actuals",
        json={
            "team_member_id": foreign["id"],
            "project_id": project["id"],
            "date": "2026-01-05",
            "hours": 1,
        },
    )
    assert resp.status == 422
    assert resp.json["errors"] == {"team_member_id": ["The selected team member id is invalid."]}


async def test_other_tenant_actual_is_404(team: Any, other_team: Any) -> None:
    foreign = await other_team.actual(await other_team.member(), await other_team.project())
    path = f"/api/actuals/{foreign['id']}"
    for resp in (
        await team.c.get(path),
        await team.c.put(path, json={"hours": 1}),
        await team.c.delete(path),
    ):
        assert resp.status == 404 and resp.error_body == NOT_FOUND
    assert (await team.c.get("/api/actuals")).json == []
