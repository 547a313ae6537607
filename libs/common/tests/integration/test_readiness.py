"""`/readyz` of a service built by the factory: ready with its dependencies and workers,
not ready once a background worker has died."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from pydantic import SecretStr
from servelo_common.app import ServiceSpec, ServiceState, create_service_app
from servelo_common.config import ServiceSettings
from servelo_common.worker import Worker
from servelo_dev.testing.plugin import TestStack


class Idle(Worker):
    async def run(self) -> None:
        await asyncio.Event().wait()


@contextlib.asynccontextmanager
async def running(app: Any) -> AsyncIterator[dict[str, Any]]:
    """The ASGI lifespan, as a server runs it; yields the lifespan state."""
    state: dict[str, Any] = {}
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    task = asyncio.create_task(
        app({"type": "lifespan", "state": state, "asgi": {"version": "3.0"}}, inbox.get, outbox.put)
    )
    await inbox.put({"type": "lifespan.startup"})
    started = await asyncio.wait_for(outbox.get(), 30)
    assert started["type"] == "lifespan.startup.complete", started
    try:
        yield state
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(outbox.get(), 30)
        await task


async def get(app: Any, state: dict[str, Any], path: str) -> tuple[int, Any]:
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [],
        "scheme": "http",
        "server": ("t", 80),
        "client": ("127.0.0.1", 1),
        "http_version": "1.1",
        "root_path": "",
        "app": app,
        "state": dict(state),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, orjson.loads(body)


async def test_readyz_fails_once_a_worker_has_died(
    stack: TestStack, scratch: tuple[str, str]
) -> None:
    schema, dsn = scratch
    settings = ServiceSettings(
        database_url=dsn,
        nats_url=stack.nats_url,
        internal_secret=SecretStr("test-secret-0123456789abcdef-0123456789"),
        env="test",
        metrics_port=0,
    )
    workers: list[Worker] = []

    async def start_idle(state: ServiceState) -> None:
        workers.append(state.start_worker(Idle("idle-worker")))

    app = create_service_app(ServiceSpec(name=schema, routes=[], on_startup=[start_idle]), settings)
    async with running(app) as state:

        async def ready() -> tuple[int, Any]:
            for _ in range(100):
                status, body = await get(app, state, "/readyz")
                if status == 200:
                    break
                await asyncio.sleep(0.1)
            return status, body

        assert (await ready())[0] == 200
        service = state["service"]
        assert {w.name for w in service.workers} >= {
            f"{schema}-outbox-relay",
            f"{schema}-mail",
            "idle-worker",
        }
        task = workers[0]._task
        assert task is not None
        task.cancel()  # killed by something other than the supervisor
        with contextlib.suppress(asyncio.CancelledError):
            await task
        status, body = await get(app, state, "/readyz")
        assert status == 503
        assert "worker idle-worker" in body["error"]
