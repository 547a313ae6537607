"""Retention: the feed, the delivery log, expired secrets and old inbox ids, purged every
`events_purge_interval` seconds by every replica (the deletes are idempotent)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from servelo_common.db import system_tx
from servelo_common.worker import PollingWorker

from webhooks.context import Webhooks
from webhooks.handlers import CONSUMER
from webhooks.repository import deliveries as deliveries_repo
from webhooks.repository import endpoints as endpoints_repo
from webhooks.repository import feed as feed_repo

log = logging.getLogger("webhooks.janitor")

BATCH = 5000
# JetStream keeps events 14 days: an inbox id older than that cannot come back.
INBOX_KEEP = timedelta(days=15)


class Janitor(PollingWorker):
    """A supervised worker (servelo_common.worker): a purge every `events_purge_interval`
    seconds, retried with backoff while the database is away."""

    def __init__(self, ctx: Webhooks) -> None:
        super().__init__("webhooks-janitor", ctx.pool)
        self.ctx = ctx
        self.poll_interval = ctx.settings.events_purge_interval

    async def work(self) -> bool:
        await self.purge()
        return False

    async def purge(self) -> dict[str, int]:
        keep = timedelta(days=self.ctx.settings.events_retention_days)
        before = datetime.now(UTC) - keep
        counts = {"events": 0}
        while True:  # in batches: one long delete would hold its locks for a long time
            async with system_tx(self.ctx.pool) as conn:
                n = await feed_repo.delete_older_than(conn, before=before, batch=BATCH)
            counts["events"] += n
            if n < BATCH:
                break
        async with system_tx(self.ctx.pool) as conn:
            counts["deliveries"] = await deliveries_repo.delete_older_than(conn, before=before)
            counts["secrets"] = await endpoints_repo.delete_expired_secrets(conn)
            counts["inbox"] = await feed_repo.delete_inbox_older_than(
                conn, consumer=CONSUMER, before=datetime.now(UTC) - max(keep, INBOX_KEEP)
            )
        if any(counts.values()):
            log.info("retention purge", extra=counts)
        return counts
