"""Events written with the changes, and the purge of a deleted org."""

from __future__ import annotations

from typing import Any

TABLES = (
    "roles",
    "role_counters",
    "team_members",
    "rate_history",
    "projects",
    "allocations",
    "actuals",
    "customers",
    "idempotency_keys",
)


async def test_changes_write_their_events(tenant: Any, team: Any, db: Any) -> None:
    member, project = await team.member(), await team.project()
    allocation = await team.allocation(member, project)
    await team.c.put(f"/api/allocations/{allocation['id']}", json={"hours_per_day": 4})
    await team.c.put(f"/api/team-members/{member['id']}", json={"hourly_rate": "99"})
    await team.actual(member, project)
    await team.c.delete(f"/api/allocations/{allocation['id']}")
    other = await team.member()
    await team.c.delete(f"/api/team-members/{other['id']}")
    rows = await db.fetch(
        "SELECT subject, event->>'type' AS type FROM team.outbox"
        " WHERE event->>'tenant' = $1 ORDER BY seq",
        tenant.org_id,
    )
    assert [r["type"] for r in rows] == [
        "team-member-created",
        "project-created",
        "allocation-created",
        "allocation-updated",
        "team-member-updated",
        "actual-recorded",
        "allocation-deleted",
        "team-member-created",
        "team-member-deleted",
    ]
    assert rows[0]["subject"] == "servelo.events.team.team-member-created"


async def test_org_deleted_purges_every_row(
    stack: Any, http: Any, tenant: Any, team: Any, db: Any, eventually_: Any
) -> None:
    role = await team.role()
    member, project = await team.member(role_id=role["id"]), await team.project()
    await team.allocation(member, project)
    await team.actual(member, project)
    sysadmin = await stack.system_admin(http)
    resp = await sysadmin.delete(f"/api/admin/orgs/{tenant.slug}")
    assert resp.status == 200, resp

    async def purged() -> None:
        for table in TABLES:
            count = await db.fetchval(
                f"SELECT count(*) FROM team.{table} WHERE org_id = $1", tenant.org_id
            )
            assert count == 0, table

    await eventually_(purged, timeout=15)
