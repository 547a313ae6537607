"""Endpoints are held to their api_route declarations: strictly in development and test
(a 500 a test sees), and in production only in the log (the answer goes out)."""

from __future__ import annotations

import logging
from typing import Any, Literal

import pytest
from pydantic import SecretStr
from servelo_common.app import ServiceSpec, create_service_app
from servelo_common.config import ServiceSettings
from servelo_common.http import json, query
from servelo_common.routing import api_route
from servelo_common.schemas import ApiInput
from starlette.requests import Request
from starlette.responses import Response

from .test_app import call

SECRET = "unit-test-secret-0123456789abcdef"


class Filter(ApiInput):
    q: str | None = None


async def undeclared_query(request: Request) -> Response:
    """Reads a query its route does not declare."""
    query(request, Filter)
    return json({"ok": True})


async def undeclared_etag(request: Request) -> Response:
    """Answers an ETag its route does not declare."""
    return json({"ok": True}, headers={"ETag": '"v1"'})


async def declared_query(request: Request) -> Response:
    """Reads the query it declares."""
    query(request, Filter)
    return json({"ok": True})


def app(env: Literal["development", "test", "production"]) -> Any:
    settings = ServiceSettings(
        database_url="postgresql://x",
        nats_url="nats://x",
        internal_secret=SecretStr(SECRET),
        env=env,
    )
    routes = [
        api_route("/undeclared-query", undeclared_query, methods=["GET"], public=True),
        api_route("/undeclared-etag", undeclared_etag, methods=["GET"], public=True),
        api_route("/declared", declared_query, methods=["GET"], query=Filter, public=True),
    ]
    return create_service_app(ServiceSpec(name="unit", routes=routes), settings)


@pytest.mark.parametrize("path", ["/undeclared-query", "/undeclared-etag"])
async def test_a_mismatch_is_a_500_in_test(path: str) -> None:
    status, _, data = await call(app("test"), "GET", path)
    assert status == 500 and data["code"] == "internal_error"


@pytest.mark.parametrize("path", ["/undeclared-query", "/undeclared-etag"])
async def test_a_mismatch_is_only_logged_in_production(path: str) -> None:
    service = app("production")  # configures the JSON logs, which replace pytest's capture
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign,assignment]  # a list sink is the simplest handler
    logger = logging.getLogger("servelo.declared")
    logger.addHandler(handler)
    try:
        status, _, data = await call(service, "GET", path)
    finally:
        logger.removeHandler(handler)
    assert status == 200 and data == {"ok": True}
    assert [r.getMessage() for r in records] == ["declaration mismatch"]


async def test_what_is_declared_passes() -> None:
    status, _, data = await call(app("test"), "GET", "/declared")
    assert status == 200 and data == {"ok": True}
