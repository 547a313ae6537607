"""Keeps the org registry and revocations current: snapshot from auth + JetStream events.

Each replica must see every event, so it uses an ephemeral ordered consumer delivering only
new messages, subscribed BEFORE the snapshot is fetched; events that arrive meanwhile are
held and applied after the snapshot (they carry full objects, so replaying is harmless).

After a NATS outage the server may have dropped the ephemeral consumer and events may have
been missed, so every reconnect subscribes afresh and reloads the snapshot; a periodic
reload bounds the damage of anything else going wrong.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp
import nats
import orjson
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js.api import DeliverPolicy
from servelo_common.bus import ensure_stream
from servelo_common.events import STREAM
from servelo_common.identity import internal_headers

from gateway.tenants import OrgRegistry
from gateway.tokens import SCOPES, Authenticator

log = logging.getLogger("gateway.events")

SUBJECTS = "servelo.events.auth.>"
RESYNC_INTERVAL = 300.0
ORG_EVENTS = {"org-created", "org-updated", "org-deleted"}
# `{"scope": "user"|"session"|"org", "ids": [...], "revoked_at": <unix s>}` (docs/events/auth.md)
TOKENS_REVOKED = "tokens-revoked"


class EventSync:
    def __init__(
        self,
        *,
        nats_url: str,
        auth_url: str,
        secret: bytes,
        registry: OrgRegistry,
        authenticator: Authenticator,
    ) -> None:
        self.nats_url = nats_url
        self.auth_url = auth_url
        self.secret = secret
        self.registry = registry
        self.authenticator = authenticator
        self.nc: NatsClient | None = None
        self._held: list[tuple[str, dict[str, Any]]] | None = []
        self._sub: Any = None
        self._resync: asyncio.Task[None] | None = None
        self._sync_lock = asyncio.Lock()

    @property
    def ready(self) -> bool:
        return self.registry.loaded and self.nc is not None and self.nc.is_connected

    async def run(self) -> None:
        self.nc = await _retry("nats connect", self._connect)
        await self._sync()
        while True:
            await asyncio.sleep(RESYNC_INTERVAL)
            await self._sync()

    async def _on_reconnected(self) -> None:
        if self._resync is None or self._resync.done():
            self._resync = asyncio.create_task(self._sync())

    async def _sync(self) -> None:
        """Subscribe, then load the snapshot, then apply what arrived in between."""
        async with self._sync_lock:
            self._held = []
            await _retry("jetstream subscribe", self._subscribe)
            await self._load_snapshot()

    async def _load_snapshot(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            orgs = await _retry("org snapshot", lambda: self._get(session, "/internal/orgs"))
            revocations = await _retry(
                "revocation snapshot", lambda: self._get(session, "/internal/revocations")
            )
        self.registry.load(orgs)
        for item in revocations:
            try:
                self._revoke(item.get("scope"), [item.get("id")], item.get("revoked_at"))
            except (TypeError, ValueError):
                log.exception("revocation could not be applied", extra={"item": item})
        held, self._held = self._held or [], None
        for kind, data in held:
            self.apply(kind, data)
        log.info("org registry loaded", extra={"orgs": len(orgs), "events_replayed": len(held)})

    async def close(self) -> None:
        if self.nc is not None and not self.nc.is_closed:
            await self.nc.close()

    async def _connect(self) -> NatsClient:
        return await nats.connect(
            self.nats_url,
            name="servelo-gateway",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            allow_reconnect=True,
            reconnected_cb=self._on_reconnected,
        )

    async def _subscribe(self) -> None:
        assert self.nc is not None
        js = self.nc.jetstream(timeout=5)
        await ensure_stream(js)  # idempotent; whoever starts first creates it
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
        self._sub = await js.subscribe(
            SUBJECTS,
            stream=STREAM,
            cb=self._on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
        )

    async def fetch_org(self, slug: str) -> dict[str, Any] | None:
        """One org by slug from auth (a registry miss); None when auth has none."""
        timeout = aiohttp.ClientTimeout(total=2)
        headers = internal_headers(self.secret)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(f"{self.auth_url}/internal/orgs/{slug}", headers=headers) as resp,
        ):
            if resp.status == 404:
                return None
            resp.raise_for_status()
            value = await resp.json(content_type=None)
        return value if isinstance(value, dict) else None

    async def _get(self, session: aiohttp.ClientSession, path: str) -> list[dict[str, Any]]:
        headers = internal_headers(self.secret)
        async with session.get(self.auth_url + path, headers=headers) as resp:
            resp.raise_for_status()
            value = await resp.json(content_type=None)
        if not isinstance(value, list):
            raise ValueError(f"{path} did not return a JSON array")
        return value

    async def _on_message(self, msg: Msg) -> None:
        kind = msg.subject.rsplit(".", 1)[-1]
        try:
            event = orjson.loads(msg.data)
            data = event.get("data") if isinstance(event, dict) else None
        except orjson.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            log.error("malformed event ignored", extra={"subject": msg.subject})
            return
        if self._held is not None and kind in ORG_EVENTS:
            self._held.append((kind, data))
        else:
            self.apply(kind, data)

    def apply(self, kind: str, data: dict[str, Any]) -> None:
        try:
            if kind in ("org-created", "org-updated"):
                self.registry.upsert(data)
            elif kind == "org-deleted":
                self.registry.delete(data)
            elif kind == TOKENS_REVOKED:
                self._revoke(data.get("scope"), data.get("ids"), data.get("revoked_at"))
        except (KeyError, TypeError, ValueError):
            log.exception("event could not be applied", extra={"type": kind})

    def _revoke(self, scope: Any, ids: Any, revoked_at: Any) -> None:
        if scope not in SCOPES or not isinstance(ids, list):
            raise ValueError(f"malformed revocation: scope {scope!r}")
        at = float(revoked_at)
        for subject in ids:
            self.authenticator.revoke(scope, str(subject), at)


async def _retry(what: str, attempt: Any) -> Any:
    """Until it works: dependencies may start after the gateway (readyz says 503 meanwhile)."""
    delay = 0.2
    while True:
        try:
            return await attempt()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # any failure of a dependency: log, wait, again
            log.warning("waiting for dependency", extra={"step": what, "error": repr(exc)})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
