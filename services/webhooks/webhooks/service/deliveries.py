"""Deliveries of a webhook: list (newest first), get, redeliver."""

from __future__ import annotations

from uuid import UUID

from servelo_common.db import Pool, tenant_tx
from servelo_common.errors import ApiError, NotFound, found
from servelo_common.identity import Identity
from servelo_common.pagination import PageRequest

from webhooks.domain.deliveries import Delivery
from webhooks.domain.endpoints import Endpoint
from webhooks.repository import deliveries as repo
from webhooks.repository import endpoints as endpoints_repo
from webhooks.schemas.deliveries import DeliveryQuery
from webhooks.service import WEBHOOK_NOT_FOUND, org_of
from webhooks.service.endpoints import INACTIVE

NOT_FOUND = "Delivery not found"


async def list_deliveries(
    pool: Pool, *, ident: Identity, webhook_id: UUID, query: DeliveryQuery, page: PageRequest
) -> list[Delivery]:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        if await endpoints_repo.get_endpoint(conn, org_id=org_id, endpoint_id=webhook_id) is None:
            raise NotFound(WEBHOOK_NOT_FOUND)
        rows = await repo.list_deliveries(
            conn,
            org_id=org_id,
            endpoint_id=webhook_id,
            status=query.status,
            limit=page.limit + 1,
            before=page.cursor,
            since=page.since,
        )
    return [Delivery.from_row(r) for r in rows]


async def get_delivery(
    pool: Pool, *, ident: Identity, webhook_id: UUID, delivery_id: UUID
) -> Delivery:
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id, readonly=True) as conn:
        row = await repo.get_delivery(
            conn, org_id=org_id, endpoint_id=webhook_id, delivery_id=delivery_id
        )
    return Delivery.from_row(found(row, NOT_FOUND))


async def redeliver(
    pool: Pool, *, ident: Identity, webhook_id: UUID, delivery_id: UUID
) -> Delivery:
    """Send it again now (whatever its status), with a fresh retry window."""
    org_id = org_of(ident)
    async with tenant_tx(pool, org_id) as conn:
        row = await endpoints_repo.get_endpoint(
            conn, org_id=org_id, endpoint_id=webhook_id, lock=True
        )
        if row is None:
            raise NotFound(WEBHOOK_NOT_FOUND)
        if not Endpoint.from_row(row).active:
            raise ApiError(409, INACTIVE)
        again = await repo.redeliver(
            conn, org_id=org_id, endpoint_id=webhook_id, delivery_id=delivery_id
        )
        if again is None:
            raise NotFound(NOT_FOUND)
        await repo.wake_dispatchers(conn)
    return Delivery.from_row(again)
