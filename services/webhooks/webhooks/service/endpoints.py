"""Webhooks: list, get, create, update, delete, rotate the secret, send a test event."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError, NotFound, RequestValidationError, found
from servelo_common.events import emit, envelope
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from webhooks import events
from webhooks.addresses import AddressNotAllowed
from webhooks.context import ROTATION_OVERLAP, Webhooks
from webhooks.crypto import endpoint_aad, new_secret
from webhooks.domain.deliveries import Delivery
from webhooks.domain.endpoints import Endpoint, WithSecret
from webhooks.repository import deliveries as deliveries_repo
from webhooks.repository import endpoints as repo
from webhooks.resolver import HostUnresolved
from webhooks.schemas.endpoints import WebhookCreate, WebhookUpdate
from webhooks.service import WEBHOOK_NOT_FOUND, org_of

INACTIVE = "Webhook is inactive"


async def _check_destination(ctx: Webhooks, url: str) -> None:
    """400 on `url` unless deliveries could go there (resolved now; again at each attempt)."""
    try:
        await ctx.guard.check_url(url)
    except AddressNotAllowed as exc:
        raise RequestValidationError({"url": [str(exc)]}) from exc
    except HostUnresolved as exc:
        raise RequestValidationError({"url": ["The host name does not resolve."]}) from exc


async def _locked(conn: asyncpg.Connection, org_id: UUID, endpoint_id: UUID) -> Endpoint:
    row = await repo.get_endpoint(conn, org_id=org_id, endpoint_id=endpoint_id, lock=True)
    return Endpoint.from_row(found(row, WEBHOOK_NOT_FOUND))


async def _add_secret(ctx: Webhooks, conn: asyncpg.Connection, org_id: UUID, eid: UUID) -> str:
    secret = new_secret()
    sealed = ctx.box.seal(secret, aad=endpoint_aad(org_id, eid))
    await repo.insert_secret(conn, org_id=org_id, endpoint_id=eid, sealed=sealed)
    return secret


async def list_webhooks(ctx: Webhooks, *, ident: Identity, page: PageRequest) -> list[Endpoint]:
    org_id = org_of(ident)
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        rows = await repo.list_endpoints(
            conn, org_id=org_id, limit=page.limit + 1, before=page.cursor, since=page.since
        )
    return [Endpoint.from_row(r) for r in rows]


async def get_webhook(ctx: Webhooks, *, ident: Identity, webhook_id: UUID) -> Endpoint:
    org_id = org_of(ident)
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        row = await repo.get_endpoint(conn, org_id=org_id, endpoint_id=webhook_id)
    return Endpoint.from_row(found(row, WEBHOOK_NOT_FOUND))


async def create_webhook(ctx: Webhooks, *, ident: Identity, data: WebhookCreate) -> WithSecret:
    await _check_destination(ctx, data.url)
    org_id, eid = org_of(ident), uuid4()
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.insert_endpoint(
            conn,
            org_id=org_id,
            endpoint_id=eid,
            url=data.url,
            events=data.events,
            description=data.description,
        )
        secret = await _add_secret(ctx, conn, org_id, eid)
        endpoint = Endpoint.from_row(row)
        await emit(conn, events.WebhookCreated.of(endpoint), tenant=org_id, subject=eid)
    return WithSecret(endpoint, secret)


async def update_webhook(
    ctx: Webhooks, *, ident: Identity, webhook_id: UUID, data: WebhookUpdate
) -> Endpoint:
    changes = data.provided()
    if "url" in changes:
        await _check_destination(ctx, changes["url"])
    org_id = org_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        current = await _locked(conn, org_id, webhook_id)
        if changes.get("active") and not current.active:
            # Enabled again by an admin: a fresh start, whatever disabled it.
            changes.update(disabled_reason=None, failing_since=None)
        row = await repo.update_endpoint(
            conn, org_id=org_id, endpoint_id=webhook_id, changes=changes
        )
        assert row is not None  # locked above
        endpoint = Endpoint.from_row(row)
        await emit(conn, events.WebhookUpdated.of(endpoint), tenant=org_id, subject=webhook_id)
    return endpoint


async def delete_webhook(ctx: Webhooks, *, ident: Identity, webhook_id: UUID) -> None:
    org_id = org_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        if not await repo.delete_endpoint(conn, org_id=org_id, endpoint_id=webhook_id):
            raise NotFound(WEBHOOK_NOT_FOUND)
        await emit(
            conn, events.WebhookDeleted(id=str(webhook_id)), tenant=org_id, subject=webhook_id
        )


async def rotate_secret(ctx: Webhooks, *, ident: Identity, webhook_id: UUID) -> WithSecret:
    """A new secret; the ones signing until now keep signing next to it for 24 hours."""
    org_id = org_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        endpoint = await _locked(conn, org_id, webhook_id)
        await repo.expire_current_secrets(
            conn,
            org_id=org_id,
            endpoint_id=webhook_id,
            at=datetime.now(UTC) + ROTATION_OVERLAP,
        )
        secret = await _add_secret(ctx, conn, org_id, webhook_id)
    return WithSecret(endpoint, secret)


async def send_test(ctx: Webhooks, *, ident: Identity, webhook_id: UUID) -> Delivery:
    """A `webhook-test` event to this endpoint only (not published, not in the feed)."""
    org_id = org_of(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        endpoint = await _locked(conn, org_id, webhook_id)
        if not endpoint.active:
            raise ApiError(409, INACTIVE)
        test = events.WebhookTest(id=str(webhook_id), message="This is a test event from Servelo.")
        event = envelope(test, tenant=org_id, subject=str(webhook_id))
        row = await deliveries_repo.insert_delivery(
            conn,
            org_id=org_id,
            endpoint_id=webhook_id,
            event_id=UUID(event["id"]),
            event_type=test.type,
            payload=event,
        )
    return Delivery.from_row(row)
