"""What every team route shares: who may write, the org id, pages of rows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

from asyncpg import Record
from pydantic import BaseModel
from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError, NotFound, RequestValidationError
from servelo_common.http import body, json
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest, page, page_request
from starlette.requests import Request
from starlette.responses import Response

M = TypeVar("M", bound=BaseModel)
Lookup = Callable[[Any], Awaitable[object | None]]

# Admins and managers plan the team; technicians may read everything.
WRITERS = ("admin", "manager")
TAGS = ["team"]


def org(ident: Identity) -> UUID:
    return UUID(ident.org_id)


def page_of(request: Request, key_types: Sequence[type]) -> PageRequest:
    """The page asked for; a bad `limit` or `cursor` is invalid input, so 422 here."""
    try:
        # The shared helper range-checks a forged cursor (bigint, NUL) before Postgres sees it.
        return page_request(request, key_types=key_types)
    except ApiError as exc:
        raise RequestValidationError(exc.errors or {}, exc.message) from exc


def listing(
    request: Request,
    rows: list[Record],
    pr: PageRequest,
    key: Callable[[Record], Sequence[Any]],
    out: Callable[[Record], Any],
) -> Response:
    """A JSON array of one page, with the `Link` header of the next."""
    items, headers = page(request, rows, pr, key=key)
    return json([out(r) for r in items], headers=headers)


async def update_body(
    request: Request, model: type[M], ident: Identity, lookup: Lookup, not_found: str
) -> M:
    """The body of an update; for an id that names nothing, 404 wins over invalid input."""
    try:
        return await body(request, model)
    except RequestValidationError:
        async with tenant_tx(request.state.db, ident.org_id) as conn:
            if await lookup(conn) is None:
                raise NotFound(not_found) from None
        raise
