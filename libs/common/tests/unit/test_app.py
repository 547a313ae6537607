"""The service factory's promises: the contract's error shape for every failure, no traces."""

import contextlib
import uuid
from typing import Any

import orjson
import pytest
from pydantic import SecretStr
from servelo_common.app import ServiceSpec, create_service_app
from servelo_common.config import ServiceSettings
from servelo_common.http import body, caller, json, path_id, require_role
from servelo_common.identity import Identity, encode_identity
from servelo_common.routing import api_route
from servelo_common.schemas import ApiInput
from starlette.requests import Request
from starlette.responses import Response

SECRET = "unit-test-secret-0123456789abcdef"


class ThingCreate(ApiInput):
    name: str


async def create_thing(request: Request) -> Response:
    """Create a thing."""
    require_role(request, "admin")
    data = await body(request, ThingCreate)
    return json({"name": data.name}, status=201)


async def get_thing(request: Request) -> Response:
    """Read a thing."""
    caller(request)
    return json({"id": str(path_id(request, message="Thing not found"))})


async def explode(request: Request) -> Response:
    raise RuntimeError("secret internals")


async def versioned(request: Request) -> Response:
    """A resource with an ETag."""
    return json({"v": 1}, headers={"ETag": '"v1"', "Cache-Control": "private"})


async def replace_thing(request: Request) -> Response:
    """Replace a thing."""
    return json({})


def make_app(validation_status: int = 400) -> Any:
    settings = ServiceSettings(
        database_url="postgresql://x",
        nats_url="nats://x",
        internal_secret=SecretStr(SECRET),
        env="test",
    )
    routes = [
        api_route("/things", create_thing, methods=["POST"], body=ThingCreate),
        api_route("/things/bulk", create_thing, methods=["POST"], body=ThingCreate),
        api_route("/things/{id}", get_thing, methods=["GET"]),
        api_route("/boom", explode, methods=["GET"]),
        api_route("/versioned", versioned, methods=["GET"], etag=True),
        api_route("/things/{id}", replace_thing, methods=["PUT", "PATCH"]),
    ]
    return create_service_app(
        ServiceSpec(name="unit", routes=routes, validation_status=validation_status), settings
    )


def identity(role: str | None = "admin") -> str:
    return encode_identity(
        Identity(org_id="o", org_slug="acme", user_id="u" if role else None, role=role),
        SECRET.encode(),
    )


async def call(
    app: Any, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": raw_headers,
        "scheme": "http",
        "server": ("t", 80),
        "client": ("127.0.0.1", 1),
        "http_version": "1.1",
        "root_path": "",
        "app": app,
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # Starlette re-raises after sending the 500 response, for the server's log.
    with contextlib.suppress(RuntimeError):
        await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    hdrs = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], hdrs, orjson.loads(payload) if payload else None


async def test_unknown_route_is_404_in_the_error_shape() -> None:
    status, headers, data = await call(make_app(), "GET", "/nope")
    assert status == 404
    assert data.pop("code") == "not_found" and data.pop("request_id") == headers["x-request-id"]
    assert data == {"error": "Not found", "message": "Not found"}
    assert "x-request-id" in headers


async def test_wrong_method_is_405_in_the_error_shape() -> None:
    status, _, data = await call(make_app(), "DELETE", "/things")
    assert status == 405
    assert data["error"] == data["message"]


async def test_405_allows_every_method_of_the_path_not_only_the_first_routes() -> None:
    _, headers, _ = await call(make_app(), "DELETE", f"/things/{uuid.uuid4()}")
    assert headers["allow"] == "GET, HEAD, PATCH, PUT"


async def test_a_static_path_is_not_an_id_of_its_sibling_pattern() -> None:
    """`/things/bulk` matches `/things/{id}` as a pattern, but `bulk` is no uuid: a PUT
    there is 405 with the methods of `/things/bulk` only, not a 404 from the id route."""
    status, headers, _ = await call(make_app(), "PUT", "/things/bulk")
    assert status == 405 and headers["allow"] == "POST"
    # No other route owns `/things/not-an-id`: the id route runs and answers for itself.
    status, _, _ = await call(make_app(), "GET", "/things/not-an-id")
    assert status == 401


async def test_if_none_match_with_the_current_etag_is_304_without_a_body() -> None:
    status, headers, data = await call(make_app(), "GET", "/versioned")
    assert status == 200 and headers["etag"] == '"v1"'
    for sent in ('"v1"', 'W/"v1"', '"v0", "v1"', "*"):
        status, headers, data = await call(
            make_app(), "GET", "/versioned", headers={"If-None-Match": sent}
        )
        assert status == 304 and data is None, sent
        assert headers["etag"] == '"v1"' and "content-length" not in headers
        assert headers["cache-control"] == "private"
    status, _, data = await call(make_app(), "GET", "/versioned", headers={"If-None-Match": '"v0"'})
    assert status == 200 and data == {"v": 1}


async def test_unhandled_error_is_500_without_internals() -> None:
    status, headers, data = await call(make_app(), "GET", "/boom")
    assert status == 500
    assert (
        data.pop("code") == "internal_error" and data.pop("request_id") == headers["x-request-id"]
    )
    assert data == {"error": "Internal server error", "message": "Internal server error"}


async def test_no_identity_is_401() -> None:
    status, _, data = await call(make_app(), "GET", "/things/1")
    assert status == 401
    assert data["error"] == "Authentication required"


async def test_forged_identity_is_401() -> None:
    forged = encode_identity(
        Identity(org_id="o", org_slug="acme", user_id="u", role="admin"),
        b"not-the-secret-not-the-secret-00",
    )
    status, _, _ = await call(
        make_app(), "GET", "/things/1", headers={"x-servelo-identity": forged}
    )
    assert status == 401


async def test_wrong_role_is_403_forbidden() -> None:
    status, _, data = await call(
        make_app(),
        "POST",
        "/things",
        b'{"name": "x"}',
        {"x-servelo-identity": identity("technician")},
    )
    assert status == 403
    assert data["error"] == "Forbidden"


async def test_non_uuid_path_id_is_404_with_the_resource_message() -> None:
    status, _, data = await call(
        make_app(), "GET", "/things/123", headers={"x-servelo-identity": identity()}
    )
    assert status == 404
    assert data["message"] == "Thing not found"


@pytest.mark.parametrize(("validation_status", "expected"), [(400, 400), (422, 422)])
async def test_validation_failure_lists_fields(validation_status: int, expected: int) -> None:
    status, _, data = await call(
        make_app(validation_status), "POST", "/things", b"{}", {"x-servelo-identity": identity()}
    )
    assert status == expected
    assert data["errors"] == {"name": ["The name field is required."]}
    assert data["error"] == data["message"] == "Validation failed"


@pytest.mark.parametrize("validation_status", [400, 422])
async def test_malformed_json_is_always_400(validation_status: int) -> None:
    status, _, data = await call(
        make_app(validation_status),
        "POST",
        "/things",
        b'{"name": ',
        {"x-servelo-identity": identity()},
    )
    assert status == 400
    assert data["error"] == "Malformed JSON"


async def test_body_that_is_not_an_object_is_a_validation_error() -> None:
    status, _, data = await call(
        make_app(), "POST", "/things", b"[1, 2]", {"x-servelo-identity": identity()}
    )
    assert status == 400
    assert "body" in data["errors"]


async def test_nul_character_in_text_is_400_not_a_database_error() -> None:
    status, _, data = await call(
        make_app(), "POST", "/things", b'{"name": "a\\u0000b"}', {"x-servelo-identity": identity()}
    )
    assert status == 400
    assert data["errors"] == {"name": ["Text must not contain NUL characters."]}


async def test_a_trailing_slash_is_404_never_a_redirect_to_an_internal_address() -> None:
    """Starlette's redirect_slashes would answer 307 with a Location built from the Host
    header or, without one, the service's own address."""
    for headers in ({"host": "acme.localhost:@evil.example/steal?"}, {}):
        headers = {**headers, "x-servelo-identity": identity()}
        status, sent, data = await call(make_app(), "POST", "/things/", b'{"name": "x"}', headers)
        assert status == 404, sent
        assert "location" not in sent
        assert data.pop("code") == "not_found" and data.pop("request_id")
        assert data == {"error": "Not found", "message": "Not found"}
