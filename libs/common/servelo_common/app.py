"""The one service-defaults factory: every service is `create_service_app(...)` plus routes.

It gives each service the same health endpoints, error shape, request ids, JSON logs,
pool (migrated on start), event bus, outbox relay and consumers, held in lifespan state.

Every background task is a supervised `Worker` (relay, mail sender, consumers, and any a
service starts with `state.start_worker`): a failure is logged and the task restarted with
backoff, and `/readyz` fails while a dependency is away or once a worker has died. Every
request has a deadline below the gateway's, and a dependency outage answers 503 with
`Retry-After`, never 500.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servelo_common import errors, tracing
from servelo_common.bus import EventBus, StreamSettings
from servelo_common.conditional import ConditionalGet
from servelo_common.config import ServiceSettings
from servelo_common.consumer import Consumer, Subscription
from servelo_common.db import acquire, create_pool
from servelo_common.deadlines import Deadlines
from servelo_common.jsonutil import JSONResponse
from servelo_common.logs import AccessLog, configure_logging, request_id_var
from servelo_common.mail import MailSender
from servelo_common.metrics import UNMATCHED, RequestMetrics, method_label
from servelo_common.metrics_http import MetricsServer
from servelo_common.migrate import migrate
from servelo_common.openapi import openapi_document
from servelo_common.platform_metrics import PlatformMetrics
from servelo_common.relay import OutboxRelay
from servelo_common.serve import workers_from_env
from servelo_common.worker import Worker

log = logging.getLogger("servelo.app")

Hook = Callable[["ServiceState"], Awaitable[None]]


@dataclass
class ServiceState:
    """Held for the app's lifetime; routes reach it as `request.state.<field>`."""

    settings: ServiceSettings
    db: Any
    bus: EventBus
    extras: dict[str, Any] = field(default_factory=dict)
    workers: list[Worker] = field(default_factory=list)

    def start_worker(self, worker: Worker) -> Worker:
        """Start a supervised background task; /readyz watches it, shutdown stops it."""
        worker.start()
        self.workers.append(worker)
        return worker

    def dead_workers(self) -> list[str]:
        return [w.name for w in self.workers if not w.alive]


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    routes: Sequence[BaseRoute]
    migrations: Path | None = None
    subscriptions: Sequence[Subscription] = ()
    # Invalid input answers 400, except APIs whose reference says 422 (team).
    validation_status: int = 400
    on_startup: Sequence[Hook] = ()
    on_shutdown: Sequence[Hook] = ()


class RequestContext:
    """Pure ASGI: request id in, request id out, the request's metrics and one access-log
    line. `route` is the matched route's template (`/api/tickets/{id}`), never the raw path."""

    def __init__(self, app: ASGIApp, service: str, metrics: RequestMetrics) -> None:
        self.app, self.service, self.metrics = app, service, metrics
        self.access = AccessLog()
        self.templates: dict[str, str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        token = request_id_var.set(rid)
        started = time.perf_counter()
        status = 500
        answering = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, answering
            if message["type"] == "http.response.start":
                answering = True
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Answered here, inside the request id's scope (Starlette's outermost error
            # middleware would answer after it, without the id), and not re-raised: the
            # trace is logged once, with the request id.
            log.exception("unhandled error", extra={"path": scope["path"]})
            if answering:
                raise
            response = errors.error_response(500, "Internal server error")
            await response(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            template = UNMATCHED if route is None else self._template(route)
            method = scope["method"]
            self.metrics.get(self.service, template, method_label(method)).observe(status, elapsed)
            self.access(method, template, scope["path"], status, round(elapsed * 1000, 2))
            request_id_var.reset(token)

    def _template(self, route: Any) -> str:
        path = getattr(route, "path", None)
        if not isinstance(path, str):
            return UNMATCHED
        template = self.templates.get(path)
        if template is None:  # once per route: `{id:uuid}` is labelled `{id}`
            template = self.templates[path] = _CONVERTER.sub(r"{\1}", path)
        return template


_CONVERTER = re.compile(r"{([^}:]+):[^}]+}")


class RequestDeadline:
    """Pure ASGI: a request whose answer has not started within `seconds` is cancelled
    (its connection goes back to the pool) and answered 503 with Retry-After. Set below
    the gateway's timeout, so the client gets this answer rather than a 504 while the
    service is still working for nobody. A response already streaming is left alone."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app, self.seconds = app, seconds
        # One timer for every request's deadline, not one each (servelo_common.deadlines).
        self.deadlines = Deadlines(seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in ("/healthz", "/readyz"):
            await self.app(scope, receive, send)
            return
        started = False
        deadline = self.deadlines.scope()

        async def send_started(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                deadline.disarm()
            await send(message)

        try:
            async with deadline:
                await self.app(scope, receive, send_started)
        except TimeoutError:
            if not deadline.expired() or started:
                raise
            log.warning(
                "request deadline passed",
                extra={"path": scope["path"], "seconds": self.seconds},
            )
            response = errors.unavailable_response("Request took too long")
            await response(scope, receive, send)


def _request_id(scope: Scope) -> str:
    for key, value in scope["headers"]:
        if key == b"x-request-id" and 0 < len(value) <= 128:
            return str(value.decode("latin-1"))
    return uuid.uuid4().hex


async def _start_metrics(
    spec: ServiceSpec, settings: ServiceSettings, pool: Any, bus: EventBus, requests: Any
) -> MetricsServer | None:
    """`GET /metrics` on SERVELO_METRICS_PORT (0: none), never on the service's own port."""
    if not settings.metrics_port:
        return None
    registry = CollectorRegistry()
    registry.register(requests)
    platform = PlatformMetrics(
        spec.name, pool, bus, [f"{spec.name}-{sub.name}" for sub in spec.subscriptions]
    )
    registry.register(platform)

    async def render() -> bytes:
        await platform.refresh()
        # This app's families, then the process-wide ones (counters, process_*, python_*).
        return generate_latest(registry) + generate_latest(REGISTRY)

    server = MetricsServer(render)
    # SERVELO_WORKERS processes each count their own requests: worker k of n listens on
    # SERVELO_METRICS_PORT + k (the first of those ports still free), so each is scraped
    # on its own and no counter jumps between processes (docs/operations.md).
    workers = workers_from_env()
    for offset in range(workers):
        try:
            await server.start(settings.host, settings.metrics_port + offset)
            break
        except RuntimeError:
            if offset == workers - 1:
                raise
    return server


def create_service_app(spec: ServiceSpec, settings: ServiceSettings) -> Starlette:
    configure_logging(spec.name, settings.log_level)
    tracing.setup(spec.name)  # on only with OTEL_EXPORTER_OTLP_ENDPOINT (docs/operations.md)
    requests = RequestMetrics()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        pool = await create_pool(
            settings.database_url,
            schema=spec.name,
            application_name=spec.name,
            min_size=settings.db_pool_min,
            max_size=settings.db_pool_max,
            statement_timeout=settings.statement_timeout,
            lock_timeout=settings.db_lock_timeout,
            idle_in_transaction_timeout=settings.db_idle_in_transaction_timeout,
            acquire_timeout=settings.db_acquire_timeout,
        )
        if settings.migrate_on_start:
            async with acquire(pool) as conn:
                # A migration may rightly take long or wait for the previous replica's lock;
                # the pool's reset (RESET ALL) restores the timeouts afterwards.
                await conn.execute("SET statement_timeout = 0; SET lock_timeout = 0")
                await migrate(conn, schema=spec.name, folder=spec.migrations)
            # Migrations may have created types the pooled connections cached before.
            await pool.expire_connections()
        bus = EventBus(
            settings.nats_url,
            name=spec.name,
            stream=StreamSettings(
                replicas=settings.nats_stream_replicas,
                max_age=settings.nats_stream_max_age,
                max_bytes=settings.nats_stream_max_bytes,
            ),
        )
        bus.start()
        state = ServiceState(settings=settings, db=pool, bus=bus)
        state.start_worker(OutboxRelay(pool, bus, schema=spec.name))
        state.start_worker(MailSender(pool, settings, schema=spec.name))
        for sub in spec.subscriptions:
            state.start_worker(Consumer(pool, bus, service=spec.name, subscription=sub))
        for hook in spec.on_startup:
            await hook(state)
        metrics = await _start_metrics(spec, settings, pool, bus, requests)
        log.info("service started")
        try:
            yield {"db": pool, "bus": bus, "settings": settings, "service": state}
        finally:
            if metrics is not None:
                await metrics.close()
            for hook in spec.on_shutdown:
                await hook(state)
            for worker in reversed(state.workers):
                await worker.stop()
            await bus.close()
            await pool.close()

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        problems = []
        try:
            async with request.state.db.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1")
        except Exception:
            problems.append("database")
        if not request.state.bus.connected:
            problems.append("nats")
        problems.extend(f"worker {name}" for name in request.state.service.dead_workers())
        if problems:
            return errors.error_response(503, f"Not ready: {', '.join(problems)}")
        return JSONResponse({"status": "ready"})

    document: dict[str, Any] = {}

    async def openapi(request: Request) -> Response:
        if not document:
            document.update(
                openapi_document(
                    f"Servelo {spec.name}", spec.routes, validation_status=spec.validation_status
                )
            )
        return JSONResponse(document)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        *spec.routes,
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={
            errors.ApiError: errors.api_error_handler,
            HTTPException: errors.http_exception_handler,
            **dict.fromkeys(errors.DEPENDENCY_ERRORS, errors.dependency_error_handler),
            Exception: errors.unhandled_error_handler,
        },
    )
    # Starlette would answer `/api/x/` with a redirect to `/api/x` built from the request's
    # Host (or the service's own address): never an absolute URL from a request. Such a
    # path is simply not a route (404); docs/decisions.md "Gateway limits".
    app.router.redirect_slashes = False
    app.state.settings = settings
    app.state.validation_status = spec.validation_status
    app.add_middleware(ConditionalGet)
    app.add_middleware(RequestDeadline, seconds=settings.request_deadline)
    app.add_middleware(RequestContext, service=spec.name, metrics=requests)
    # Outermost: the request's trace id is set before its first log line, and after its last.
    app.add_middleware(tracing.TraceRequests)
    return app
