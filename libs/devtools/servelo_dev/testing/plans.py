"""The plans Postgres gives a statement (planned with its values, as a prepared statement's
first runs are, or the generic plan it may keep after them), and the statements a piece of
code sends."""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Sequence
from typing import Any

import asyncpg


async def generic_plan(conn: asyncpg.Connection, sql: str, args: Sequence[Any]) -> dict[str, Any]:
    """EXPLAIN of `sql` with `args` under `plan_cache_mode = force_generic_plan` (`conn`
    must be outside a transaction: the setting is made and undone around it)."""
    stmt = await conn.prepare(sql)
    literals = []
    for param, value in zip(stmt.get_parameters(), args, strict=True):
        typ = await conn.fetchval("SELECT format_type($1, NULL)", param.oid)
        # Postgres quotes the value: a literal of any type, arrays included.
        literal = await conn.fetchval(f"SELECT quote_nullable($1::{typ}::text)", value)
        literals.append(f"{literal}::{typ}")
    name = f"plan_{secrets.token_hex(4)}"
    await conn.execute(f"PREPARE {name} AS {sql}")
    try:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) EXECUTE {name}({', '.join(literals)})")
    finally:
        await conn.execute(f"DEALLOCATE {name}; RESET plan_cache_mode")
    plan: dict[str, Any] = json.loads(raw)[0]["Plan"]
    return plan


async def custom_plan(conn: asyncpg.Connection, sql: str, args: Sequence[Any]) -> dict[str, Any]:
    """EXPLAIN of `sql` planned with the values of `args` (what its first runs are given)."""
    raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    plan: dict[str, Any] = json.loads(raw)[0]["Plan"]
    return plan


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The plan's nodes, depth first."""
    return [plan, *(n for child in plan.get("Plans", []) for n in nodes(child))]


def scans(plan: dict[str, Any]) -> dict[str, str]:
    """Relation -> how it is scanned (`Index Scan`, `Seq Scan`, ...)."""
    return {n["Relation Name"]: n["Node Type"] for n in nodes(plan) if "Relation Name" in n}


async def statements(pool: asyncpg.Pool) -> list[tuple[str, tuple[Any, ...]]]:
    """A list that fills with the (statement, arguments) each connection `pool` has now
    sends from then on, for as long as it lives (a test's own pool). The connections'
    loggers are called soon after each statement, not at once: sleep a moment to read it."""
    log: list[tuple[str, tuple[Any, ...]]] = []

    def record(query: Any) -> None:
        log.append((query.query, tuple(query.args)))

    conns = [await pool.acquire() for _ in range(pool.get_size())]
    for conn in conns:
        conn.add_query_logger(record)
    for conn in conns:
        await pool.release(conn)
    await asyncio.sleep(0.01)
    log.clear()  # the releases' resets
    return log
