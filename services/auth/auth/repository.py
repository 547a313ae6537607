"""SQL on the auth schema: orgs, users, sessions, revocations, audit. Keyword-only."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from servelo_common.db import Connection

Record = Any


async def get_org_by_slug(conn: Connection, *, slug: str) -> Record | None:
    return await conn.fetchrow(
        "SELECT o.*, (SELECT count(*) FROM users u WHERE u.org_id = o.id) AS user_count"
        " FROM orgs o WHERE o.slug = $1",
        slug,
    )


async def list_orgs(conn: Connection) -> list[Record]:
    return list(await conn.fetch("SELECT id, slug, name, plan, active FROM orgs ORDER BY slug"))


async def insert_user(
    conn: Connection,
    *,
    org_id: UUID,
    email: str,
    name: str,
    role: str,
    status: str,
    password_hash: str | None,
) -> Record | None:
    """The new user, or None when the email is taken in this org."""
    return await conn.fetchrow(
        "INSERT INTO users (id, org_id, email, name, role, status, password_hash)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id, email) DO NOTHING"
        " RETURNING *",
        uuid.uuid4(),
        org_id,
        email,
        name,
        role,
        status,
        password_hash,
    )


async def get_user(
    conn: Connection, *, org_id: UUID, user_id: UUID, for_update: bool = False
) -> Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(
        f"SELECT * FROM users WHERE org_id = $1 AND id = $2{lock}",  # noqa: S608
        org_id,
        user_id,
    )


async def get_user_by_email(conn: Connection, *, org_id: UUID, email: str) -> Record | None:
    return await conn.fetchrow(
        "SELECT * FROM users WHERE org_id = $1 AND email = $2", org_id, email
    )


async def update_user(
    conn: Connection, *, org_id: UUID, user_id: UUID, **fields: Any
) -> Record | None:
    """Set the given columns (names come from code, never from the client)."""
    names = list(fields)
    sets = ", ".join(f"{n} = ${i + 3}" for i, n in enumerate(names))
    return await conn.fetchrow(
        f"UPDATE users SET {sets}, updated_at = now() WHERE org_id = $1 AND id = $2"  # noqa: S608
        " RETURNING *",
        org_id,
        user_id,
        *[fields[n] for n in names],
    )


async def insert_session(
    conn: Connection,
    *,
    org_id: UUID,
    session_id: UUID,
    user_id: UUID,
    token_hash: bytes,
    expires_at: datetime,
    user_agent: str | None,
    ip: str | None,
) -> None:
    await conn.execute(
        "INSERT INTO sessions (id, org_id, user_id, current_hash, expires_at, user_agent, ip)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        session_id,
        org_id,
        user_id,
        token_hash,
        expires_at,
        user_agent,
        ip,
    )
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, org_id, session_id) VALUES ($1, $2, $3)",
        token_hash,
        org_id,
        session_id,
    )


async def find_refresh(conn: Connection, *, org_id: UUID, token_hash: bytes) -> Record | None:
    """The session a refresh token belongs to, locked, with the user's state."""
    return await conn.fetchrow(
        "SELECT s.*, u.status, u.role, u.name, u.email FROM refresh_tokens t"
        " JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id"
        " WHERE t.org_id = $1 AND t.token_hash = $2 FOR UPDATE OF s",
        org_id,
        token_hash,
    )


async def rotate_session(
    conn: Connection,
    *,
    org_id: UUID,
    session_id: UUID,
    token_hash: bytes,
    ip: str | None,
    user_agent: str | None,
) -> None:
    await conn.execute(
        "UPDATE sessions SET current_hash = $3, last_used_at = now(),"
        " ip = COALESCE($4, ip), user_agent = COALESCE($5, user_agent)"
        " WHERE org_id = $1 AND id = $2",
        org_id,
        session_id,
        token_hash,
        ip,
        user_agent,
    )
    await conn.execute(
        "INSERT INTO refresh_tokens (token_hash, org_id, session_id) VALUES ($1, $2, $3)",
        token_hash,
        org_id,
        session_id,
    )


async def revoke_session(
    conn: Connection, *, org_id: UUID, session_id: UUID, user_id: UUID | None = None
) -> bool:
    status = await conn.execute(
        "UPDATE sessions SET revoked_at = now() WHERE org_id = $1 AND id = $2"
        " AND ($3::uuid IS NULL OR user_id = $3) AND revoked_at IS NULL",
        org_id,
        session_id,
        user_id,
    )
    return bool(status != "UPDATE 0")


async def revoke_user_sessions(
    conn: Connection, *, org_id: UUID, user_id: UUID, keep: UUID | None = None
) -> list[UUID]:
    """End the user's live sessions except `keep`; the ids of those ended."""
    rows = await conn.fetch(
        "UPDATE sessions SET revoked_at = now() WHERE org_id = $1 AND user_id = $2"
        " AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3) RETURNING id",
        org_id,
        user_id,
        keep,
    )
    return [r["id"] for r in rows]


async def session_signed_in_at(
    conn: Connection, *, org_id: UUID, session_id: UUID, user_id: UUID
) -> datetime | None:
    """When the live session was opened (a sign-in: refreshes do not move it)."""
    value: datetime | None = await conn.fetchval(
        "SELECT created_at FROM sessions WHERE org_id = $1 AND id = $2 AND user_id = $3"
        " AND revoked_at IS NULL",
        org_id,
        session_id,
        user_id,
    )
    return value


async def insert_revocations(
    conn: Connection, *, org_id: UUID, scope: str, subject_ids: list[UUID], revoked_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO revocations (org_id, scope, subject_id, revoked_at)"
        " SELECT $1, $2, unnest($3::uuid[]), $4",
        org_id,
        scope,
        subject_ids,
        revoked_at,
    )


async def recent_revocations(conn: Connection, *, since: datetime) -> list[Record]:
    return list(
        await conn.fetch(
            "SELECT scope, subject_id, max(revoked_at) AS revoked_at FROM revocations"
            " WHERE revoked_at >= $1 GROUP BY scope, subject_id",
            since,
        )
    )


async def insert_audit(
    conn: Connection,
    *,
    org_id: UUID,
    action: str,
    actor_id: UUID | None = None,
    user_id: UUID | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO audit_log (id, org_id, actor_id, user_id, action, details, ip)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        uuid.uuid4(),
        org_id,
        actor_id,
        user_id,
        action,
        details or {},
        ip,
    )


async def insert_magic_link(
    conn: Connection,
    *,
    link_id: UUID,
    org_id: UUID,
    user_id: UUID,
    token_hash: bytes,
    purpose: str,
    expires_at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO magic_links (id, org_id, user_id, token_hash, purpose, expires_at)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        link_id,
        org_id,
        user_id,
        token_hash,
        purpose,
        expires_at,
    )


async def use_magic_link(conn: Connection, *, org_id: UUID, token_hash: bytes) -> Record | None:
    """Atomic single use: of concurrent redemptions only one UPDATE matches the row."""
    return await conn.fetchrow(
        "UPDATE magic_links SET used_at = now() WHERE org_id = $1 AND token_hash = $2"
        " AND used_at IS NULL AND expires_at > now() RETURNING *",
        org_id,
        token_hash,
    )


async def get_org(conn: Connection, *, org_id: UUID, lock: bool = False) -> Record | None:
    """`lock`: FOR SHARE, so a suspension waits for the caller's transaction."""
    suffix = " FOR SHARE" if lock else ""
    return await conn.fetchrow(f"SELECT * FROM orgs WHERE id = $1{suffix}", org_id)  # noqa: S608


async def list_users(
    conn: Connection,
    *,
    org_id: UUID,
    limit: int,
    cursor: list[Any] | None,
    role: str | None = None,
    status: str | None = None,
) -> list[Record]:
    """Newest first, keyset-paged on (created_at, id)."""
    c1, c2 = cursor if cursor else (None, None)
    return list(
        await conn.fetch(
            "SELECT * FROM users WHERE org_id = $1"
            " AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))"
            " AND ($4::text IS NULL OR role = $4) AND ($5::text IS NULL OR status = $5)"
            " ORDER BY created_at DESC, id DESC LIMIT $6",
            org_id,
            c1,
            c2,
            role,
            status,
            limit + 1,
        )
    )


async def active_users(
    conn: Connection, *, org_id: UUID, limit: int, cursor: list[Any] | None
) -> list[Record]:
    """Active users by name, keyset-paged on (name, id)."""
    c1, c2 = cursor if cursor else (None, None)
    return list(
        await conn.fetch(
            "SELECT id, name, email, role, phone, avatar_url FROM users"
            " WHERE org_id = $1 AND status = 'active'"
            " AND ($2::text IS NULL OR (name, id) > ($2, $3))"
            " ORDER BY name, id LIMIT $4",
            org_id,
            c1,
            c2,
            limit + 1,
        )
    )


async def other_active_admins(conn: Connection, *, org_id: UUID, user_id: UUID) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM users WHERE org_id = $1 AND role = 'admin'"
        " AND status <> 'deactivated' AND id <> $2",
        org_id,
        user_id,
    )
    return count


async def lock_admins(conn: Connection, *, org_id: UUID) -> None:
    """Serialize changes to an org's admins, so two demotions cannot both pass the
    last-admin check."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext('admins:' || $1::text))", str(org_id))


async def delete_user(conn: Connection, *, org_id: UUID, user_id: UUID) -> bool:
    status = await conn.execute("DELETE FROM users WHERE org_id = $1 AND id = $2", org_id, user_id)
    return bool(status != "DELETE 0")


async def recent_link_sent(conn: Connection, *, org_id: UUID, user_id: UUID, seconds: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM magic_links WHERE org_id = $1 AND user_id = $2"
            " AND purpose = 'login' AND created_at > now() - make_interval(secs => $3))",
            org_id,
            user_id,
            float(seconds),
        )
    )


async def put_avatar(
    conn: Connection, *, org_id: UUID, user_id: UUID, content_type: str, data: bytes
) -> None:
    await conn.execute(
        "INSERT INTO avatars (user_id, org_id, content_type, data) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (user_id) DO UPDATE SET content_type = EXCLUDED.content_type,"
        " data = EXCLUDED.data, updated_at = now()",
        user_id,
        org_id,
        content_type,
        data,
    )


async def get_avatar(conn: Connection, *, org_id: UUID, user_id: UUID) -> Record | None:
    return await conn.fetchrow(
        "SELECT content_type, data, updated_at FROM avatars WHERE org_id = $1 AND user_id = $2",
        org_id,
        user_id,
    )


async def list_sessions(conn: Connection, *, org_id: UUID, user_id: UUID) -> list[Record]:
    return list(
        await conn.fetch(
            "SELECT id, created_at, last_used_at, expires_at, user_agent, ip FROM sessions"
            " WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > now()"
            " ORDER BY last_used_at DESC, id LIMIT 500",
            org_id,
            user_id,
        )
    )


async def list_audit(
    conn: Connection, *, org_id: UUID, limit: int, cursor: list[Any] | None
) -> list[Record]:
    c1, c2 = cursor if cursor else (None, None)
    return list(
        await conn.fetch(
            "SELECT * FROM audit_log WHERE org_id = $1"
            " AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))"
            " ORDER BY created_at DESC, id DESC LIMIT $4",
            org_id,
            c1,
            c2,
            limit + 1,
        )
    )
