"""Keyset pagination: a page costs the same at row 1,000 as at row 1,000,000.

Lists fetch `limit + 1` rows ordered by a unique key, return `limit`, and announce the next
page in `Link: <...>; rel="next"` with an opaque cursor holding the last row's key.

A cursor is base64url of the JSON array `[CURSOR_VERSION, *key]`. Clients can forge one, so
it is checked as input: its version, its length, each value's type, integers within
Postgres' bigint, no NUL in text; anything else is 400 `Invalid cursor`, never a database
error. The `Link` names the configured public URL of the caller's tenant
(`ServiceSettings.public_url`), never a request header.

Incremental sync: a list whose route declares `sync=True` also takes `updated_since`
(ISO 8601). It then answers the rows changed at or after that instant, in `(updated_at,
id)` order whatever its own order is, keyset-paged on that key, so a client paging through
many rows that share one `updated_at` misses and repeats none. Its cursors carry
`SYNC_CURSOR_VERSION`, so a cursor of the list's own order is refused there, and back.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode
from uuid import UUID

import orjson
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from servelo_common.declared import note
from servelo_common.errors import RequestValidationError
from servelo_common.http import json, tenant
from servelo_common.output import public
from servelo_common.values import parse_instant

DEFAULT_LIMIT = 100
MAX_LIMIT = 500
CURSOR_VERSION = 1
SYNC_CURSOR_VERSION = 2
MAX_CURSOR = 1024  # characters; a real one is under 100
BIGINT = (-(2**63), 2**63 - 1)


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    cursor: list[Any] | None
    since: datetime | None = None
    """`updated_since`: the page is then in `(updated_at, id)` order, `cursor` that key."""


def _convert(value: Any, kind: type) -> Any:
    """One cursor value as the key type; ValueError when it cannot be one."""
    if kind is int:
        if type(value) is not int or not BIGINT[0] <= value <= BIGINT[1]:
            raise ValueError("cursor integer")
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("cursor text")
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is UUID:
        return UUID(value)
    if kind is str:
        return value
    raise ValueError(f"cursor key type {kind!r}")


def decode_cursor(raw: str, key_types: Sequence[type], version: int = CURSOR_VERSION) -> list[Any]:
    """The key a cursor holds; ValueError for anything but one this module encoded."""
    if len(raw) > MAX_CURSOR:
        raise ValueError("cursor length")
    values = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if (
        not isinstance(values, list)
        or len(values) != len(key_types) + 1
        or values[0] != version
        or type(values[0]) is not int
    ):
        raise ValueError("cursor shape")
    return [_convert(v, t) for v, t in zip(values[1:], key_types, strict=True)]


def _since(request: Request) -> datetime | None:
    raw = request.query_params.get("updated_since")
    if raw is None:
        return None
    try:
        return parse_instant(raw)
    except ValueError as exc:
        raise RequestValidationError({"updated_since": [str(exc)]}) from exc


def page_request(
    request: Request, *, key_types: Sequence[type], sync_id: type | None = None
) -> PageRequest:
    """`limit` (default 100, max 500) and `cursor` from the query, and `updated_since` when
    the list syncs (`sync_id`: the type of its rows' `id`); bad values are invalid input
    (400, or 422 where a service's API says so)."""
    note(request.scope, "page")
    since = None
    if sync_id is not None:
        note(request.scope, "sync")
        since = _since(request)
        if since is not None:
            key_types, version = (datetime, sync_id), SYNC_CURSOR_VERSION
    if since is None:
        version = CURSOR_VERSION
    raw_limit = request.query_params.get("limit")
    try:
        limit = DEFAULT_LIMIT if raw_limit is None else int(raw_limit)
    except ValueError as exc:
        raise RequestValidationError({"limit": ["Must be an integer."]}, "Invalid limit") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise RequestValidationError(
            {"limit": [f"Must be between 1 and {MAX_LIMIT}."]}, "Invalid limit"
        )
    raw = request.query_params.get("cursor")
    if not raw:
        return PageRequest(limit, None, since)
    try:
        cursor = decode_cursor(raw, key_types, version)
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise RequestValidationError({"cursor": ["Invalid cursor."]}, "Invalid cursor") from exc
    return PageRequest(limit, cursor, since)


def sync_key(item: Any) -> tuple[Any, Any]:
    """`(updated_at, id)` of a row or domain object: the key of an `updated_since` page."""
    if hasattr(item, "updated_at"):
        return item.updated_at, item.id
    return item["updated_at"], item["id"]  # an asyncpg Record or a dict


def encode_cursor(values: Sequence[Any], version: int = CURSOR_VERSION) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, UUID):
            return str(v)
        return v

    raw = orjson.dumps([version, *(plain(v) for v in values)])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def next_link(request: Request, cursor: str, limit: int) -> str:
    params = {k: v for k, v in request.query_params.items() if k not in ("cursor", "limit")}
    params.update(limit=str(limit), cursor=cursor)
    url = request.app.state.settings.public_url(
        tenant(request).org_slug, f"{request.url.path}?{urlencode(params)}"
    )
    return f'<{url}>; rel="next"'


def page(
    request: Request,
    rows: Sequence[Any],
    page_req: PageRequest,
    key: Callable[[Any], Sequence[Any]],
) -> tuple[list[Any], dict[str, str]]:
    """Trim the extra row and build the `Link` header; rows were fetched with limit + 1.
    `key` is the list's own order; an `updated_since` page uses `sync_key` instead."""
    items = list(rows[: page_req.limit])
    headers: dict[str, str] = {}
    if len(rows) > page_req.limit and items:
        if page_req.since is not None:
            cursor = encode_cursor(sync_key(items[-1]), SYNC_CURSOR_VERSION)
        else:
            cursor = encode_cursor(key(items[-1]))
        headers["Link"] = next_link(request, cursor, page_req.limit)
    return items, headers


def page_response(
    request: Request,
    items: Sequence[T],
    page_req: PageRequest,
    key: Callable[[T], Sequence[Any]],
    model: type[BaseModel],
) -> Response:
    """A JSON array of one page (`items` were fetched with limit + 1) as `model`, with the
    `Link` header of the next."""
    shown, headers = page(request, items, page_req, key=key)
    return json([public(model, item) for item in shown], headers=headers)
