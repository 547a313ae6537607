"""Routes that describe themselves, so every service serves its part of the OpenAPI document.

A route is declared once with the pydantic models its endpoint validates with:

    api_route("/api/tickets", list_tickets, methods=["GET"], query=TicketQuery,
              response=TicketPublic, list_response=True, tags=[TICKETS])

and the document follows from the declarations (`servelo_common.openapi`). The endpoint is
held to its declaration (`servelo_common.declared`): reading a query, a body, a header or an
upload it does not declare, or not reading one it does, is a `DeclarationMismatch`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from starlette.routing import Route

from servelo_common.declared import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    IF_NONE_MATCH,
    DeclarationMismatch,
    Endpoint,
    Header,
    OpenApi,
    Tag,
    held_to,
)
from servelo_common.pagination import DEFAULT_LIMIT, MAX_LIMIT

__all__ = [
    "IDEMPOTENCY_KEY",
    "IF_MATCH",
    "IF_NONE_MATCH",
    "DeclarationMismatch",
    "Header",
    "OpenApi",
    "Tag",
    "api_route",
]


def api_route(
    path: str,
    endpoint: Endpoint,
    *,
    methods: Sequence[str],
    body: type[BaseModel] | None = None,
    body_required: bool = True,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    list_response: bool = False,
    paged: bool | None = None,
    sync: bool = False,
    status: int = 200,
    public: bool = False,
    tags: Sequence[Tag | str] = (),
    summary: str | None = None,
    operation_id: str | None = None,
    headers: Sequence[Header] = (),
    errors: Sequence[int] = (),
    upload: str | None = None,
    media_types: Sequence[str] = (),
    path_types: Mapping[str, str] | None = None,
    etag: bool = False,
) -> Route:
    """`list_response`: a JSON array, by default a page (`paged`: `limit`, `cursor` and
    `Link`); `sync`: the page also takes `updated_since` (`pagination`, incremental sync);
    `body_required=False`: an empty body means `{}`; `upload`: the multipart field
    that carries a file; `media_types`: a binary answer of these types instead of JSON;
    `path_types`: parameter name -> `uuid` (the default), `integer` or `string`; `etag`:
    the answer carries an `ETag`, and a GET honours `If-None-Match`; `errors`: statuses
    beyond those the declaration implies (`servelo_common.openapi`)."""
    meta = OpenApi(
        body=body,
        body_required=body_required,
        query=query,
        response=response,
        list_response=list_response,
        paged=list_response if paged is None else paged,
        sync=sync,
        status=status,
        public=public,
        tags=tuple(tags),
        summary=summary or (endpoint.__doc__ or "").strip().split("\n")[0],
        operation_id=operation_id or to_camel(endpoint.__name__),
        headers=tuple(headers),
        errors=tuple(errors),
        upload=upload,
        media_types=tuple(media_types),
        path_types=dict(path_types or {}),
        etag=etag,
    )
    route = Route(path, held_to(endpoint, meta), methods=list(methods))
    route.openapi = meta  # type: ignore[attr-defined]
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


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """A parameter's schema with its `$defs` references (enums) written out in place."""
    if isinstance(schema, dict):
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(mode="validation")
    required = set(schema.get("required", ()))
    params = []
    defs = schema.get("$defs", {})
    for name, prop in schema.get("properties", {}).items():
        prop = _inline(dict(prop), defs)
        prop.pop("title", None)
        branches = prop.get("anyOf")
        if branches and {"type": "null"} in branches:
            # A query parameter is absent, never null.
            rest = [b for b in branches if b != {"type": "null"}]
            prop.pop("anyOf")
            prop = {**prop, **rest[0]} if len(rest) == 1 else {**prop, "anyOf": rest}
        if "default" in prop and prop["default"] is None:
            prop.pop("default")  # absent means "no filter"; a query value is never null
        param: dict[str, Any] = {"name": name, "in": "query", "schema": prop}
        if name in required:
            param["required"] = True
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


UPDATED_SINCE: dict[str, Any] = {
    "name": "updated_since",
    "in": "query",
    "description": "Incremental sync: only the rows changed at or after this instant (ISO"
    " 8601; without an offset it is UTC), oldest change first, in `(updated_at, id)` order"
    " whatever the list's own order; the `Link` cursor continues in that order.",
    "schema": {
        "type": "string",
        "format": "date-time",
        "pattern": r"^(19|2\d)\d\d-",
        "examples": ["2026-03-01T09:30:00Z"],
    },
}


def _page_parameters(sync: bool = False) -> list[dict[str, Any]]:
    return [
        *([UPDATED_SINCE] if sync else []),
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
