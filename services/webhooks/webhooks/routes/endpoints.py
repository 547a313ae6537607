"""Webhooks: `/api/webhooks[/{id}]`, `rotate-secret`, `test`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.http import body, json, message, path_id
from servelo_common.idempotency import idempotent
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import IDEMPOTENCY_KEY, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webhooks.context import webhooks
from webhooks.domain.endpoints import WithSecret
from webhooks.routes import admin
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


async def list_webhooks(request: Request) -> Response:
    """List the org's webhooks, newest first."""
    ident = admin(request)
    pr = page_request(request, key_types=(datetime, UUID), sync_id=UUID)
    found = await endpoints.list_webhooks(webhooks(request), ident=ident, page=pr)
    return page_response(
        request, found, pr, key=lambda e: (e.created_at, e.id), model=WebhookPublic
    )


async def create_webhook(request: Request) -> Response:
    """Create a webhook; the answer shows its signing secret, once."""
    ident = admin(request)

    async def run() -> Response:
        data = await body(request, WebhookCreate)
        made = await endpoints.create_webhook(webhooks(request), ident=ident, data=data)
        return _with_secret(made, status=201)

    return await idempotent(request, run)


async def get_webhook(request: Request) -> Response:
    """Get one webhook (never its secret)."""
    ident = admin(request)
    found = await endpoints.get_webhook(
        webhooks(request), ident=ident, webhook_id=webhook_id(request)
    )
    return json(WebhookPublic.model_validate(found))


async def update_webhook(request: Request) -> Response:
    """Change url, events, description or active (the fields sent)."""
    ident = admin(request)
    wid = webhook_id(request)
    data = await body(request, WebhookUpdate)
    changed = await endpoints.update_webhook(
        webhooks(request), ident=ident, webhook_id=wid, data=data
    )
    return json(WebhookPublic.model_validate(changed))


async def delete_webhook(request: Request) -> Response:
    """Delete a webhook, its secrets and its delivery log."""
    ident = admin(request)
    await endpoints.delete_webhook(webhooks(request), ident=ident, webhook_id=webhook_id(request))
    return message("Webhook deleted")


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
