"""Wiring and lifecycle: build the gateway from settings, serve, keep state fresh, shut down."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
import time
from collections.abc import Awaitable, Callable

import orjson
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from servelo_common.metrics_http import MetricsServer
from servelo_common.worker import Job

from gateway import tracing
from gateway.app import Gateway
from gateway.collector import GatewayCollector
from gateway.config import Settings
from gateway.events import EventSync
from gateway.jwks import JwksSource
from gateway.jwtverify import FastJwtVerifier
from gateway.openapi import OpenApiAggregator
from gateway.orglookup import OrgLookup
from gateway.protocol import ClientProtocol
from gateway.tenants import OrgRegistry
from gateway.tokens import Authenticator

log = logging.getLogger("gateway")

HOUSEKEEPING_SECONDS = 5.0
STATS_SECONDS = 60.0
SHUTDOWN_GRACE_SECONDS = 5.0


async def start_server(gw: Gateway, host: str, port: int) -> asyncio.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: ClientProtocol(gw), host, port, reuse_address=True, backlog=2048
    )


Jobs = dict[str, Callable[[], Awaitable[None]]]


def build_gateway(settings: Settings) -> tuple[Gateway, Jobs, EventSync | None]:
    """The gateway plus the background jobs that keep its registry and keys current."""
    registry = OrgRegistry()
    verifier = FastJwtVerifier(issuer=settings.jwt_issuer, audience=settings.jwt_audience)
    authenticator = Authenticator(
        verifier=verifier, secret=settings.secret, max_entries=settings.claims_cache_size
    )
    gw = Gateway.from_settings(settings, registry=registry, authenticator=authenticator)
    gw.tracer = tracing.setup()
    gw.openapi = OpenApiAggregator([r.service.url for r in gw.routes])
    jobs: Jobs = {}
    sync: EventSync | None = None
    if settings.gateway_static_orgs is not None:
        registry.load(orjson.loads(settings.gateway_static_orgs.read_bytes()))
    else:
        assert settings.nats_url
        sync = EventSync(
            nats_url=settings.nats_url,
            auth_url=settings.auth_url,
            secret=settings.secret,
            registry=registry,
            authenticator=authenticator,
        )
        gw.is_ready = lambda: sync.ready
        gw.org_lookup = OrgLookup(
            registry, sync.fetch_org, max_per_second=settings.org_lookups_per_second
        )
        jobs["gateway-events"] = sync.run
    if settings.gateway_static_jwks is not None:
        authenticator.set_jwks(orjson.loads(settings.gateway_static_jwks.read_bytes()))
    else:
        jwks = JwksSource(url=f"{settings.auth_url}/api/auth/jwks", authenticator=authenticator)
        gw.refresh_jwks = jwks.refresh_for_unknown_kid
        jobs["gateway-jwks"] = lambda: jwks.run(settings.jwks_refresh_interval)
    return gw, jobs, sync


async def _housekeeping(gw: Gateway) -> None:
    last_stats = time.monotonic()
    # Idle keep-alive connections are swept here, so sweep at least twice per timeout.
    period = min(HOUSEKEEPING_SECONDS, gw.client_limits.keepalive_timeout / 2)
    while True:
        await asyncio.sleep(period)
        gw.housekeeping()
        now = time.monotonic()
        idle = gw.client_limits.keepalive_timeout
        for conn in list(gw.connections):
            if isinstance(conn, ClientProtocol) and conn.idle_for(now) > idle:
                conn.close()
        if now - last_stats >= STATS_SECONDS:
            last_stats = now
            snap = gw.stats.snapshot_and_reset()
            if snap["requests"]:
                log.info("traffic", extra={**snap, "seconds": STATS_SECONDS})


async def start_admin(gw: Gateway, host: str, port: int) -> MetricsServer:
    """The admin listener: `/metrics`, `/healthz`, `/readyz`; never the public port."""
    registry = CollectorRegistry()
    registry.register(GatewayCollector(gw))

    async def render() -> bytes:
        return generate_latest(registry) + generate_latest(REGISTRY)

    admin = MetricsServer(render, ready=lambda: gw.is_ready())
    await admin.start(host, port)
    return admin


async def serve(settings: Settings) -> None:
    gw, jobs, sync = build_gateway(settings)
    admin = None
    if settings.gateway_admin_port:
        admin = await start_admin(gw, settings.gateway_host, settings.gateway_admin_port)
    server = await start_server(gw, settings.gateway_host, settings.gateway_port)
    # Everything allocated so far (modules, settings, tables) lives as long as the process:
    # keep it out of the cyclic GC's full passes, which would otherwise walk it all.
    gc.freeze()
    # Supervised: a job that fails is logged and started again, never lost quietly, and
    # the gateway is not ready while one has died.
    jobs["gateway-housekeeping"] = lambda: _housekeeping(gw)
    workers = [Job(name, factory) for name, factory in jobs.items()]
    for worker in workers:
        worker.start()
    ready = gw.is_ready
    gw.is_ready = lambda: ready() and all(w.alive for w in workers)
    log.info(
        "gateway listening",
        extra={
            "host": settings.gateway_host,
            "port": settings.gateway_port,
        },
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down")
    await shutdown(gw, server)
    if admin is not None:
        await admin.close()
    for worker in workers:
        await worker.stop()
    if sync is not None:
        with contextlib.suppress(Exception):
            await sync.close()


async def shutdown(gw: Gateway, server: asyncio.Server) -> None:
    """Stop accepting, close idle keep-alive connections, let in-flight requests finish."""
    server.close()
    deadline = time.monotonic() + SHUTDOWN_GRACE_SECONDS
    while time.monotonic() < deadline:
        busy = False
        for conn in list(gw.connections):
            if isinstance(conn, ClientProtocol):
                if conn.current is None and not conn.queue:
                    conn.close()
                else:
                    busy = True
        if not busy:
            break
        await asyncio.sleep(0.05)
    for conn in list(gw.connections):
        if isinstance(conn, ClientProtocol):
            conn.abort()
    gw.pool.close_all()
