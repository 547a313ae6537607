"""Real receivers for the deliveries: aiohttp servers on 127.0.0.1 that record every request
and answer as a test tells them (fail n times, slowly, with a redirect)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import orjson
import pytest
from aiohttp import web
from servelo_dev.testing import eventually
from servelo_dev.testing.client import ApiClient
from servelo_dev.testing.factories import Json, make_webhook
from servelo_dev.testing.plugin import TestStack
from standardwebhooks import Webhook


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        event: dict[str, Any] = orjson.loads(self.body)
        return event

    def verify(self, secret: str) -> dict[str, Any]:
        """The event, if signed with `secret` (raises WebhookVerificationError otherwise)."""
        result: dict[str, Any] = Webhook(secret).verify(self.body, self.headers)
        return result


@dataclass
class Receiver:
    """`fail` requests answered 500 first; each answer after `delay` seconds; `status` the
    answer after that; `redirect_to` answers 307 to that URL instead."""

    fail: int = 0
    delay: float = 0.0
    status: int = 204
    redirect_to: str | None = None
    received: list[Received] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.received.append(Received(dict(request.headers), await request.read()))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.redirect_to:
            raise web.HTTPTemporaryRedirect(self.redirect_to)
        if self.fail > 0:
            self.fail -= 1
            return web.Response(status=500, text="not now")
        return web.Response(status=self.status)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # Slow answers are cut short at the end of a test.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/hooks"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.received if r.event.get("type") == event_type]

    async def wait_for(
        self, count: int, event_type: str | None = None, timeout: float = 15
    ) -> None:
        async def enough() -> None:
            got = self.of_type(event_type) if event_type else self.received
            assert len(got) >= count, f"{len(got)} of {count} received"

        await eventually(enough, timeout=timeout, interval=0.05)


@pytest.fixture
async def webhooks_db(stack: TestStack) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a transaction that is rolled back: the dispatchers see nothing."""
    conn = await asyncpg.connect(stack.admin_dsn, server_settings={"search_path": "webhooks"})
    tx = conn.transaction()
    await tx.start()
    try:
        yield conn
    finally:
        await tx.rollback()
        await conn.close()


async def insert_due(
    conn: asyncpg.Connection,
    *,
    org_id: str,
    endpoint_id: str,
    due_at: datetime | None = None,
    count: int = 1,
    event_id: uuid.UUID | None = None,
    payload: dict[str, Any] | None = None,
) -> None:
    """`count` pending deliveries of one webhook, due at `due_at` (default: now), written
    straight to the table for what the API cannot make (an old due time, many at once).
    `event_id` (with `count` 1) and `payload` make one the dispatcher can send."""
    await conn.execute(
        "INSERT INTO deliveries (id, org_id, endpoint_id, event_id, type, payload,"
        " next_attempt_at) SELECT gen_random_uuid(), $1, $2, COALESCE($3, gen_random_uuid()),"
        " $4, $5, COALESCE($6, now()) FROM generate_series(1, $7)",
        uuid.UUID(org_id),
        uuid.UUID(endpoint_id),
        event_id,
        "webhook-test" if payload is not None else "ticket-created",
        orjson.dumps(payload).decode() if payload is not None else None,
        due_at,
        count,
    )


Receivers = Callable[..., Awaitable[Receiver]]
MakeWebhook = Callable[..., Awaitable[Json]]


@pytest.fixture
async def receivers() -> AsyncIterator[Callable[..., Awaitable[Receiver]]]:
    started: list[Receiver] = []

    async def make(**behaviour: Any) -> Receiver:
        receiver = await Receiver(**behaviour).start()
        started.append(receiver)
        return receiver

    yield make
    for receiver in started:
        await receiver.stop()


async def deliveries_of(client: ApiClient, webhook_id: str, **params: Any) -> list[dict[str, Any]]:
    resp = await client.get(f"/api/webhooks/{webhook_id}/deliveries", params=params or None)
    assert resp.status == 200, resp
    found: list[dict[str, Any]] = resp.json
    return found


@pytest.fixture
async def webhook() -> AsyncIterator[Callable[..., Awaitable[Json]]]:
    """`make_webhook` whose webhooks are deleted after the test, so that the dispatcher does
    not go on retrying to receivers that are gone. For `ticket-created` unless `events` is
    given (with `*` a webhook also gets its own `webhook-created`)."""
    made: list[tuple[ApiClient, str]] = []

    async def make(client: ApiClient, **fields: Any) -> Json:
        hook = await make_webhook(client, **{"events": ["ticket-created"], **fields})
        made.append((client, hook["id"]))
        return hook

    yield make
    for client, hook_id in made:
        await client.delete(f"/api/webhooks/{hook_id}")
