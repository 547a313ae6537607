"""The asyncpg pool of a service, bound to its schema, and the two kinds of transaction.

Every tenant table has row-level security keyed on `servelo.org_id`, set per transaction
by `tenant_tx`. A query that forgot its `org_id` filter therefore sees no other tenant's
rows. Work that must cross tenants (the outbox relay, purges, system-admin listings) says
so explicitly with `system_tx`.

Every wait is bounded: each connection has a `statement_timeout`, a `lock_timeout` and an
`idle_in_transaction_session_timeout`, and taking a connection from the pool gives up
after `acquire_timeout` with `ServiceUnavailable` (503 + Retry-After), instead of queueing
for ever behind a slow tenant or a database that is away.

Round trips are the cost of a request (docs/benchmarks-e2e.md): a transaction opens with
`BEGIN` and its tenant setting in one simple-query message, statements are prepared and
cached per connection, and a connection that only ran our transactions goes back to the
pool without asyncpg's `RESET ALL` round trip (every setting in them is transaction-local).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, TypeAlias, cast
from uuid import UUID

import asyncpg
import orjson
from asyncpg.pool import PoolConnectionProxy

from servelo_common.connection import ServiceConnection, mark_if_ended
from servelo_common.errors import ServiceUnavailable
from servelo_common.tenant_read import ORG_DELETED_SQLSTATE as ORG_DELETED_SQLSTATE
from servelo_common.tenant_read import OrgDeleted as OrgDeleted
from servelo_common.tenant_read import TenantRead, broke_while_idle, refused

Connection = asyncpg.Connection
Pool = asyncpg.Pool
# What `pool.acquire()` hands out: a proxy that forwards every Connection method.
Pooled: TypeAlias = "PoolConnectionProxy[asyncpg.Record]"  # not subscriptable at run time

STATEMENT_TIMEOUT = 15.0
LOCK_TIMEOUT = 5.0
IDLE_IN_TRANSACTION_TIMEOUT = 60.0
ACQUIRE_TIMEOUT = 5.0


class ServicePool(asyncpg.Pool):
    """asyncpg's pool with a default acquire timeout that answers 503, not a hang."""

    __slots__ = ("acquire_timeout", "waiting")
    acquire_timeout: float
    waiting: int

    async def _acquire(self, timeout: float | None) -> Any:
        # Callers inside acquire right now: servelo_db_pool_waiting (platform_metrics).
        self.waiting += 1
        try:
            if timeout is None and not self._queue.empty():  # type: ignore[attr-defined]
                # A free connection is taken without waiting (no await between this check
                # and asyncpg's `queue.get()`): the timeout's task and timer (asyncpg's
                # `wait_for`, ~6 % of a service's CPU per GET) would guard nothing. Its
                # release keeps the default timeout, as a timed acquire records it.
                proxy = await super()._acquire(None)  # type: ignore[misc]
                proxy._holder._timeout = self.acquire_timeout
                return proxy
            # The stubs declare only the public API; `Pool.acquire()` awaits this private
            # `_acquire`, the one place a default timeout can be put under every caller.
            return await super()._acquire(  # type: ignore[misc]
                self.acquire_timeout if timeout is None else timeout
            )
        except TimeoutError as exc:
            raise ServiceUnavailable("Database busy") from exc
        finally:
            self.waiting -= 1


async def _reset(conn: ServiceConnection) -> None:
    """What the pool runs on release (after rolling back an open transaction). A connection
    that only ran `tenant_tx` / `system_tx` skips asyncpg's reset query (advisory unlock,
    CLOSE ALL, UNLISTEN, RESET ALL): their settings are `set_config(..., true)`, their locks
    `pg_advisory_xact_lock*` and their cursors die with the transaction. Any other use of a
    connection (LISTEN, migrations' SET, a plain `pool.acquire()`) gets the full reset."""
    if conn.take_pristine():
        return
    query = conn.get_reset_query()
    if query:
        await conn.execute(query)


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
        reset=_reset,
        loop=None,
        connection_class=ServiceConnection,
        record_class=asyncpg.Record,
        # Prepared statements are cached per connection by asyncpg.
        statement_cache_size=512,
        # A connection is opened lazily by the acquire that needs it, which may take the
        # untimed path (`ServicePool._acquire`): its connect keeps the acquire's bound.
        timeout=acquire_timeout,
        server_settings={
            "search_path": schema,
            # Outbox rows ride with the COMMIT as literals (connection.defer_outbox).
            "standard_conforming_strings": "on",
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


def unpooled(conn: Pooled) -> asyncpg.Connection:
    """The pooled proxy as the Connection it forwards to, for functions typed against one.

    Repositories, migrations and the outbox take `asyncpg.Connection` so that a pooled
    connection, a direct one (tests, the CLI) and a transaction's all fit one name; at run
    time the proxy answers every Connection method, which the stubs cannot express.
    """
    return cast(asyncpg.Connection, conn)


@asynccontextmanager
async def acquire(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection outside any transaction (a migration, a registry read)."""
    async with pool.acquire() as conn:
        yield unpooled(conn)


@asynccontextmanager
async def _transaction(
    pool: asyncpg.Pool, *, prelude: str, readonly: bool
) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection in a transaction opened by `BEGIN; <prelude>` in one round trip.
    If that fails because the connection broke while it sat in the pool, the others are
    likely broken too (a restart, an operator's pg_terminate_backend): the pool renews them
    all and it is tried once more on a fresh one. Nothing has run yet, so the retry is safe."""
    for attempt in (1, 2):
        stack = AsyncExitStack()
        # Its failures are final. The pool's connection class is ServiceConnection (behind
        # the pool's proxy, which forwards every method).
        conn = cast(ServiceConnection, await stack.enter_async_context(pool.acquire()))
        # Runs after the transaction ended, before the release (an exit stack unwinds in
        # reverse): a transaction that ended left nothing in the session to reset.
        stack.callback(mark_if_ended, conn)
        try:
            await stack.enter_async_context(conn.begin(readonly=readonly, prelude=prelude))
        except BaseException as exc:
            # Cancelled too (a worker stopping while its BEGIN waits for a lock): the
            # connection goes back to the pool, or the pool's close() would wait for ever.
            with contextlib.suppress(Exception):
                await stack.aclose()
            if not isinstance(exc, Exception):
                raise
            if refused(exc):
                raise OrgDeleted() from None
            if attempt == 2 or not broke_while_idle(exc):
                raise
            await pool.expire_connections()
            continue
        async with stack:
            yield conn
        return


def enter_org_sql(org_id: UUID | str) -> str:
    """The statement that scopes a transaction to `org_id`, with the id as a literal (a
    simple query has no parameters). Only a valid UUID gets here: `UUID()` refuses anything
    else, and its canonical text is hex digits and dashes, nothing a literal must escape."""
    return f"SELECT servelo_enter_org_or_refuse('{UUID(str(org_id))}'::uuid)"


@asynccontextmanager
async def tenant_tx(
    pool: asyncpg.Pool, org_id: UUID | str, *, readonly: bool = False
) -> AsyncIterator[asyncpg.Connection]:
    """One transaction scoped to one tenant: row-level security sees only its rows.

    It also holds the org's purge lock (shared) and refuses a deleted org (`OrgDeleted`),
    so no transaction can write rows for an org after its purge in this schema.
    `readonly`: a read. Each of its queries is one round trip with the tenant setting in
    it, no transaction around them (`tenant_read.TenantRead`: read committed gave each
    statement its own snapshot anyway); anything but a query opens `BEGIN READ ONLY` for
    the rest of the block. Postgres refuses any write in it either way.

    Change no session state in it (`SET` without `LOCAL`, `LISTEN`, session advisory
    locks): the connection goes back to the pool without a reset.
    """
    if readonly:
        async with _tenant_read(pool, UUID(str(org_id))) as reader:
            yield reader
        return
    async with _transaction(pool, prelude=enter_org_sql(org_id), readonly=False) as conn:
        yield conn


@asynccontextmanager
async def _tenant_read(pool: asyncpg.Pool, org_id: UUID) -> AsyncIterator[asyncpg.Connection]:
    prelude = enter_org_sql(org_id)
    reader = TenantRead(
        pool, org_id, transaction=lambda: _transaction(pool, prelude=prelude, readonly=True)
    )
    try:
        # It answers the Connection methods a read uses (and opens a transaction for others).
        yield cast(asyncpg.Connection, reader)
    except BaseException as exc:
        await reader.finish(exc)
        raise
    await reader.finish(None)


@asynccontextmanager
async def schema_tx(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """One transaction on this schema's own tables, rows of no tenant (the outbox): no
    tenant setting, and no pool reset after it. Change no session state in it."""
    async with _transaction(pool, prelude="", readonly=False) as conn:
        yield conn


@asynccontextmanager
async def system_tx(
    pool: asyncpg.Pool, *, readonly: bool = False
) -> AsyncIterator[asyncpg.Connection]:
    """One transaction that may read and write every tenant's rows. Use sparingly."""
    prelude = "SELECT set_config('servelo.all_orgs', 'on', true)"
    async with _transaction(pool, prelude=prelude, readonly=readonly) as conn:
        yield conn
