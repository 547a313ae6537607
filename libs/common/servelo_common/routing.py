"""Routes that describe themselves, so every service serves its part of the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel
from starlette.routing import BaseRoute, Route


def api_route(
    path: str,
    endpoint: Callable[..., Any],
    *,
    methods: Sequence[str],
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    list_response: bool = False,
    status: int = 200,
    public: bool = False,
    tags: Sequence[str] = (),
    summary: str | None = None,
) -> Route:
    route = Route(path, endpoint, methods=list(methods))
    route.openapi = {  # type: ignore[attr-defined]
        "body": body,
        "response": response,
        "list": list_response,
        "status": status,
        "public": public,
        "tags": list(tags),
        "summary": summary or (endpoint.__doc__ or "").strip().split("\n")[0],
    }
    return route


_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}


def _openapi_path(path: str) -> str:
    return path.replace(":uuid", "").replace(":int", "").replace(":path", "")


def openapi_document(title: str, routes: Sequence[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {"Error": _ERROR_SCHEMA}
    ref = "#/components/schemas/{model}"

    def schema_ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        js = model.model_json_schema(ref_template=ref, mode=mode)  # type: ignore[arg-type]
        for name, sub in js.pop("$defs", {}).items():
            schemas[name] = sub
        schemas[model.__name__] = js
        return {"$ref": ref.format(model=model.__name__)}

    for route in routes:
        meta = getattr(route, "openapi", None)
        if meta is None or not isinstance(route, Route):
            continue
        for method in sorted(route.methods or ()):
            if method == "HEAD":
                continue
            op: dict[str, Any] = {"summary": meta["summary"], "tags": meta["tags"], "responses": {}}
            if not meta["public"]:
                op["security"] = [{"bearer": []}]
            if meta["body"] is not None:
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {"schema": schema_ref(meta["body"], "validation")}
                    },
                }
            ok: dict[str, Any] = {"description": "OK"}
            if meta["response"] is not None:
                item = schema_ref(meta["response"], "serialization")
                schema = {"type": "array", "items": item} if meta["list"] else item
                ok["content"] = {"application/json": {"schema": schema}}
            op["responses"][str(meta["status"])] = ok
            op["responses"]["default"] = {
                "description": "Error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
            params = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in route.param_convertors
            ]
            if params:
                op["parameters"] = params
            paths.setdefault(_openapi_path(route.path), {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0"},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
