"""The delete guard: the reference's two refusals, and a clean delete."""

from __future__ import annotations

from typing import Any

SUGGESTION = "Consider deactivating the team member instead"


def refused(message: str) -> dict[str, str]:
    return {"message": message, "error": message, "suggestion": SUGGESTION}


async def test_member_without_allocations_or_actuals_is_deleted(team: Any) -> None:
    member = await team.member()
    resp = await team.c.delete(f"/api/team-members/{member['id']}")
    assert resp.status == 200
    assert resp.json == {"message": "Team member deleted successfully"}
    assert (await team.c.get(f"/api/team-members/{member['id']}")).status == 404


async def test_current_allocation_refuses_delete_as_active(team: Any, day: Any) -> None:
    member, project = await team.member(), await team.project()
    await team.allocation(member, project, start_date=day(-3), end_date=day(0))
    resp = await team.c.delete(f"/api/team-members/{member['id']}")
    assert resp.status == 422
    assert resp.error_body == refused("Cannot delete team member with active allocations")


async def test_future_allocation_refuses_delete_as_active(team: Any, day: Any) -> None:
    member, project = await team.member(), await team.project()
    await team.allocation(member, project, start_date=day(30), end_date=day(40))
    resp = await team.c.delete(f"/api/team-members/{member['id']}")
    assert resp.error_body == refused("Cannot delete team member with active allocations")


async def test_past_allocation_refuses_delete_as_history(team: Any, day: Any) -> None:
    member, project = await team.member(), await team.project()
    await team.allocation(member, project, start_date=day(-10), end_date=day(-1))
    resp = await team.c.delete(f"/api/team-members/{member['id']}")
    assert resp.status == 422
    assert resp.error_body == refused("Cannot delete team member with historical data")


async def test_actual_refuses_delete_as_history(team: Any) -> None:
    member, project = await team.member(), await team.project()
    await team.actual(member, project)
    resp = await team.c.delete(f"/api/team-members/{member['id']}")
    assert resp.status == 422
    assert resp.error_body == refused("Cannot delete team member with historical data")


async def test_deleted_allocation_no_longer_blocks(team: Any) -> None:
    member, project = await team.member(), await team.project()
    allocation = await team.allocation(member, project)
    assert (await team.c.delete(f"/api/allocations/{allocation['id']}")).status == 200
    assert (await team.c.delete(f"/api/team-members/{member['id']}")).status == 200
