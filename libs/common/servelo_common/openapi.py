"""A service's OpenAPI 3.1 document, generated from its `api_route` declarations
(`servelo_common.routing`): the document of exactly what the endpoints validate and answer.

Path parameters typed (uuid unless said otherwise), query parameters from the query model,
headers (`Idempotency-Key`, `If-Match`, `If-None-Match`), JSON or multipart bodies, the
answer, and the error answers the operation can give, all with the contract's error shape;
tags with their descriptions. `operationId` is the endpoint's name in camelCase
(`list_tickets` -> `listTickets`).
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel
from starlette.routing import BaseRoute, Route

from servelo_common.routing import (
    _PATH_SCHEMAS,
    ALWAYS,
    ERROR_SCHEMA,
    IDEMPOTENCY_KEY,
    IF_MATCH,
    IF_NONE_MATCH,
    MESSAGE_SCHEMA,
    OpenApi,
    Tag,
    _error_response,
    _operation_id,
    _page_parameters,
    _query_parameters,
    _response_name,
)


def error_statuses(meta: OpenApi, route: Route, validation_status: int) -> set[int]:
    """The error answers an operation can give, from what its declaration says it reads."""
    statuses = set(ALWAYS) | set(meta.errors)
    if route.param_convertors or meta.query or meta.body or meta.upload or meta.paged:
        statuses.add(validation_status)
    if meta.body is not None or meta.upload is not None:
        statuses |= {400, 413}  # malformed JSON is always 400; bodies have a size limit
    if meta.upload is not None:
        statuses.add(415)
    if not meta.public:
        statuses.add(401)
    if IF_MATCH in meta.headers:
        statuses.add(412)
    if IDEMPOTENCY_KEY in meta.headers:
        # A malformed key is 400, a key reused for another request 422, one whose first
        # request is still running 409.
        statuses |= {400, 409, 422}
    return statuses


def _without_null_defaults(schema: dict[str, Any]) -> dict[str, Any]:
    """A partial update's field that may be left out but not be null (`NotNull`) has the
    default `null` in pydantic's schema, which its own type refuses: the default goes."""
    for prop in (schema.get("properties") or {}).values():
        if isinstance(prop, dict) and "default" in prop and prop["default"] is None:
            nullable = prop.get("type") == "null" or {"type": "null"} in prop.get("anyOf", ())
            if not nullable:
                del prop["default"]
    return schema


class _Document:
    def __init__(self, validation_status: int) -> None:
        self.validation_status = validation_status
        self.schemas: dict[str, Any] = {"Error": ERROR_SCHEMA, "Message": MESSAGE_SCHEMA}
        self.responses: dict[str, Any] = {}
        self.paths: dict[str, Any] = {}
        self.tags: dict[str, str] = {}

    def ref(self, model: type[BaseModel], mode: str) -> dict[str, Any]:
        template = "#/components/schemas/{model}"
        js = model.model_json_schema(ref_template=template, mode=mode)  # type: ignore[arg-type]
        for name, sub in js.pop("$defs", {}).items():
            self.schemas[name] = _without_null_defaults(sub)
        self.schemas[model.__name__] = _without_null_defaults(js)
        return {"$ref": template.format(model=model.__name__)}

    def error(self, status: int) -> dict[str, Any]:
        name = _response_name(status)
        self.responses.setdefault(name, _error_response(status))
        return {"$ref": f"#/components/responses/{name}"}

    def add(self, route: Route, meta: OpenApi) -> None:
        for tag in meta.tags:
            if isinstance(tag, Tag):
                self.tags.setdefault(tag.name, tag.description)
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
            op["tags"] = meta.tag_names
        op["security"] = [] if meta.public else [{"bearer": []}]
        params = self.parameters(route, meta, method)
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
                "required": meta.body_required,
                "content": {"application/json": {"schema": self.ref(meta.body, "validation")}},
            }
        op["responses"] = self.responses_of(route, meta, method)
        return op

    def parameters(self, route: Route, meta: OpenApi, method: str) -> list[dict[str, Any]]:
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
        if meta.paged:
            known = {p["name"] for p in params}
            params += [p for p in _page_parameters(meta.sync) if p["name"] not in known]
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
        return params

    def responses_of(self, route: Route, meta: OpenApi, method: str) -> dict[str, Any]:
        ok: dict[str, Any] = {"description": HTTPStatus(meta.status).phrase}
        if meta.media_types:
            binary = {"schema": {"type": "string", "format": "binary"}}
            ok["content"] = dict.fromkeys(meta.media_types, binary)
        else:
            if meta.response is not None:
                item = self.ref(meta.response, "serialization")
                schema = {"type": "array", "items": item} if meta.list_response else item
            else:
                schema = {"$ref": "#/components/schemas/Message"}
            ok["content"] = {"application/json": {"schema": schema}}
        headers: dict[str, Any] = {}
        if meta.paged:
            headers["Link"] = {
                "description": 'The next page: `<url>; rel="next"`, absent on the last page.',
                "schema": {"type": "string"},
            }
        if meta.etag:
            headers["ETag"] = {
                "description": "The version of the resource: send it back in `If-Match` to"
                " change it safely, or in `If-None-Match` to read it only when it changed.",
                "schema": {"type": "string"},
            }
        if headers:
            ok["headers"] = headers
        responses: dict[str, Any] = {str(meta.status): ok}
        if meta.etag and method == "GET":
            responses["304"] = {"description": "Not Modified: the `If-None-Match` still holds."}
        for status in sorted(error_statuses(meta, route, self.validation_status)):
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
    document: dict[str, Any] = {
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
    if doc.tags:
        document["tags"] = [{"name": n, "description": d} for n, d in doc.tags.items()]
    return document
