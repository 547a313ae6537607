"""The NATS JetStream connection of a service: connect (and keep reconnecting), the stream."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, replace
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig

from servelo_common.events import REPLAY_PREFIX, STREAM, SUBJECT_PREFIX

log = logging.getLogger("servelo.bus")

SUBJECTS = (f"{SUBJECT_PREFIX}.>", f"{REPLAY_PREFIX}.>")
# Long enough to cover any relay retry after an outage we expect to ride out; JetStream
# drops a second message with the same Nats-Msg-Id inside it.
DUPLICATE_WINDOW = 15 * 60.0
RETENTION = 14 * 24 * 3600.0
DRAIN_TIMEOUT = 2.0


class EventBus:
    def __init__(self, url: str, *, name: str, stream: StreamSettings | None = None) -> None:
        self.url, self.name = url, name
        self.stream = stream
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
                    # A cluster's nodes, comma-separated (the client also learns them from
                    # the server it reaches first).
                    [u.strip() for u in self.url.split(",") if u.strip()],
                    name=self.name,
                    max_reconnect_attempts=-1,
                    reconnect_time_wait=0.5,
                    connect_timeout=2,
                    allow_reconnect=True,
                )
                self._js = self.nc.jetstream(timeout=5)
                await ensure_stream(self._js, self.stream)
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


@dataclass(frozen=True)
class StreamSettings:
    """What an operator sets for the stream (SERVELO_NATS_STREAM_*)."""

    replicas: int = 1
    max_age: float = RETENTION
    max_bytes: int = -1  # no limit


def _at_least(current: float, wanted: float, unlimited: float) -> bool:
    """Whether a limit `current` already allows `wanted` (`unlimited` means no limit)."""
    if current == unlimited:
        return True
    return wanted != unlimited and current >= wanted


async def ensure_stream(js: JetStreamContext, settings: StreamSettings | None = None) -> None:
    """Create the stream, or raise an existing one's replicas and retention to `settings`.

    Nothing is ever lowered: an operator may have raised them by hand, and a service
    restarting with the defaults must not undo that (nor may an older replica)."""
    wanted = settings or StreamSettings()
    try:
        info = await js.stream_info(STREAM)
    except nats.js.errors.NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=STREAM,
                subjects=list(SUBJECTS),
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                max_age=wanted.max_age,
                max_bytes=wanted.max_bytes,
                num_replicas=wanted.replicas,
                duplicate_window=DUPLICATE_WINDOW,
            )
        )
        log.info("stream created", extra={"stream": STREAM, "replicas": wanted.replicas})
        return
    config = info.config
    changes: dict[str, Any] = {}
    if (config.num_replicas or 1) < wanted.replicas:
        changes["num_replicas"] = wanted.replicas
    if not _at_least(config.max_age or 0.0, wanted.max_age, 0.0):
        changes["max_age"] = wanted.max_age
    max_bytes = config.max_bytes if config.max_bytes is not None else -1
    if not _at_least(max_bytes, wanted.max_bytes, -1):
        changes["max_bytes"] = wanted.max_bytes
    missing = [s for s in SUBJECTS if s not in (config.subjects or [])]
    if missing:  # a stream made before replays existed
        changes["subjects"] = [*(config.subjects or []), *missing]
    if (config.duplicate_window or 0.0) < DUPLICATE_WINDOW:
        changes["duplicate_window"] = DUPLICATE_WINDOW
    if changes:
        await js.update_stream(replace(config, **changes))
        log.info("stream raised", extra={"stream": STREAM, **changes})
