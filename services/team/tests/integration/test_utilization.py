"""Utilization: allocated vs actual hours, costed at the rate in force on each day."""

from __future__ import annotations

from typing import Any


async def test_rate_change_does_not_move_past_costs(team: Any, day: Any) -> None:
    member, project = await team.member(hourly_rate="100.00"), await team.project()
    await team.allocation(member, project, start_date=day(-1), end_date=day(0), hours_per_day=8)
    await team.actual(member, project, date=day(-1), hours=6)
    await team.actual(member, project, date=day(0), hours="2.5")
    path = f"/api/team-members/{member['id']}/utilization?from={day(-1)}&to={day(0)}"
    before = (await team.c.get(path)).json
    assert (before["allocated_cost"], before["actual_cost"]) == ("1600.00", "850.00")

    resp = await team.c.put(f"/api/team-members/{member['id']}", json={"hourly_rate": "200.00"})
    assert resp.status == 200 and resp.json["hourly_rate"] == "200.00"
    after = (await team.c.get(path)).json
    assert after["days"] == [
        {
            "date": day(-1),
            "allocated_hours": "8.00",
            "actual_hours": "6.00",
            "hourly_rate": "100.00",
            "allocated_cost": "800.00",
            "actual_cost": "600.00",
        },
        {
            "date": day(0),
            "allocated_hours": "8.00",
            "actual_hours": "2.50",
            "hourly_rate": "200.00",
            "allocated_cost": "1600.00",
            "actual_cost": "500.00",
        },
    ]
    assert {
        k: after[k]
        for k in (
            "team_member_id",
            "from",
            "to",
            "allocated_hours",
            "actual_hours",
            "allocated_cost",
            "actual_cost",
            "utilization",
        )
    } == {
        "team_member_id": member["id"],
        "from": day(-1),
        "to": day(0),
        "allocated_hours": "16.00",
        "actual_hours": "8.50",
        "allocated_cost": "2400.00",
        "actual_cost": "1100.00",
        "utilization": "53.13",
    }


async def test_empty_window_has_zero_totals(team: Any) -> None:
    member = await team.member()
    resp = await team.c.get(
        f"/api/team-members/{member['id']}/utilization?from=2026-01-01&to=2026-01-31"
    )
    assert resp.status == 200
    assert resp.json["allocated_hours"] == "0.00" and resp.json["utilization"] is None
    assert resp.json["days"] == []


async def test_window_is_required_and_ordered(team: Any) -> None:
    member = await team.member()
    base = f"/api/team-members/{member['id']}/utilization"
    resp = await team.c.get(base)
    assert resp.status == 422
    assert resp.json["errors"] == {
        "from": ["The from field is required."],
        "to": ["The to field is required."],
    }
    resp = await team.c.get(base + "?from=2026-02-01&to=2026-01-01")
    assert resp.status == 422
