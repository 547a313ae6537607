"""Odd but well-formed input is refused with 4xx, never a 500."""

from __future__ import annotations

import base64
from typing import Any

import orjson


def cursor(*values: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([1, *values])).rstrip(b"=").decode()


async def test_edge_values_never_answer_500(team: Any) -> None:
    member, project = await team.member(), await team.project()
    ids = {"team_member_id": member["id"], "project_id": project["id"]}
    cases = [
        ("post", "/api/team-members", {"name": "a\u0000b", "hourly_rate": "1"}),
        ("post", "/api/team-members", {"name": "x", "hourly_rate": "1e400"}),
        ("post", "/api/team-members", {"name": "x", "hourly_rate": "NaN"}),
        ("post", "/api/team-members", {"name": "x", "hourly_rate": 1, "role_id": 10**19}),
        ("post", "/api/team-members", ["not", "an", "object"]),
        ("post", "/api/roles", {"name": "x" * 201}),
        (
            "post",
            "/api/allocations",
            {**ids, "start_date": "0001-01-01", "end_date": "2999-12-31", "hours_per_day": 1},
        ),
        (
            "post",
            "/api/allocations",
            {**ids, "start_date": "9999-12-31", "end_date": "9999-12-31", "hours_per_day": 1},
        ),
        ("post", "/api/actuals", {**ids, "date": "2026-13-01", "hours": 1}),
        ("post", "/api/actuals", {**ids, "date": "2026-01-01", "hours": 1, "notes": "\u0000"}),
        ("get", "/api/roles?cursor=" + cursor("a", 2**63 + 5), None),
        ("get", "/api/team-members?cursor=" + cursor("a\u0000", member["id"]), None),
        ("get", "/api/allocations?cursor=" + cursor(5, "x"), None),
        ("get", "/api/allocations?limit=0", None),
        ("get", "/api/team-members?active=maybe", None),
        (
            "get",
            f"/api/team-members/{member['id']}/utilization?from=0001-01-01&to=9999-12-31",
            None,
        ),
        ("get", "/api/roles/99999999999999999999999", None),
    ]
    for method, path, body in cases:
        resp = await getattr(team.c, method)(path, json=body)
        assert 400 <= resp.status < 500, (method, path, resp)
        assert resp.json["message"], resp


async def test_booking_up_to_the_last_accepted_day_works(team: Any) -> None:
    member, project = await team.member(), await team.project()
    allocation = await team.allocation(
        member, project, start_date="2999-12-30", end_date="2999-12-31", hours_per_day=24
    )
    assert allocation["warnings"] == []
    again = await team.allocation(
        member, project, start_date="2999-12-31", end_date="2999-12-31", hours_per_day=1
    )
    assert [w["date"] for w in again["warnings"]] == ["2999-12-31"]
    resp = await team.c.get(
        f"/api/team-members/{member['id']}/utilization?from=2999-12-01&to=2999-12-31"
    )
    assert resp.status == 200 and resp.json["allocated_hours"] == "49.00"
