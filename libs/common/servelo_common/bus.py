"""The NATS JetStream connection of a service: connect (and keep reconnecting), the stream."""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig

from servelo_common.events import STREAM, SUBJECT_PREFIX

log = logging.getLogger("servelo.bus")

# Long enough to cover any relay retry after an outage we expect to ride out; JetStream
# drops a second message with the same Nats-Msg-Id inside it.
DUPLICATE_WINDOW = 15 * 60.0
RETENTION = 14 * 24 * 3600.0
DRAIN_TIMEOUT = 2.0


class EventBus:
    def __init__(self, url: str, *, name: str) -> None:
        self.url, self.name = url, name
        self.nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self.nc is not None and self.nc.is_connected

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("event bus not connected yet")
        return self._js

    async def wait_ready(self) -> None:
        await self._ready.wait()

    def start(self) -> None:
        """Connect in the background: a service starts (and answers /healthz) without NATS."""
        self._task = asyncio.create_task(self._connect_forever(), name=f"{self.name}-bus")

    async def _connect_forever(self) -> None:
        delay = 0.2
        while True:
            try:
                self.nc = await nats.connect(
                    self.url,
                    name=self.name,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    allow_reconnect=True,
                )
                self._js = self.nc.jetstream(timeout=5)
                await ensure_stream(self._js)
                self._ready.set()
                log.info("connected to NATS", extra={"url": self.url})
                return
            except Exception as exc:
                log.warning("NATS not reachable, retrying", extra={"error": repr(exc)})
                if self.nc is not None:
                    await _quiet_close(self.nc)
                    self.nc = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.nc is not None:
            await _quiet_close(self.nc)


async def _quiet_close(nc: Client) -> None:
    try:
        if nc.is_connected:
            # Drain can wait its whole timeout (30 s) on pull subscriptions, whose replies
            # to expired fetches nobody consumes; bound it, then close.
            await asyncio.wait_for(nc.drain(), DRAIN_TIMEOUT)
    except Exception:
        log.debug("error draining NATS connection", exc_info=True)
    try:
        if not nc.is_closed:
            await nc.close()
    except Exception:
        log.debug("error closing NATS connection", exc_info=True)


async def ensure_stream(js: JetStreamContext) -> None:
    config = StreamConfig(
        name=STREAM,
        subjects=[f"{SUBJECT_PREFIX}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=RETENTION,
        duplicate_window=DUPLICATE_WINDOW,
    )
    try:
        await js.stream_info(STREAM)
    except nats.js.errors.NotFoundError:
        await js.add_stream(config)
    # An existing stream is left as it is: an operator may have raised its replicas or
    # retention, and a service restart must not set them back.
