"""A dependency that is away answers 503 with Retry-After in the contract's shape, never
500; a request past its deadline likewise; a bug is still a 500."""

import asyncio
import contextlib
from typing import Any

import asyncpg
import orjson
import pytest
from pydantic import SecretStr
from servelo_common.app import ServiceSpec, create_service_app
from servelo_common.config import ServiceSettings
from servelo_common.errors import ServiceUnavailable, is_unavailable
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

SECRET = "unit-test-secret-0123456789abcdef"


def raising(exc: BaseException) -> Any:
    async def endpoint(request: Request) -> Response:
        raise exc

    return endpoint


async def slow(request: Request) -> Response:
    await asyncio.sleep(5)
    return Response("late")


async def streaming(request: Request) -> Response:
    async def body() -> Any:
        yield b"first "
        await asyncio.sleep(0.4)
        yield b"second"

    return StreamingResponse(body())


CASES = {
    "refused": ConnectionRefusedError(111, "Connection refused"),
    "starting": asyncpg.CannotConnectNowError("the database system is starting up"),
    "gone": asyncpg.ConnectionDoesNotExistError("connection was closed in the middle"),
    "shutdown": asyncpg.AdminShutdownError("terminating connection"),
    "statement": asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
    "lock": asyncpg.LockNotAvailableError("canceling statement due to lock timeout"),
    "closed": asyncpg.InterfaceError("connection is closed"),
    "multi": OSError("Multiple exceptions: [Errno 111] Connect call failed"),
    "pool": ServiceUnavailable("Database busy"),
}


def make_app() -> Any:
    settings = ServiceSettings(
        database_url="postgresql://x",
        nats_url="nats://x",
        internal_secret=SecretStr(SECRET),
        env="test",
        request_timeout=0.3,
        db_statement_timeout=0.1,
    )
    routes = [api_route(f"/{name}", raising(exc), methods=["GET"]) for name, exc in CASES.items()]
    routes += [
        api_route("/bug", raising(asyncpg.InterfaceError("cannot call X")), methods=["GET"]),
        api_route("/disk", raising(FileNotFoundError(2, "No such file")), methods=["GET"]),
        api_route("/slow", slow, methods=["GET"]),
        api_route("/stream", streaming, methods=["GET"]),
    ]
    return create_service_app(ServiceSpec(name="unit", routes=routes), settings)


@pytest.mark.parametrize("name", sorted(CASES))
async def test_dependency_outage_is_503_with_retry_after(name: str) -> None:
    status, headers, data = await call(make_app(), "GET", f"/{name}")
    assert status == 503
    assert int(headers["retry-after"]) >= 1
    assert data["error"] == data["message"]
    assert data["code"] == "unavailable"
    assert data["request_id"] == headers["x-request-id"]


@pytest.mark.parametrize("path", ["/bug", "/disk"])
async def test_a_bug_is_still_a_500(path: str) -> None:
    status, _, data = await call(make_app(), "GET", path)
    assert status == 500
    assert data.pop("code") == "internal_error" and data.pop("request_id")
    assert data == {"error": "Internal server error", "message": "Internal server error"}


async def test_request_past_its_deadline_is_503_not_a_hang() -> None:
    started = asyncio.get_running_loop().time()
    status, headers, data = await call(make_app(), "GET", "/slow")
    assert asyncio.get_running_loop().time() - started < 3
    assert status == 503 and headers["retry-after"]
    assert data["code"] == "unavailable"


async def test_a_response_already_streaming_is_not_cut_by_the_deadline() -> None:
    status, _, body = await call(make_app(), "GET", "/stream", raw=True)
    assert (status, body) == (200, b"first second")


async def call(app: Any, method: str, path: str, *, raw: bool = False) -> tuple[int, Any, Any]:
    """Drive the ASGI app as a server would; the client stays connected throughout."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "method": method,
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
        "state": {},
    }
    requested = False

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # no disconnect
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with contextlib.suppress(RuntimeError):  # re-raised after a 500, for the server's log
        await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body if raw else orjson.loads(body)


def test_classification() -> None:
    assert all(is_unavailable(e) for e in CASES.values())
    assert not is_unavailable(ValueError("bad input"))
    assert not is_unavailable(asyncpg.UniqueViolationError("duplicate key"))
    assert not is_unavailable(asyncpg.InterfaceError("cannot call X: released"))
    assert not is_unavailable(FileNotFoundError(2, "missing"))


def test_statement_timeout_must_be_below_the_request_deadline() -> None:
    with pytest.raises(ValueError, match="STATEMENT_TIMEOUT"):
        ServiceSettings(
            database_url="postgresql://x",
            nats_url="nats://x",
            internal_secret=SecretStr(SECRET),
            request_timeout=5,
            db_statement_timeout=5,
        )
    with pytest.raises(ValueError, match="REQUEST_TIMEOUT"):
        ServiceSettings(
            database_url="postgresql://x",
            nats_url="nats://x",
            internal_secret=SecretStr(SECRET),
            gateway_timeout=10,
            request_timeout=10,
        )


def test_default_deadlines_nest_inside_the_gateways() -> None:
    s = ServiceSettings(
        database_url="postgresql://x", nats_url="nats://x", internal_secret=SecretStr(SECRET)
    )
    assert s.statement_timeout == 15 and s.request_deadline == 28 and s.gateway_timeout == 30
    short = ServiceSettings(
        database_url="postgresql://x",
        nats_url="nats://x",
        internal_secret=SecretStr(SECRET),
        gateway_timeout=6.0,
    )
    assert short.statement_timeout < short.request_deadline < 6
