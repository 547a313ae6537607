"""Database, roles and schemas for the services, created with an administrator connection.

Each service gets a login role `<prefix>_<service>` (no superuser, no BYPASSRLS) that owns
exactly one schema, `<service>`. An operator who provisions the database themselves does the
same by hand (see deploy/README.md) and gives each service its own URL.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str) -> str:
    if not _IDENT.match(name):
        raise ValueError(f"unsafe identifier {name!r}")
    return name


def with_database(
    dsn: str, database: str, *, user: str | None = None, password: str | None = None
) -> str:
    parts = urlsplit(dsn)
    netloc = parts.netloc.rpartition("@")[2]
    if user is not None:
        netloc = f"{quote(user)}:{quote(password or '')}@{netloc}"
    elif "@" in parts.netloc:
        netloc = parts.netloc
    return urlunsplit((parts.scheme, netloc, f"/{database}", parts.query, ""))


async def ensure_database(admin_dsn: str, database: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            await conn.execute(f"CREATE DATABASE {_ident(database)}")
    finally:
        await conn.close()


async def drop_database(admin_dsn: str, database: str, *, role: str | None = None) -> None:
    """Drop `database` (and then `role`, when given: a role owning nothing else)."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {_ident(database)} WITH (FORCE)")
        if role is not None:
            await conn.execute(f"DROP ROLE IF EXISTS {_ident(role)}")
    finally:
        await conn.close()


async def provision(
    admin_dsn: str, *, database: str, role_prefix: str, services: dict[str, str]
) -> dict[str, str]:
    """`services` maps a service name to its role's password; returns each service's DSN."""
    await ensure_database(admin_dsn, database)
    conn = await asyncpg.connect(with_database(admin_dsn, database))
    dsns: dict[str, str] = {}
    try:
        await conn.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        for service, password in services.items():
            role = _ident(f"{role_prefix}_{service}")
            exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
            verb = "ALTER" if exists else "CREATE"
            # The password cannot be a bind parameter in DDL; it is ours and URL-safe.
            safe = password.replace("'", "''")
            await conn.execute(
                f"{verb} ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS"
                f" PASSWORD '{safe}'"
            )
            await conn.execute(f"GRANT CONNECT ON DATABASE {_ident(database)} TO {role}")
            await conn.execute(
                f"CREATE SCHEMA IF NOT EXISTS {_ident(service)} AUTHORIZATION {role}"
            )
            await conn.execute(f"ALTER SCHEMA {_ident(service)} OWNER TO {role}")
            dsns[service] = with_database(admin_dsn, database, user=role, password=password)
    finally:
        await conn.close()
    return dsns
