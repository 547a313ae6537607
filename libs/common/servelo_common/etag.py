"""Optimistic concurrency: `ETag` on reads, `If-Match` on writes (412 when it changed)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request

from servelo_common.declared import note
from servelo_common.errors import ApiError

# What a service's update/delete calls with the resource's current ETag before it writes:
# raises 412 when the caller's `If-Match` names another version (see `if_match`).
Precondition = Callable[[str], None]


def etag_for(resource_id: Any, version: datetime | int | str) -> str:
    """A strong validator from the row's id and its `updated_at` (or version number)."""
    raw = f"{resource_id}:{version.isoformat() if isinstance(version, datetime) else version}"
    return '"' + hashlib.sha256(raw.encode()).hexdigest()[:32] + '"'


def check_if_match(request: Request, current: str) -> None:
    """Refuse a write made against a stale copy. No `If-Match` header: last write wins."""
    header = request.headers.get("if-match")
    if header is None:
        return
    candidates = {c.strip().removeprefix("W/") for c in header.split(",")}
    if "*" in candidates or current in candidates:
        return
    raise ApiError(412, "The resource was changed by someone else; reload and try again")


def if_match(request: Request) -> Precondition:
    """The request's `If-Match` as a precondition for the service to check under its lock."""
    note(request.scope, "if-match")
    return lambda current: check_if_match(request, current)
