"""Webhooks: `/api/webhooks[/{id}]`, `rotate-secret`, `test`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.endpoints import delete_endpoint, get_endpoint, list_endpoint, update_endpoint
from servelo_common.http import body, json, path_id
from servelo_common.idempotency import idempotent
from servelo_common.routing import IDEMPOTENCY_KEY, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webhooks.context import webhooks
from webhooks.domain.endpoints import WithSecret
from webhooks.routes import ADMIN, admin
from webhooks.schemas.deliveries import DeliveryPublic
from webhooks.schemas.endpoints import (
    WebhookCreate,
    WebhookPublic,
    WebhookUpdate,
    WebhookWithSecret,
)
from webhooks.service import WEBHOOK_NOT_FOUND, endpoints

TAGS = ["webhooks"]


def webhook_id(request: Request) -> UUID:
    return path_id(request, message=WEBHOOK_NOT_FOUND)


def _with_secret(made: WithSecret, status: int = 200) -> Response:
    public = WebhookPublic.model_validate(made.endpoint).model_dump(mode="json")
    return json(WebhookWithSecret.model_validate({**public, "secret": made.secret}), status=status)


list_webhooks = list_endpoint(
    endpoints.list_webhooks,
    roles=ADMIN,
    context=webhooks,
    public=WebhookPublic,
    key=lambda e: (e.created_at, e.id),
    key_types=(datetime, UUID),
    sync_id=UUID,
    doc="List the org's webhooks, newest first.",
)


async def create_webhook(request: Request) -> Response:
    """Create a webhook; the answer shows its signing secret, once."""
    ident = admin(request)

    async def run() -> Response:
        data = await body(request, WebhookCreate)
        made = await endpoints.create_webhook(webhooks(request), ident=ident, data=data)
        return _with_secret(made, status=201)

    return await idempotent(request, run)


get_webhook = get_endpoint(
    endpoints.get_webhook,
    roles=ADMIN,
    context=webhooks,
    id="webhook_id",
    not_found=WEBHOOK_NOT_FOUND,
    public=WebhookPublic,
    doc="Get one webhook (never its secret).",
)
update_webhook = update_endpoint(
    endpoints.update_webhook,
    roles=ADMIN,
    context=webhooks,
    id="webhook_id",
    not_found=WEBHOOK_NOT_FOUND,
    body=WebhookUpdate,
    public=WebhookPublic,
    doc="Change url, events, description or active (the fields sent).",
)
delete_webhook = delete_endpoint(
    endpoints.delete_webhook,
    roles=ADMIN,
    context=webhooks,
    id="webhook_id",
    not_found=WEBHOOK_NOT_FOUND,
    message="Webhook deleted",
    doc="Delete a webhook, its secrets and its delivery log.",
)


async def rotate_secret(request: Request) -> Response:
    """A new signing secret (shown once); the previous one keeps signing for 24 hours."""
    ident = admin(request)
    made = await endpoints.rotate_secret(
        webhooks(request), ident=ident, webhook_id=webhook_id(request)
    )
    return _with_secret(made)


async def test_webhook(request: Request) -> Response:
    """Send a `webhook-test` event to this webhook; answers its delivery (pending)."""
    ident = admin(request)
    sent = await endpoints.send_test(webhooks(request), ident=ident, webhook_id=webhook_id(request))
    return json(DeliveryPublic.model_validate(sent), status=202)


ROUTES: list[Route] = [
    api_route(
        "/api/webhooks",
        list_webhooks,
        methods=["GET"],
        response=WebhookPublic,
        list_response=True,
        sync=True,
        tags=TAGS,
    ),
    api_route(
        "/api/webhooks",
        create_webhook,
        methods=["POST"],
        body=WebhookCreate,
        response=WebhookWithSecret,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        tags=TAGS,
    ),
    api_route(
        "/api/webhooks/{id}", get_webhook, methods=["GET"], response=WebhookPublic, tags=TAGS
    ),
    api_route(
        "/api/webhooks/{id}",
        update_webhook,
        methods=["PUT", "PATCH"],
        body=WebhookUpdate,
        response=WebhookPublic,
        tags=TAGS,
    ),
    api_route("/api/webhooks/{id}", delete_webhook, methods=["DELETE"], tags=TAGS),
    api_route(
        "/api/webhooks/{id}/rotate-secret",
        rotate_secret,
        methods=["POST"],
        response=WebhookWithSecret,
        tags=TAGS,
    ),
    api_route(
        "/api/webhooks/{id}/test",
        test_webhook,
        methods=["POST"],
        response=DeliveryPublic,
        status=202,
        errors=[409],
        tags=TAGS,
    ),
]
