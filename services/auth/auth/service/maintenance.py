"""The clean-up the janitor (auth.maintenance) runs every hour, across tenants."""

from __future__ import annotations

from servelo_common.db import Pool, system_tx

from auth.repository import maintenance as repo


async def purge_expired(pool: Pool) -> None:
    async with system_tx(pool) as conn:
        await repo.purge_expired(conn)
