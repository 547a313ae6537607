"""`Idempotency-Key` for POSTs: a retried request returns the first response, creates nothing.

    return await idempotent(request, lambda: _create(request))

The same key with the same body within 24 hours replays the stored response (status, body,
`Location`/`ETag`); with another body it is 422. A key whose first request is still running
answers 409. Keys are scoped to the tenant, the user, the method and the path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg
from starlette.requests import Request
from starlette.responses import Response

from servelo_common.db import tenant_tx
from servelo_common.declared import note
from servelo_common.errors import ApiError
from servelo_common.http import caller

HEADER = "idempotency-key"
TTL_HOURS = 24
_REPLAYED_HEADERS = ("content-type", "location", "etag")


async def idempotent(request: Request, handler: Callable[[], Awaitable[Response]]) -> Response:
    note(request.scope, "idempotency-key")
    key = request.headers.get(HEADER)
    if key is None:
        return await handler()
    if not 1 <= len(key) <= 255:
        raise ApiError(
            400,
            "Invalid Idempotency-Key",
            errors={"Idempotency-Key": ["Must be 1 to 255 characters."]},
        )
    ident = caller(request)
    digest = hashlib.sha256(await request.body()).hexdigest()
    org_id = UUID(ident.org_id)
    user_id = UUID(ident.user_id) if ident.user_id else None
    pool = request.state.db
    where = (org_id, key, request.method, request.url.path)
    async with tenant_tx(pool, org_id) as conn:
        await conn.execute(
            "DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2 AND method = $3"
            " AND path = $4 AND created_at < now() - make_interval(hours => $5)",
            *where,
            TTL_HOURS,
        )
        claimed = await conn.fetchval(
            "INSERT INTO idempotency_keys (org_id, user_id, key, method, path, request_hash)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
            org_id,
            user_id,
            key,
            request.method,
            request.url.path,
            digest,
        )
        if not claimed:
            row = await conn.fetchrow(
                "SELECT request_hash, status, body, headers, user_id FROM idempotency_keys"
                " WHERE org_id = $1 AND key = $2 AND method = $3 AND path = $4",
                *where,
            )
    if not claimed:
        if row is None or row["user_id"] != user_id or row["request_hash"] != digest:
            raise ApiError(422, "Idempotency-Key was already used with a different request")
        if row["status"] is None:
            raise ApiError(409, "A request with this Idempotency-Key is still in progress")
        headers = dict(row["headers"] or {})
        headers["idempotent-replayed"] = "true"
        return Response(bytes(row["body"]), status_code=row["status"], headers=headers)
    try:
        response = await handler()
    except BaseException:
        await _release(pool, where)
        raise
    if response.status_code >= 500:
        await _release(pool, where)
        return response
    headers = {k: v for k, v in response.headers.items() if k in _REPLAYED_HEADERS}
    async with tenant_tx(pool, org_id) as conn:
        await conn.execute(
            "UPDATE idempotency_keys SET status = $5, body = $6, headers = $7"
            " WHERE org_id = $1 AND key = $2 AND method = $3 AND path = $4",
            *where,
            response.status_code,
            bytes(response.body),
            headers,
        )
    return response


async def _release(pool: asyncpg.Pool, where: tuple[UUID, str, str, str]) -> None:
    """The first attempt failed: let a retry with the same key run for real."""
    async with tenant_tx(pool, where[0]) as conn:
        await conn.execute(
            "DELETE FROM idempotency_keys WHERE org_id = $1 AND key = $2 AND method = $3"
            " AND path = $4 AND status IS NULL",
            *where,
        )
