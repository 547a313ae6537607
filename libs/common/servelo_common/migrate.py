"""Numbered SQL migrations per service schema, applied in order and recorded.

The platform's own migrations (outbox, inbox, ...) run first as component `platform`, then
the service's. An advisory lock makes it safe for replicas to migrate at once: the second
waits, then finds nothing left to do.

    python -m servelo_common.migrate <schema> <migrations-dir>   (uses SERVELO_DATABASE_URL)
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import zlib
from pathlib import Path

import asyncpg

log = logging.getLogger("servelo.migrate")
PLATFORM_MIGRATIONS = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migration_files(folder: Path) -> list[tuple[int, Path]]:
    if not folder.is_dir():
        # A packaging mistake must not look like "nothing to migrate".
        raise FileNotFoundError(f"migrations folder not found: {folder}")
    found: list[tuple[int, Path]] = []
    for path in sorted(folder.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise ValueError(f"migration file name must look like 0001_name.sql: {path}")
        found.append((int(match.group(1)), path))
    versions = [v for v, _ in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration numbers in {folder}")
    return found


def package_migrations(module_file: str) -> Path:
    """A service's migrations: inside the installed package (`<pkg>/migrations`, how wheels
    and images carry them) or, in a source checkout, next to the package."""
    package = Path(module_file).resolve().parent
    inside = package / "migrations"
    return inside if inside.is_dir() else package.parent / "migrations"


def _lock_key(schema: str) -> int:
    return zlib.crc32(f"servelo.migrate.{schema}".encode()) - 2**31


async def migrate(conn: asyncpg.Connection, *, schema: str, folder: Path | None) -> list[str]:
    """Apply what is pending; returns the names applied."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
        raise ValueError(f"bad schema name {schema!r}")
    applied: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _lock_key(schema))
    try:
        # A provisioned service role owns its schema but may not create schemas: look first.
        if not await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", schema):
            await conn.execute(f"CREATE SCHEMA {schema}")
        await conn.execute(f"SET search_path TO {schema}")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " component text NOT NULL, version integer NOT NULL, name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))"
        )
        components = [("platform", PLATFORM_MIGRATIONS)]
        if folder is not None:
            components.append(("service", folder))
        for component, path in components:
            done = {
                r["version"]
                for r in await conn.fetch(
                    "SELECT version FROM schema_migrations WHERE component = $1", component
                )
            }
            for version, file in migration_files(path):
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(file.read_text())
                    await conn.execute(
                        "INSERT INTO schema_migrations (component, version, name)"
                        " VALUES ($1, $2, $3)",
                        component,
                        version,
                        file.name,
                    )
                applied.append(f"{component}/{file.name}")
                log.info("migration applied", extra={"schema": schema, "file": file.name})
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _lock_key(schema))
    return applied


async def migrate_dsn(dsn: str, *, schema: str, folder: Path | None) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return await migrate(conn, schema=schema, folder=folder)
    finally:
        await conn.close()


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    if len(sys.argv) != 3:
        sys.exit("usage: python -m servelo_common.migrate <schema> <migrations-dir>")
    applied = asyncio.run(
        migrate_dsn(
            os.environ["SERVELO_DATABASE_URL"], schema=sys.argv[1], folder=Path(sys.argv[2])
        )
    )
    print(f"{sys.argv[1]}: {len(applied)} migration(s) applied")


if __name__ == "__main__":
    main()
