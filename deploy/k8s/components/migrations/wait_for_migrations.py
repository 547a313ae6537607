"""Init container of a service whose migrations run as a Job: wait until every migration
this image carries (the platform's and the service's) is recorded in the service's schema,
so new code never starts against an old schema.

    python wait_for_migrations.py <service>    (SERVELO_DATABASE_URL: the service's role)

Waits forever by default (the pod stays in Init, visibly); WAIT_TIMEOUT=<seconds> bounds
it (exit 1). Runs from the service's own image: servelo_common and the service are there.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import sys
import time

import asyncpg
from servelo_common.migrate import PLATFORM_MIGRATIONS, migration_files, package_migrations

Applied = set[tuple[str, int]]


def expected(service: str) -> Applied:
    module = importlib.import_module(service)
    own = package_migrations(str(module.__file__))
    return {("platform", v) for v, _ in migration_files(PLATFORM_MIGRATIONS)} | {
        ("service", v) for v, _ in migration_files(own)
    }


async def applied(dsn: str, schema: str) -> Applied:
    conn = await asyncpg.connect(dsn, timeout=10)
    try:
        table = f"{schema}.schema_migrations"
        if not await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
            return set()
        rows = await conn.fetch(f"SELECT component, version FROM {table}")  # noqa: S608
        return {(r["component"], r["version"]) for r in rows}
    finally:
        await conn.close()


def main() -> None:
    if len(sys.argv) != 2 or not re.fullmatch(r"[a-z_][a-z0-9_]*", sys.argv[1]):
        sys.exit("usage: python wait_for_migrations.py <service>")
    service = sys.argv[1]
    timeout = float(os.environ.get("WAIT_TIMEOUT", "0"))
    deadline = time.monotonic() + timeout if timeout > 0 else None
    want = expected(service)
    while True:
        try:
            missing = want - asyncio.run(applied(os.environ["SERVELO_DATABASE_URL"], service))
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            print(f"{service}: database not reachable yet: {exc}", flush=True)
        else:
            if not missing:
                print(f"{service}: all {len(want)} migrations applied", flush=True)
                return
            names = ", ".join(f"{c}/{v:04d}" for c, v in sorted(missing))
            print(f"{service}: waiting for the migration Job: {names}", flush=True)
        if deadline is not None and time.monotonic() > deadline:
            sys.exit(f"{service}: migrations still pending after {timeout:g}s")
        time.sleep(2)


if __name__ == "__main__":
    main()
