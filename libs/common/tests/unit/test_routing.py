"""The OpenAPI document follows from the route declarations and the models they validate."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from openapi_spec_validator import validate
from pydantic import Field
from servelo_common.openapi import openapi_document
from servelo_common.routing import IDEMPOTENCY_KEY, IF_MATCH, api_route
from servelo_common.schemas import ApiInput, ApiOutput, Email, Money
from starlette.requests import Request
from starlette.responses import Response


class WidgetCreate(ApiInput):
    name: Annotated[str, Field(min_length=1, max_length=50)]
    price: Annotated[Money, Field(gt=0)]
    owner_email: Email | None = None


class WidgetQuery(ApiInput):
    q: Annotated[str, Field(max_length=100)] | None = None
    status: Annotated[str, Field(pattern="^(open|closed)$")] = "open"


class WidgetPublic(ApiOutput):
    id: UUID
    name: str


async def list_widgets(request: Request) -> Response:
    """List widgets."""
    raise NotImplementedError


async def create_widget(request: Request) -> Response:
    """Create a widget."""
    raise NotImplementedError


async def update_widget(request: Request) -> Response:
    """Update a widget."""
    raise NotImplementedError


async def add_photo(request: Request) -> Response:
    """Attach a photo."""
    raise NotImplementedError


async def login(request: Request) -> Response:
    """Sign in."""
    raise NotImplementedError


ROUTES = [
    api_route(
        "/api/widgets",
        list_widgets,
        methods=["GET"],
        query=WidgetQuery,
        response=WidgetPublic,
        list_response=True,
        tags=["widgets"],
    ),
    api_route(
        "/api/widgets",
        create_widget,
        methods=["POST"],
        body=WidgetCreate,
        response=WidgetPublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        errors=[409],
    ),
    api_route(
        "/api/widgets/{id}",
        update_widget,
        methods=["PUT", "PATCH"],
        body=WidgetCreate,
        response=WidgetPublic,
        headers=[IF_MATCH],
        etag=True,
    ),
    api_route(
        "/api/widgets/{id}/photos",
        add_photo,
        methods=["POST"],
        upload="file",
        response=WidgetPublic,
        status=201,
    ),
    api_route(
        "/api/roles/{id}",
        login,
        methods=["GET"],
        path_types={"id": "integer"},
        public=True,
        operation_id="getRole",
    ),
]


def document(validation_status: int = 400) -> dict[str, Any]:
    return openapi_document("Test", ROUTES, validation_status=validation_status)


def test_the_document_is_valid_openapi_3_1() -> None:
    validate(document())


def test_operation_ids_come_from_the_endpoint_names() -> None:
    paths = document()["paths"]
    assert paths["/api/widgets"]["get"]["operationId"] == "listWidgets"
    assert paths["/api/widgets"]["post"]["operationId"] == "createWidget"
    assert paths["/api/roles/{id}"]["get"]["operationId"] == "getRole"
    assert paths["/api/widgets/{id}"]["put"]["operationId"] == "updateWidget"
    assert paths["/api/widgets/{id}"]["patch"]["operationId"] == "patchWidget"


def test_parameters_are_typed_from_paths_query_models_and_headers() -> None:
    paths = document()["paths"]
    listing = {p["name"]: p for p in paths["/api/widgets"]["get"]["parameters"]}
    assert listing["q"]["in"] == "query" and listing["q"]["schema"]["maxLength"] == 100
    assert listing["status"]["schema"]["pattern"] == "^(open|closed)$"
    assert listing["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}
    assert "cursor" in listing
    put = {p["name"]: p for p in paths["/api/widgets/{id}"]["put"]["parameters"]}
    assert put["id"]["schema"] == {"type": "string", "format": "uuid"}
    assert put["If-Match"]["in"] == "header"
    role = paths["/api/roles/{id}"]["get"]["parameters"][0]
    assert role["schema"]["type"] == "integer"
    create = {p["name"] for p in paths["/api/widgets"]["post"]["parameters"]}
    assert create == {"Idempotency-Key"}


def test_bodies_carry_their_constraints() -> None:
    doc = document()
    widget = doc["components"]["schemas"]["WidgetCreate"]["properties"]
    number = next(b for b in widget["price"]["anyOf"] if b["type"] == "number")
    assert number["exclusiveMinimum"] == 0
    email = widget["owner_email"]["anyOf"][0]
    assert email["format"] == "email"
    upload = doc["paths"]["/api/widgets/{id}/photos"]["post"]["requestBody"]["content"]
    schema = upload["multipart/form-data"]["schema"]
    assert schema["required"] == ["file"]
    assert schema["properties"]["file"] == {"type": "string", "format": "binary"}


def test_each_operation_lists_the_errors_it_can_give() -> None:
    doc = document(validation_status=422)
    post = doc["paths"]["/api/widgets"]["post"]["responses"]
    assert {"201", "400", "401", "403", "404", "409", "413", "422", "429", "503"} <= set(post)
    put = doc["paths"]["/api/widgets/{id}"]["put"]["responses"]
    assert "412" in put
    assert "401" not in doc["paths"]["/api/roles/{id}"]["get"]["responses"]  # public
    photo = doc["paths"]["/api/widgets/{id}/photos"]["post"]["responses"]
    assert "415" in photo
    too_many = doc["components"]["responses"]["TooManyRequests"]
    assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(too_many["headers"])
    ref = too_many["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/Error"


def test_lists_announce_the_next_page_and_answers_their_etag() -> None:
    paths = document()["paths"]
    assert "Link" in paths["/api/widgets"]["get"]["responses"]["200"]["headers"]
    assert "ETag" in paths["/api/widgets/{id}"]["put"]["responses"]["200"]["headers"]
