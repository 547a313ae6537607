"""The asyncpg pool of a service, bound to its schema, and the two kinds of transaction.

Every tenant table has row-level security keyed on `servelo.org_id`, set per transaction
by `tenant_tx`. A query that forgot its `org_id` filter therefore sees no other tenant's
rows. Work that must cross tenants (the outbox relay, purges, system-admin listings) says
so explicitly with `system_tx`.

Every wait is bounded: each connection has a `statement_timeout`, a `lock_timeout` and an
`idle_in_transaction_session_timeout`, and taking a connection from the pool gives up
after `acquire_timeout` with `ServiceUnavailable` (503 + Retry-After), instead of queueing
for ever behind a slow tenant or a database that is away.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from servelo_common.errors import NotFound, ServiceUnavailable, is_unavailable

Connection = asyncpg.Connection
Pool = asyncpg.Pool

STATEMENT_TIMEOUT = 15.0
LOCK_TIMEOUT = 5.0
IDLE_IN_TRANSACTION_TIMEOUT = 60.0
ACQUIRE_TIMEOUT = 5.0


class OrgDeleted(NotFound):
    """The org has a tombstone here (`purge.purge_org`): nothing may be written for it."""

    def __init__(self) -> None:
        super().__init__("Unknown tenant")


class ServicePool(asyncpg.Pool):  # type: ignore[misc]
    """asyncpg's pool with a default acquire timeout that answers 503, not a hang."""

    __slots__ = ("acquire_timeout", "waiting")

    async def _acquire(self, timeout: float | None) -> Any:
        # Callers inside acquire right now: servelo_db_pool_waiting (platform_metrics).
        self.waiting += 1
        try:
            return await super()._acquire(self.acquire_timeout if timeout is None else timeout)
        except TimeoutError as exc:
            raise ServiceUnavailable("Database busy") from exc
        finally:
            self.waiting -= 1


async def _init_connection(conn: asyncpg.Connection) -> None:
    for typ in ("json", "jsonb"):
        await conn.set_type_codec(
            typ,
            schema="pg_catalog",
            format="text",
            encoder=lambda v: orjson.dumps(v).decode(),
            decoder=orjson.loads,
        )


def _ms(seconds: float) -> str:
    return str(max(1, round(seconds * 1000)))


async def create_pool(
    dsn: str,
    *,
    schema: str,
    application_name: str,
    min_size: int = 1,
    max_size: int = 10,
    statement_timeout: float = STATEMENT_TIMEOUT,
    lock_timeout: float = LOCK_TIMEOUT,
    idle_in_transaction_timeout: float = IDLE_IN_TRANSACTION_TIMEOUT,
    acquire_timeout: float = ACQUIRE_TIMEOUT,
) -> asyncpg.Pool:
    pool = ServicePool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        init=_init_connection,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        # Prepared statements are cached per connection by asyncpg.
        statement_cache_size=512,
        server_settings={
            "search_path": schema,
            "application_name": application_name,
            "statement_timeout": _ms(statement_timeout),
            "lock_timeout": _ms(lock_timeout),
            "idle_in_transaction_session_timeout": _ms(idle_in_transaction_timeout),
        },
    )
    pool.acquire_timeout = acquire_timeout
    pool.waiting = 0
    await pool
    return pool


def _broke_while_idle(exc: BaseException) -> bool:
    # A server restart or pg_terminate_backend sends idle connections a FATAL error and
    # closes them; a connection taken from the pool before asyncpg has seen the close
    # fails its BEGIN like this.
    return isinstance(exc, asyncpg.InternalClientError) or is_unavailable(exc)


@asynccontextmanager
async def _transaction(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection in a transaction. If BEGIN fails because the connection broke
    while it sat in the pool, the others are likely broken too (a restart, an operator's
    pg_terminate_backend): the pool renews them all and the BEGIN is tried once more on a
    fresh one. Nothing has run yet, so the retry is safe."""
    for attempt in (1, 2):
        stack = AsyncExitStack()
        conn = await stack.enter_async_context(pool.acquire())  # its failures are final
        try:
            await stack.enter_async_context(conn.transaction())
        except Exception as exc:
            with contextlib.suppress(Exception):
                await stack.aclose()
            if attempt == 2 or not _broke_while_idle(exc):
                raise
            await pool.expire_connections()
            continue
        async with stack:
            yield conn
        return


@asynccontextmanager
async def tenant_tx(pool: asyncpg.Pool, org_id: UUID | str) -> AsyncIterator[asyncpg.Connection]:
    """One transaction scoped to one tenant: row-level security sees only its rows.

    It also holds the org's purge lock (shared) and refuses a deleted org (`OrgDeleted`),
    so no transaction can write rows for an org after its purge in this schema.
    """
    async with _transaction(pool) as conn:
        if await conn.fetchval("SELECT servelo_enter_org($1)", UUID(str(org_id))):
            raise OrgDeleted()
        yield conn


@asynccontextmanager
async def system_tx(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """One transaction that may read and write every tenant's rows. Use sparingly."""
    async with _transaction(pool) as conn:
        await conn.execute("SELECT set_config('servelo.all_orgs', 'on', true)")
        yield conn
