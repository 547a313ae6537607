"""The pool's connection class and its transactions, cut to as few round trips as asyncpg's
bookkeeping allows (docs/benchmarks-e2e.md):

- `BEGIN` and the transaction's opening statement (the tenant setting) go as one message;
- the outbox rows of the transaction's events go with its `COMMIT`, in one message
  (`events.emit` defers them here; the relay its UPDATE): a write's last two round trips are one;
- the connection knows when its session is as the pool handed it out (no reset then).

asyncpg's own state (`_top_xact`, a transaction's state) is kept as its `Transaction`
keeps it, so commit, rollback, nested `conn.transaction()` savepoints and the pool's
release behave as with any transaction of asyncpg's. The stubs declare only the public
API, hence the `Any` views of asyncpg's private attributes.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.transaction import Transaction, TransactionState


class _Begin(Transaction):
    """A top-level transaction whose `BEGIN` and opening statement go as one simple-query
    message, and whose `COMMIT` carries the outbox rows deferred to it."""

    __slots__ = ("_prelude",)

    def __init__(self, connection: asyncpg.Connection, *, readonly: bool, prelude: str) -> None:
        super().__init__(connection, None, readonly, False)
        self._prelude = prelude

    async def start(self) -> None:
        own: Any = self
        con = own._connection
        if con._top_xact is not None or con._protocol.is_in_transaction():
            raise asyncpg.InterfaceError("a transaction is already open on this connection")
        con._top_xact = self
        begin = "BEGIN READ ONLY" if own._readonly else "BEGIN"
        try:
            # No parameters: asyncpg sends a simple query, which may hold two statements.
            await con.execute(f"{begin}; {self._prelude}" if self._prelude else begin)
        except BaseException:
            # As asyncpg's start(): the pool's release rolls back what the BEGIN opened.
            own._state = TransactionState.FAILED
            raise
        own._state = TransactionState.STARTED

    # asyncpg's `__aexit__` (and `commit()`) call its private `__commit` / `__rollback`,
    # which are these names once Python has mangled them.
    async def _Transaction__commit(self) -> None:
        own: Any = self
        con = own._connection
        rows = con.take_outbox()
        if not rows:
            await Transaction._Transaction__commit(self)  # type: ignore[attr-defined]
            return
        own._Transaction__check_state("commit")
        if con._top_xact is self:
            con._top_xact = None
        try:
            # One message: if an INSERT fails, Postgres skips the rest and the COMMIT with
            # it; the transaction is then in error and the pool's release rolls it back.
            await con.execute(f"{'; '.join(rows)}; COMMIT;")
        except BaseException:
            own._state = TransactionState.FAILED
            raise
        own._state = TransactionState.COMMITTED

    async def _Transaction__rollback(self) -> None:
        own: Any = self
        own._connection.take_outbox()
        await Transaction._Transaction__rollback(self)  # type: ignore[attr-defined]


class _Savepoint(Transaction):
    """asyncpg's `conn.transaction()`; nested (a savepoint), its rollback also drops the
    outbox rows deferred since it began: an event emitted in a savepoint that rolls back
    is not committed, as its row would not have been."""

    __slots__ = ("_mark",)

    async def start(self) -> None:
        await super().start()
        own: Any = self
        pending = getattr(own._connection, "_outbox", [])
        self._mark: int | None = len(pending) if own._nested else None

    async def _Transaction__rollback(self) -> None:
        own: Any = self
        try:
            await Transaction._Transaction__rollback(self)  # type: ignore[attr-defined]
        finally:
            if self._mark is not None:
                del getattr(own._connection, "_outbox", [])[self._mark :]


class ServiceConnection(asyncpg.Connection):
    """asyncpg's connection with the transactions above."""

    __slots__ = ("_outbox", "_pristine")

    def begin(self, *, readonly: bool, prelude: str) -> Transaction:
        self._pristine = False
        self._outbox: list[str] = []
        return _Begin(self, readonly=readonly, prelude=prelude)

    def transaction(
        self, *, isolation: Any = None, readonly: bool = False, deferrable: bool = False
    ) -> Transaction:
        own: Any = self
        own._check_open()
        return _Savepoint(self, isolation, readonly, deferrable)

    def defer_to_commit(self, statement: str) -> bool:
        """Keep `statement` (an outbox INSERT, say, its values as literals) to go with the
        COMMIT of this connection's transaction, in order, if that is one of ours and
        writable. False: run it now. Literals need `standard_conforming_strings` (the pool
        sets it; a quote is then the only character to escape), and a NUL would end the
        message early."""
        top = getattr(self, "_top_xact", None)
        its: Any = top
        if (
            not isinstance(top, _Begin)
            or its._readonly
            or its._state is not TransactionState.STARTED
            or "\x00" in statement
            or self.get_settings().standard_conforming_strings != "on"
        ):
            return False
        self._outbox.append(statement)
        return True

    def take_outbox(self) -> list[str]:
        rows = getattr(self, "_outbox", [])
        self._outbox = []
        return rows

    def mark_pristine(self) -> None:
        """Only transaction-local state was touched since the pool handed it out."""
        self._pristine = True

    def take_pristine(self) -> bool:
        pristine = getattr(self, "_pristine", False)
        self._pristine = False
        return pristine


def mark_if_ended(conn: Any) -> None:
    """Before a pooled connection goes back: one whose transaction ended left nothing in
    its session, so the pool may skip its reset. One that broke in the meantime (a
    Postgres restart) is already back: asyncpg releases a connection as it closes, and
    the pool's proxy then refuses every call, `is_closed()` too. Such a call must not
    replace the error that ended the block (a 503) with its own (a 500)."""
    try:
        ended = not conn.is_closed() and not conn.is_in_transaction()
    except asyncpg.InterfaceError:
        return
    if ended:
        conn.mark_pristine()
