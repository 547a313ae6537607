"""A tenant's read in one round trip per statement: the tenant setting rides in the
statement itself, with no `BEGIN` and no `COMMIT` (docs/benchmarks-e2e.md).

`db.tenant_tx(..., readonly=True)` yields a `TenantRead`. Each `fetch` / `fetchrow` /
`fetchval` of a plain `SELECT` (or `WITH ... SELECT`) is sent as::

    SELECT q.* FROM (SELECT servelo_enter_org_or_refuse($n::uuid) AS entered OFFSET 0) AS s,
      LATERAL (SELECT * FROM (<the read>) AS r WHERE s.entered IS NOT NULL OFFSET 0) AS q

Why the order holds: `q` refers to `s`, so Postgres must compute `s`'s one row (the tenant
setting, the org's purge lock shared, the refusal of a deleted org) before it runs `q`
once for it (a nested loop with `s` outside: `test_tenant_read.py` reads the plans).
`OFFSET 0` keeps either subquery from being flattened into the other (`s` also holds a
volatile call, which Postgres never pulls up). It fails closed: were `q` ever run first,
row-level security would compare with the session's value, which is empty (every setting
of ours is `set_config(..., true)`, gone with its transaction), and match no row; and each
read filters by `org_id` as well. The statement is its own implicit transaction, so its
setting, lock and snapshot end with it and the connection goes back to the pool as it came.

Anything else (`execute`, a locking read, `prepare`, ...) turns the rest of the block into
the transaction `tenant_tx` always opened (`BEGIN READ ONLY; <enter org>`): a setting made
with `execute` then lasts for the following statements, and Postgres refuses any write, as
before. A write cannot hide in a scoped statement: a data-modifying statement is not
allowed in a subquery.
"""

from __future__ import annotations

import contextlib
import inspect
import re
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any
from uuid import UUID

import asyncpg

from servelo_common.connection import mark_if_ended
from servelo_common.errors import NotFound, is_unavailable

# Raised by `servelo_enter_org_or_refuse` (platform migration 0005) for a deleted org.
ORG_DELETED_SQLSTATE = "SVODL"

_READ = re.compile(r"\s*(?:SELECT|WITH)\b", re.IGNORECASE)
# A locking read takes row locks: it goes where Postgres refuses it (a read-only transaction).
_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.IGNORECASE)


class OrgDeleted(NotFound):
    """The org has a tombstone here (`purge.purge_org`): nothing may be written for it."""

    def __init__(self) -> None:
        super().__init__("Unknown tenant")


def refused(exc: BaseException) -> bool:
    return getattr(exc, "sqlstate", None) == ORG_DELETED_SQLSTATE


def broke_while_idle(exc: BaseException) -> bool:
    """A server restart or pg_terminate_backend sends idle connections a FATAL error and
    closes them; a connection taken from the pool before asyncpg has seen the close fails
    its first statement like this."""
    return isinstance(exc, asyncpg.InternalClientError) or is_unavailable(exc)


def scoped(query: str, nargs: int) -> str:
    """`query` (of `nargs` parameters) with the tenant setting in it, as parameter
    `$<nargs + 1>`, run before the query reads a row (see the module's docstring)."""
    # The query is the repository's SQL (its values are parameters), never input.
    return (
        "SELECT q.* FROM (SELECT servelo_enter_org_or_refuse"  # noqa: S608
        f"(${nargs + 1}::uuid) AS entered OFFSET 0) AS s, LATERAL (SELECT * FROM ({query})"
        " AS r WHERE s.entered IS NOT NULL OFFSET 0) AS q"
    )


def is_scopable(query: str) -> bool:
    return _READ.match(query) is not None and _LOCKING.search(query) is None


class TenantRead:
    """What `tenant_tx(pool, org, readonly=True)` yields in place of a connection.

    The connection is taken from the pool at the first statement and given back by
    `finish()`. A connection that broke while it sat in the pool (a restart) fails the
    first statement: nothing has run, so it is tried once more on a fresh one, as
    `tenant_tx` retries its `BEGIN`. A statement that cannot be scoped opens `transaction()`
    (db's read-only tenant transaction, with its own retry) for the rest of the block, on a
    connection of its own: the scoped reads before it left nothing in theirs."""

    __slots__ = ("_conn", "_open", "_org", "_pool", "_tx")

    def __init__(
        self,
        pool: asyncpg.Pool,
        org_id: UUID,
        *,
        transaction: Callable[[], AbstractAsyncContextManager[Any]],
    ) -> None:
        self._pool, self._org, self._open = pool, org_id, transaction
        self._conn: Any = None
        self._tx: AbstractAsyncContextManager[Any] | None = None

    async def fetch(
        self, query: str, *args: Any, timeout: float | None = None, record_class: Any = None
    ) -> list[Any]:
        rows: list[Any] = await self._run(
            "fetch", query, args, timeout=timeout, record_class=record_class
        )
        return rows

    async def fetchrow(
        self, query: str, *args: Any, timeout: float | None = None, record_class: Any = None
    ) -> Any:
        return await self._run("fetchrow", query, args, timeout=timeout, record_class=record_class)

    async def fetchval(
        self, query: str, *args: Any, column: int = 0, timeout: float | None = None
    ) -> Any:
        return await self._run("fetchval", query, args, column=column, timeout=timeout)

    def __getattr__(self, name: str) -> Any:
        # Any other coroutine method of a connection (execute, prepare, copy_*...) runs in
        # the read-only transaction; other attributes only once that is open.
        attribute = getattr(asyncpg.Connection, name)
        if self._tx is None and not inspect.iscoroutinefunction(attribute):
            raise asyncpg.InterfaceError(
                f"{name}: a tenant read offers statements; use tenant_tx without readonly"
            )

        async def in_transaction(*args: Any, **kwargs: Any) -> Any:
            await self._transaction()
            return await getattr(self._conn, name)(*args, **kwargs)

        return in_transaction if self._tx is None else getattr(self._conn, name)

    async def _run(self, method: str, query: str, args: tuple[Any, ...], **kw: Any) -> Any:
        if self._tx is not None or not is_scopable(query):
            await self._transaction()
            return await getattr(self._conn, method)(query, *args, **kw)
        sql = scoped(query, len(args))
        first = self._conn is None
        try:
            await self._connection()
            return await getattr(self._conn, method)(sql, *args, self._org, **kw)
        except Exception as exc:
            if refused(exc):
                raise OrgDeleted() from None
            if not first or not broke_while_idle(exc):
                raise
        await self._renew()
        try:
            return await getattr(self._conn, method)(sql, *args, self._org, **kw)
        except Exception as exc:
            if refused(exc):
                raise OrgDeleted() from None
            raise

    async def _connection(self) -> None:
        if self._conn is None:
            self._conn = await self._pool.acquire()

    async def _renew(self) -> None:
        with contextlib.suppress(Exception):  # it is broken: the pool closes it
            await self._release()
        await self._pool.expire_connections()
        await self._connection()

    async def _transaction(self) -> None:
        if self._tx is not None:
            return
        await self._release()
        tx = self._open()
        self._conn = await tx.__aenter__()
        self._tx = tx

    async def finish(self, exc: BaseException | None) -> None:
        """End the block: the transaction, if one was opened, commits (or rolls back with
        `exc`, the block's failure); a connection of scoped reads only goes back to the
        pool, with nothing of this block left in its session (the pool skips its reset)."""
        tx, self._tx = self._tx, None
        if tx is None:
            await self._release()
            return
        self._conn = None
        await tx.__aexit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)

    async def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        mark_if_ended(conn)
        await self._pool.release(conn)
