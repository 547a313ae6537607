"""Routes that describe themselves, so every service serves its part of the OpenAPI document.

A route is declared once with the pydantic models its endpoint validates with:

    api_route("/api/tickets", list_tickets, methods=["GET"], query=TicketQuery,
              response=TicketPublic, list_response=True, tags=["tickets"])

and the document follows from the declarations: path parameters typed (uuid unless said
otherwise), query parameters from the query model, headers (`Idempotency-Key`, `If-Match`),
JSON or multipart bodies, the answer, and the error answers the operation can give, all with
the contract's error shape. `operationId` is the endpoint's name in camelCase
(`list_tickets` -> `listTickets`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from starlette.routing import BaseRoute, Route

from servelo_common.pagination import DEFAULT_LIMIT, MAX_LIMIT


@dataclass(frozen=True)
class Header:
    """A request header an operation reads."""

    name: str
    description: str
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


IDEMPOTENCY_KEY = Header(
    "Idempotency-Key",
    "Makes a create safe to retry: the same key within 24 hours replays the first answer"
    " (with `Idempotent-Replayed: true`) instead of creating again.",
    {"type": "string", "minLength": 1, "maxLength": 255},
)
IF_MATCH = Header(
    "If-Match",
    "The `ETag` the change is based on: 412 when the resource changed since.",
)
IF_NONE_MATCH = Header(
    "If-None-Match",
    "An `ETag` the client holds: 304 without a body when the resource is unchanged.",
)


@dataclass(frozen=True)
class OpenApi:
    """What `api_route` records on a route for the document."""

    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    list_response: bool
    status: int
    public: bool
    tags: tuple[str, ...]
    summary: str
    operation_id: str
    headers: tuple[Header, ...]
    errors: tuple[int, ...]
    upload: str | None
    path_types: Mapping[str, str]
    etag: bool


def api_route(
    path: str,
    endpoint: Callable[..., Any],
    *,
    methods: Sequence[str],
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    list_response: bool = False,
    status: int = 200,
    public: bool = False,
    tags: Sequence[str] = (),
    summary: str | None = None,
    operation_id: str | None = None,
    headers: Sequence[Header] = (),
    errors: Sequence[int] = (),
    upload: str | None = None,
    path_types: Mapping[str, str] | None = None,
    etag: bool = False,
) -> Route:
    """`upload`: the multipart field that carries a file; `path_types`: parameter name ->
    `uuid` (the default), `integer` or `string`; `etag`: the answer carries an `ETag`, and a
    GET honours `If-None-Match`; `errors`: statuses beyond those every operation can give."""
    route = Route(path, endpoint, methods=list(methods))
    route.openapi = OpenApi(  # type: ignore[attr-defined]
        body=body,
        query=query,
        response=response,
        list_response=list_response,
        status=status,
        public=public,
        tags=tuple(tags),
        summary=summary or (endpoint.__doc__ or "").strip().split("\n")[0],
        operation_id=operation_id or to_camel(endpoint.__name__),
        headers=tuple(headers),
        errors=tuple(errors),
        upload=upload,
        path_types=dict(path_types or {}),
        etag=etag,
    )
    return route


ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every error answer (CONTRACT.md, Errors).",
    "required": ["error", "message", "code", "request_id"],
    "properties": {
        "error": {"type": "string", "description": "A human message."},
        "message": {"type": "string", "description": "The same message."},
        "code": {
            "type": "string",
            "pattern": "^[a-z][a-z0-9_]*$",
            "description": "Stable and machine-readable: `validation_failed`, `not_found`, ...",
        },
        "request_id": {"type": "string", "description": "The answer's `X-Request-Id`."},
        "errors": {
            "type": "object",
            "description": "Per field, what is wrong with it (invalid input only).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "suggestion": {"type": "string"},
    },
    "examples": [
        {
            "error": "Validation failed",
            "message": "Validation failed",
            "code": "validation_failed",
            "request_id": "3f2a9c1e-7",
            "errors": {"email": ["The email field is required."]},
        }
    ],
}
MESSAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["message"],
    "properties": {"message": {"type": "string"}},
    "examples": [{"message": "Ticket deleted successfully"}],
}
_RATE_HEADERS = {
    "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
    "RateLimit": {"description": "IETF RateLimit header.", "schema": {"type": "string"}},
    "RateLimit-Policy": {
        "description": "IETF RateLimit-Policy header.",
        "schema": {"type": "string"},
    },
}
# Statuses any operation may answer: unknown tenant (404), suspended org (403), rate
# limits (429), a dependency away (503) come from the gateway and the platform, not the route.
ALWAYS = (403, 404, 429, 503)
_PATH_SCHEMAS = {
    "uuid": {"type": "string", "format": "uuid"},
    "integer": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    "string": {"type": "string", "minLength": 1, "maxLength": 63},
}


def _operation_id(base: str, method: str, methods: Collection[str]) -> str:
    """One id per operation: a route that takes both PUT and PATCH (the same partial update)
    names the PATCH one `patchX` next to `updateX`."""
    if method != "PATCH" or len(set(methods) - {"HEAD"}) == 1:
        return base
    return "patch" + base[len("update") :] if base.startswith("update") else base + "Patch"


def _response_name(status: int) -> str:
    return HTTPStatus(status).phrase.replace(" ", "").replace("-", "")


def _error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": HTTPStatus(status).phrase,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status in (429, 503):
        response["headers"] = (
            _RATE_HEADERS if status == 429 else {"Retry-After": _RATE_HEADERS["Retry-After"]}
        )
    return response


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    params = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        prop.pop("title", None)
        branches = prop.get("anyOf")
        if branches and {"type": "null"} in branches:
            # A query parameter is absent, never null.
            rest = [b for b in branches if b != {"type": "null"}]
            prop.pop("anyOf")
            prop = {**prop, **rest[0]} if len(rest) == 1 else {**prop, "anyOf": rest}
            if prop.get("default") is None:
                prop.pop("default", None)
        param: dict[str, Any] = {"name": name, "in": "query", "schema": prop}
        if name in required:
            param["required"] = True
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


def _page_parameters() -> list[dict[str, Any]]:
    return [
        {
            "name": "limit",
            "in": "query",
            "description": f"Items per page (default {DEFAULT_LIMIT}, at most {MAX_LIMIT}).",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        },
        {
            "name": "cursor",
            "in": "query",
            "description": "Where the page starts: the `cursor` of the previous page's"
            ' `Link: <...>; rel="next"` header, as it is.',
            "schema": {"type": "string", "maxLength": 512},
        },
    ]


class _Document:
    def __init__(self, validation_status: int) -> None:
        self.validation_status = validation_status
        self.schemas: dict[str, Any] = {"Error": ERROR_SCHEMA, "Message": MESSAGE_SCHEMA}
        self.responses: dict[str, Any] = {}
        self.paths: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        template = "#/components/schemas/{model}"
        js = model.model_json_schema(ref_template=template, mode=mode)  # type: ignore[arg-type]
        for name, sub in js.pop("$defs", {}).items():
            self.schemas[name] = sub
        self.schemas[model.__name__] = js
        return {"$ref": template.format(model=model.__name__)}

    def error(self, status: int) -> dict[str, Any]:
        name = _response_name(status)
        self.responses.setdefault(name, _error_response(status))
        return {"$ref": f"#/components/responses/{name}"}

    def add(self, route: Route, meta: OpenApi) -> None:
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                item = self.paths.setdefault(route.path, {})
                item[method.lower()] = self.operation(route, meta, method)

    def operation(self, route: Route, meta: OpenApi, method: str) -> dict[str, Any]:
        op: dict[str, Any] = {
            "operationId": _operation_id(meta.operation_id, method, route.methods or ()),
            "summary": meta.summary,
        }
        if meta.tags:
            op["tags"] = list(meta.tags)
        op["security"] = [] if meta.public else [{"bearer": []}]
        params = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": _PATH_SCHEMAS[meta.path_types.get(name, "uuid")],
            }
            for name in route.param_convertors
        ]
        if meta.query is not None:
            params += _query_parameters(meta.query)
        if meta.list_response:
            known = {p["name"] for p in params}
            params += [p for p in _page_parameters() if p["name"] not in known]
        headers = list(meta.headers)
        if meta.etag and method == "GET":
            headers.append(IF_NONE_MATCH)
        for header in headers:
            param: dict[str, Any] = {
                "name": header.name,
                "in": "header",
                "description": header.description,
                "schema": dict(header.schema),
            }
            if header.required:
                param["required"] = True
            params.append(param)
        if params:
            op["parameters"] = params
        if meta.upload is not None:
            upload = {
                "type": "object",
                "required": [meta.upload],
                "properties": {meta.upload: {"type": "string", "format": "binary"}},
            }
            op["requestBody"] = {
                "required": True,
                "content": {"multipart/form-data": {"schema": upload}},
            }
        elif meta.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": self.ref(meta.body, "validation")}},
            }
        op["responses"] = self.responses_of(route, meta, method)
        return op

    def responses_of(self, route: Route, meta: OpenApi, method: str) -> dict[str, Any]:
        ok: dict[str, Any] = {"description": HTTPStatus(meta.status).phrase}
        if meta.response is not None:
            item = self.ref(meta.response, "serialization")
            schema = {"type": "array", "items": item} if meta.list_response else item
        else:
            schema = {"$ref": "#/components/schemas/Message"}
        ok["content"] = {"application/json": {"schema": schema}}
        headers: dict[str, Any] = {}
        if meta.list_response:
            headers["Link"] = {
                "description": 'The next page: `<url>; rel="next"`, absent on the last page.',
                "schema": {"type": "string"},
            }
        if meta.etag:
            headers["ETag"] = {"description": "The version of the resource.", "schema": {}}
        if headers:
            ok["headers"] = headers
        responses: dict[str, Any] = {str(meta.status): ok}
        if meta.etag and method == "GET":
            responses["304"] = {"description": "Not Modified: the `If-None-Match` still holds."}
        statuses = set(ALWAYS) | set(meta.errors)
        if route.param_convertors or meta.query or meta.body or meta.upload or meta.list_response:
            statuses.add(self.validation_status)
        if meta.body is not None or meta.upload is not None:
            statuses |= {400, 413}  # malformed JSON is always 400; bodies have a size limit
        if meta.upload is not None:
            statuses.add(415)
        if not meta.public:
            statuses.add(401)
        if meta.etag and method in ("PUT", "PATCH", "DELETE"):
            statuses.add(412)
        for status in sorted(statuses):
            responses[str(status)] = self.error(status)
        return responses


def openapi_document(
    title: str, routes: Sequence[BaseRoute], *, validation_status: int = 400
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the `api_route`s among `routes` (plain routes, such as
    `/internal/...`, stay out of it)."""
    doc = _Document(validation_status)
    for route in routes:
        meta = getattr(route, "openapi", None)
        if isinstance(meta, OpenApi) and isinstance(route, Route):
            doc.add(route, meta)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0"},
        "paths": doc.paths,
        "components": {
            "schemas": doc.schemas,
            "responses": doc.responses,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
