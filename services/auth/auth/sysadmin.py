"""The system admin's view of every org: plans, suspension, deletion, their users."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from servelo_common.db import system_tx, tenant_tx
from servelo_common.errors import ApiError, NotFound
from servelo_common.events import emit
from servelo_common.pagination import PageRequest
from servelo_common.purge import purge_org

from auth import events
from auth import repository as repo
from auth.context import Auth
from auth.service import revoke

ORG_NOT_FOUND = "Organization not found"


async def org_id_of(ctx: Auth, slug: str) -> UUID:
    async with ctx.pool.acquire() as conn:
        org_id: UUID | None = await conn.fetchval("SELECT id FROM orgs WHERE slug = $1", slug)
    if org_id is None:
        raise NotFound(ORG_NOT_FOUND)
    return org_id


async def list_orgs(ctx: Auth, page: PageRequest) -> list[Any]:
    c1, c2 = page.cursor if page.cursor else (None, None)
    # Counting users crosses tenants: the one place that needs system_tx here.
    async with system_tx(ctx.pool) as conn:
        return list(
            await conn.fetch(
                "SELECT o.*, (SELECT count(*) FROM users u WHERE u.org_id = o.id) AS user_count"
                " FROM orgs o WHERE ($1::timestamptz IS NULL OR (o.created_at, o.id) < ($1, $2))"
                " ORDER BY o.created_at DESC, o.id DESC LIMIT $3",
                c1,
                c2,
                page.limit + 1,
            )
        )


async def update_org(ctx: Auth, slug: str, changes: dict[str, Any]) -> Any:
    changes = {k: v for k, v in changes.items() if v is not None}
    if slug == ctx.settings.system_admin_org and changes.get("active") is False:
        raise ApiError(409, "The system organization cannot be suspended")
    org_id = await org_id_of(ctx, slug)
    async with tenant_tx(ctx.pool, org_id) as conn:
        if changes:
            sets = ", ".join(f"{k} = ${i + 2}" for i, k in enumerate(changes))
            await conn.execute(
                f"UPDATE orgs SET {sets}, updated_at = now() WHERE id = $1",  # noqa: S608
                org_id,
                *changes.values(),
            )
        org = await repo.get_org_by_slug(conn, slug=slug)
        if org is None:
            raise NotFound(ORG_NOT_FOUND)
        if changes:
            await emit(
                conn, events.OrgUpdated(**events.org_fields(org)), tenant=org_id, subject=org_id
            )
            if changes.get("active") is False:
                # After the UPDATE took the row lock: a token being signed holds the row
                # FOR SHARE, so it either committed before (and is revoked here) or waits.
                await revoke(conn, org_id=org_id, scope="org", ids=[org_id], reason="org_suspended")
            await repo.insert_audit(
                conn,
                org_id=org_id,
                action="org_updated",
                details={k: v for k, v in changes.items()},
            )
    return org


async def delete_org(ctx: Auth, slug: str) -> None:
    """Every row of the org in auth goes in one transaction with `org-deleted`; the other
    services purge theirs when they receive it."""
    if slug == ctx.settings.system_admin_org:
        raise ApiError(409, "The system organization cannot be deleted")
    org_id = await org_id_of(ctx, slug)
    async with system_tx(ctx.pool) as conn:
        # First (it waits for the org's transactions in flight): rows that reference the org
        # without a foreign key (platform tables), and the tombstone. The outbox stays: it
        # is about to carry `org-deleted` to the other services.
        await purge_org(conn, org_id=org_id, include_outbox=False)
        deleted = await conn.fetchval("DELETE FROM orgs WHERE id = $1 RETURNING id", org_id)
        if deleted is None:
            raise NotFound(ORG_NOT_FOUND)
        await emit(
            conn, events.OrgDeleted(id=str(org_id), slug=slug), tenant=org_id, subject=org_id
        )
