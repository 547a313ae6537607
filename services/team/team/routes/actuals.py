"""Actuals: `/api/actuals[/{id}]`, the hours members worked."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from servelo_common.http import (
    body,
    caller,
    json,
    message,
    path_id,
    query,
    require_role,
    update_body,
)
from servelo_common.idempotency import idempotent
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import IDEMPOTENCY_KEY, Tag, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from team.domain import PLANNERS
from team.schemas.actuals import ActualCreate, ActualPublic, ActualQuery, ActualUpdate
from team.service import actuals


def _actual_id(request: Request) -> UUID:
    return path_id(request, message=actuals.NOT_FOUND)


async def list_actuals(request: Request) -> Response:
    """List recorded hours by date; filter by member, project and `from`/`to`."""
    ident = caller(request)
    flt = query(request, ActualQuery)
    pr = page_request(request, key_types=(date, UUID), sync_id=UUID)
    found = await actuals.list_actuals(request.state.db, ident=ident, query=flt, page=pr)
    return page_response(request, found, pr, lambda a: (a.date, a.id), ActualPublic)


async def create_actual(request: Request) -> Response:
    """Record hours a member worked on a project on one day."""
    ident = require_role(request, *PLANNERS)

    async def run() -> Response:
        data = await body(request, ActualCreate)
        actual = await actuals.create_actual(request.state.db, ident=ident, data=data)
        return json(ActualPublic.model_validate(actual), status=201)

    return await idempotent(request, run)


async def get_actual(request: Request) -> Response:
    """Get one actual."""
    ident = caller(request)
    actual = await actuals.get_actual(request.state.db, ident=ident, actual_id=_actual_id(request))
    return json(ActualPublic.model_validate(actual))


async def update_actual(request: Request) -> Response:
    """Correct recorded hours."""
    ident = require_role(request, *PLANNERS)
    aid, pool = _actual_id(request), request.state.db
    data = await update_body(
        request, ActualUpdate, lambda: actuals.get_actual(pool, ident=ident, actual_id=aid)
    )
    actual = await actuals.update_actual(pool, ident=ident, actual_id=aid, data=data)
    return json(ActualPublic.model_validate(actual))


async def delete_actual(request: Request) -> Response:
    """Delete recorded hours."""
    ident = require_role(request, *PLANNERS)
    await actuals.delete_actual(request.state.db, ident=ident, actual_id=_actual_id(request))
    return message("Actual deleted successfully")


TAGS = [Tag("actuals", "Hours a member worked on a project on a day, optionally for a ticket.")]
ROUTES: list[Route] = [
    api_route(
        "/api/actuals",
        list_actuals,
        methods=["GET"],
        query=ActualQuery,
        response=ActualPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/actuals",
        create_actual,
        methods=["POST"],
        body=ActualCreate,
        response=ActualPublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        tags=TAGS,
    ),
    api_route("/api/actuals/{id}", get_actual, methods=["GET"], response=ActualPublic, tags=TAGS),
    api_route(
        "/api/actuals/{id}",
        update_actual,
        methods=["PUT", "PATCH"],
        body=ActualUpdate,
        response=ActualPublic,
        tags=TAGS,
    ),
    api_route("/api/actuals/{id}", delete_actual, methods=["DELETE"], tags=TAGS),
]
