"""HTTP routes, one module per resource: who may call, parse, one service call, answer.

What the resources' routes share lives here; `ROUTES` is the whole team API.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from servelo_common.errors import ApiError, RequestValidationError
from servelo_common.http import body, json
from servelo_common.pagination import PageRequest, page, page_request
from servelo_common.schemas import ApiOutput
from starlette.requests import Request
from starlette.responses import Response

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Admins and managers plan the team; technicians may read everything.
WRITERS = ("admin", "manager")
_BIGINT = (-(2**63), 2**63 - 1)


def page_of(request: Request, key_types: Sequence[type]) -> PageRequest:
    """The page asked for; a bad `limit` or `cursor` is invalid input, so 422 here."""
    try:
        pr = page_request(request, key_types=key_types)
    except ApiError as exc:
        raise RequestValidationError(exc.errors or {}, exc.message) from exc
    # A forged cursor must not reach Postgres with values it cannot take (bigint, NUL).
    for value in pr.cursor or ():
        if (isinstance(value, int) and not _BIGINT[0] <= value <= _BIGINT[1]) or (
            isinstance(value, str) and "\x00" in value
        ):
            raise RequestValidationError({"cursor": ["Invalid cursor."]}, "Invalid cursor")
    return pr


def listing(
    request: Request,
    items: Sequence[T],
    pr: PageRequest,
    key: Callable[[T], Sequence[Any]],
    model: type[ApiOutput],
) -> Response:
    """A JSON array of one page (`items` were fetched with limit + 1), with the `Link`
    header of the next."""
    shown, headers = page(request, items, pr, key=key)
    return json([model.model_validate(item) for item in shown], headers=headers)


async def update_body(request: Request, model: type[M], exists: Callable[[], Awaitable[Any]]) -> M:
    """The body of an update. When it is invalid, `exists()` (a service `get_...`, which
    raises 404 for an id that names nothing) runs first: 404 wins over invalid input."""
    try:
        return await body(request, model)
    except RequestValidationError:
        await exists()
        raise


# The resources' modules use the helpers above, so they are imported after them.
from team.routes import actuals, allocations, members, projects, roles, utilization  # noqa: E402

ROUTES = [
    *roles.ROUTES,
    *members.ROUTES,
    *utilization.ROUTES,
    *projects.ROUTES,
    *allocations.ROUTES,
    *actuals.ROUTES,
]
