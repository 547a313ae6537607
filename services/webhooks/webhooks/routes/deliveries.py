"""Deliveries: `/api/webhooks/{id}/deliveries[/{delivery_id}[/redeliver]]`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.http import json, path_id, query
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webhooks.routes import admin
from webhooks.routes.endpoints import TAGS, webhook_id
from webhooks.schemas.deliveries import DeliveryPublic, DeliveryQuery
from webhooks.service import deliveries


def _delivery_id(request: Request) -> UUID:
    return path_id(request, "delivery_id", message=deliveries.NOT_FOUND)


async def list_deliveries(request: Request) -> Response:
    """A webhook's delivery log, newest first; filter by `status`."""
    ident = admin(request)
    wid = webhook_id(request)
    flt = query(request, DeliveryQuery)
    pr = page_request(request, key_types=(datetime, UUID), sync_id=UUID)
    found = await deliveries.list_deliveries(
        request.state.db, ident=ident, webhook_id=wid, query=flt, page=pr
    )
    return page_response(
        request, found, pr, key=lambda d: (d.created_at, d.id), model=DeliveryPublic
    )


async def get_delivery(request: Request) -> Response:
    """One delivery of a webhook."""
    ident = admin(request)
    found = await deliveries.get_delivery(
        request.state.db,
        ident=ident,
        webhook_id=webhook_id(request),
        delivery_id=_delivery_id(request),
    )
    return json(DeliveryPublic.model_validate(found))


async def redeliver(request: Request) -> Response:
    """Send a delivery again now (any status); answers it, pending."""
    ident = admin(request)
    again = await deliveries.redeliver(
        request.state.db,
        ident=ident,
        webhook_id=webhook_id(request),
        delivery_id=_delivery_id(request),
    )
    return json(DeliveryPublic.model_validate(again), status=202)


_BOTH = {"delivery_id": "uuid"}
ROUTES: list[Route] = [
    api_route(
        "/api/webhooks/{id}/deliveries",
        list_deliveries,
        methods=["GET"],
        query=DeliveryQuery,
        response=DeliveryPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/webhooks/{id}/deliveries/{delivery_id}",
        get_delivery,
        methods=["GET"],
        response=DeliveryPublic,
        path_types=_BOTH,
        tags=TAGS,
    ),
    api_route(
        "/api/webhooks/{id}/deliveries/{delivery_id}/redeliver",
        redeliver,
        methods=["POST"],
        response=DeliveryPublic,
        status=202,
        errors=[409],
        path_types=_BOTH,
        tags=TAGS,
    ),
]
