"""Keyset pagination: a page costs the same at row 1,000 as at row 1,000,000.

Lists fetch `limit + 1` rows ordered by a unique key, return `limit`, and announce the next
page in `Link: <...>; rel="next"` with an opaque cursor holding the last row's key.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import orjson
from starlette.requests import Request

from servelo_common.declared import note
from servelo_common.errors import ApiError

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int
    cursor: list[Any] | None


def _convert(value: Any, kind: type) -> Any:
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is UUID:
        return UUID(value)
    return kind(value)


def page_request(request: Request, *, key_types: Sequence[type]) -> PageRequest:
    """`limit` (default 100, max 500) and `cursor` from the query; bad values are 400."""
    note(request.scope, "page")
    raw_limit = request.query_params.get("limit")
    try:
        limit = DEFAULT_LIMIT if raw_limit is None else int(raw_limit)
    except ValueError as exc:
        raise ApiError(400, "Invalid limit", errors={"limit": ["Must be an integer."]}) from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(
            400, "Invalid limit", errors={"limit": [f"Must be between 1 and {MAX_LIMIT}."]}
        )
    raw = request.query_params.get("cursor")
    if not raw:
        return PageRequest(limit, None)
    try:
        values = orjson.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        if not isinstance(values, list) or len(values) != len(key_types):
            raise ValueError("cursor shape")
        cursor = [_convert(v, t) for v, t in zip(values, key_types, strict=True)]
    except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
        raise ApiError(400, "Invalid cursor", errors={"cursor": ["Invalid cursor."]}) from exc
    return PageRequest(limit, cursor)


def encode_cursor(values: Sequence[Any]) -> str:
    def plain(v: Any) -> Any:
        if isinstance(v, datetime | date):
            return v.isoformat()
        if isinstance(v, UUID):
            return str(v)
        return v

    raw = orjson.dumps([plain(v) for v in values])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def next_link(request: Request, cursor: str, limit: int) -> str:
    params = {k: v for k, v in request.query_params.items() if k not in ("cursor", "limit")}
    params.update(limit=str(limit), cursor=cursor)
    host = request.headers.get("host", "localhost")
    scheme = request.headers.get("x-forwarded-proto", request.url.scheme)
    return f'<{scheme}://{host}{request.url.path}?{urlencode(params)}>; rel="next"'


def page(
    request: Request,
    rows: Sequence[Any],
    page_req: PageRequest,
    key: Callable[[Any], Sequence[Any]],
) -> tuple[list[Any], dict[str, str]]:
    """Trim the extra row and build the `Link` header; rows were fetched with limit + 1."""
    items = list(rows[: page_req.limit])
    headers: dict[str, str] = {}
    if len(rows) > page_req.limit and items:
        headers["Link"] = next_link(request, encode_cursor(key(items[-1])), page_req.limit)
    return items, headers
