"""Actuals: `/api/actuals[/{id}]`, the hours members worked."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from servelo_common.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoint,
    update_endpoint,
)
from servelo_common.routing import IDEMPOTENCY_KEY, Tag, api_route
from starlette.routing import Route

from team.domain import PLANNERS
from team.schemas.actuals import ActualCreate, ActualPublic, ActualQuery, ActualUpdate
from team.service import actuals

list_actuals = list_endpoint(
    actuals.list_actuals,
    query=ActualQuery,
    public=ActualPublic,
    key=lambda a: (a.date, a.id),
    key_types=(date, UUID),
    sync_id=UUID,
    doc="List recorded hours by date; filter by member, project and `from`/`to`.",
)
create_actual = create_endpoint(
    actuals.create_actual,
    roles=PLANNERS,
    body=ActualCreate,
    public=ActualPublic,
    idempotent=True,
    doc="Record hours a member worked on a project on one day.",
)
get_actual = get_endpoint(
    actuals.get_actual,
    id="actual_id",
    not_found=actuals.NOT_FOUND,
    public=ActualPublic,
    doc="Get one actual.",
)
update_actual = update_endpoint(
    actuals.update_actual,
    roles=PLANNERS,
    id="actual_id",
    not_found=actuals.NOT_FOUND,
    body=ActualUpdate,
    exists=actuals.get_actual,
    public=ActualPublic,
    doc="Correct recorded hours.",
)
delete_actual = delete_endpoint(
    actuals.delete_actual,
    roles=PLANNERS,
    id="actual_id",
    not_found=actuals.NOT_FOUND,
    message="Actual deleted successfully",
    doc="Delete recorded hours.",
)


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
