"""An org's settings: read by any user, merged by an admin (`settings-updated`)."""

from __future__ import annotations

from servelo_common.db import tenant_tx
from servelo_common.events import emit
from servelo_common.identity import Identity

from auth import events
from auth.domain.settings import OrgSettings
from auth.repository import settings as repo
from auth.schemas.settings import SettingsUpdate
from auth.service import Auth, actor_of
from auth.service import audit as audit_trail


async def get_settings(ctx: Auth, *, ident: Identity) -> OrgSettings:
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        return OrgSettings(await repo.get_settings(conn, org_id=org_id))


async def update_settings(ctx: Auth, *, ident: Identity, data: SettingsUpdate) -> OrgSettings:
    """The keys sent are changed (`null` resets one to its default); the others stay."""
    org_id = ident.org_uuid
    changes = data.provided()
    async with tenant_tx(ctx.pool, org_id) as conn:
        current = OrgSettings(await repo.get_settings(conn, org_id=org_id, lock=True))
        merged = current.merge(changes)
        await repo.save_settings(conn, org_id=org_id, settings=merged.stored)
        await emit(
            conn,
            events.SettingsUpdated(org_id=str(org_id), settings=merged.values()),
            tenant=org_id,
            subject=org_id,
        )
        await audit_trail.record(
            conn,
            org_id=org_id,
            action="settings_updated",
            actor_id=actor_of(ident),
            details={"fields": sorted(changes)},
        )
    return merged
