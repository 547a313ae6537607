"""What a thin route needs: who is calling, the parsed body, path and query values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar
from uuid import UUID

import orjson
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from servelo_common.declared import declaration, note
from servelo_common.errors import (
    INVALID_JSON,
    ApiError,
    Forbidden,
    RequestValidationError,
    Unauthorized,
)
from servelo_common.errors import validation_errors as _validation_errors
from servelo_common.identity import (
    IDENTITY_HEADER,
    INTERNAL_HEADER,
    Identity,
    InvalidIdentity,
    decode_identity,
    verify_internal,
)
from servelo_common.jsonutil import JSONResponse
from servelo_common.logs import org_var
from servelo_common.output import public

M = TypeVar("M", bound=BaseModel)


def _secret(request: Request) -> bytes:
    secret: bytes = request.app.state.settings.secret
    return secret


def _max_age(request: Request) -> float:
    max_age: float = request.app.state.settings.identity_max_age
    return max_age


def tenant(request: Request) -> Identity:
    """The tenant the gateway resolved from the host; for public routes like login."""
    cached = request.scope.get("servelo.identity")
    if isinstance(cached, Identity):
        return cached
    value = request.headers.get(IDENTITY_HEADER)
    if not value:
        raise Unauthorized()
    try:
        ident = decode_identity(value, _secret(request), max_age=_max_age(request))
    except InvalidIdentity as exc:
        raise Unauthorized() from exc
    request.scope["servelo.identity"] = ident
    org_var.set(ident.org_slug)  # this request's task: every later log line names the org
    return ident


def caller(request: Request) -> Identity:
    """The signed-in user; 401 when there is none."""
    ident = tenant(request)
    if ident.user_id is None:
        raise Unauthorized()
    return ident


def require_role(request: Request, *roles: str) -> Identity:
    """The signed-in user, if their role is one of `roles`; 403 `Forbidden` otherwise."""
    ident = caller(request)
    if ident.role not in roles:
        raise Forbidden()
    return ident


def require_internal(request: Request) -> None:
    """Service-to-service routes (`/internal/...`): signed with the internal secret."""
    if not verify_internal(request.headers.get(INTERNAL_HEADER), _secret(request)):
        raise Forbidden()


NUL_MESSAGE = "Text must not contain NUL characters."


# Deeper JSON is refused before anything walks it (the contract: 400 past 64 levels).
MAX_JSON_DEPTH = 64
DEPTH_MESSAGE = f"JSON must not be nested more than {MAX_JSON_DEPTH} levels deep."


def _containers(data: Any) -> Iterator[tuple[Any, str, int]]:
    """Every dict and list in parsed JSON with its path and depth (the top level is 1),
    walked with a stack: no recursion for a deep body to exhaust."""
    stack: list[tuple[Any, str, int]] = [(data, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, dict | list):
            yield value, path, depth
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend(
                (item, _path(path, key), depth + 1)
                for key, item in items
                if isinstance(item, dict | list)
            )


def _path(parent: str, key: Any) -> str:
    return f"{parent}.{key}" if parent else str(key)


def _check_depth(data: Any) -> None:
    for _, _, depth in _containers(data):
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, "JSON nested too deeply", errors={"body": [DEPTH_MESSAGE]})


def _nul_field(data: Any) -> str | None:
    """Where a NUL character hides (`line_items.0.description`), if anywhere."""
    if isinstance(data, str):
        return "body" if "\x00" in data else None
    for value, path, _ in _containers(data):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if (type(item) is str and "\x00" in item) or (type(key) is str and "\x00" in key):
                return _path(path, key)
    return None


def _refuse_nul(data: Any) -> None:
    # Postgres text cannot hold NUL: refuse it as invalid input, not fail in the database.
    # Only in what the model kept: a key it ignores never reaches the database.
    field = _nul_field(data)
    if field:
        raise RequestValidationError({field: [NUL_MESSAGE]})


async def json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        # Malformed JSON is always 400, even where validation answers 422.
        raise ApiError(400, "Malformed JSON", code=INVALID_JSON) from exc
    _check_depth(data)
    return data


def validate(model: type[M], data: Any) -> M:
    if not isinstance(data, dict):
        raise RequestValidationError({"body": ["The request body must be a JSON object."]})
    try:
        valid = model.model_validate(data)
    except ValidationError as exc:
        raise RequestValidationError(_validation_errors(exc)) from exc
    _refuse_nul(valid.model_dump())
    return valid


BODY_REQUIRED = "A JSON body is required."


async def body(request: Request, model: type[M]) -> M:
    """The JSON body validated by `model`: 400 (or the service's 422) with field errors.
    No body at all is `{}` only where the route declares it optional (`body_required`)."""
    note(request.scope, "body", model)
    meta = declaration(request.scope)
    if meta is not None and meta.body_required and not (await request.body()).strip():
        raise RequestValidationError({"body": [BODY_REQUIRED]})
    return validate(model, await json_body(request))


def query(request: Request, model: type[M]) -> M:
    """Query parameters validated by `model` (repeated keys: the last one wins)."""
    note(request.scope, "query", model)
    if not request.scope.get("query_string"):
        return _no_query(model)
    return validate(model, dict(request.query_params))


# Per query model: what an empty query string validates to, where that is always the same.
_NO_QUERY: dict[type[BaseModel], BaseModel] = {}


def _no_query(model: type[M]) -> M:
    """`validate(model, {})`, validated once: most requests have no query string (a get by
    id), and its validation and NUL check were ~5 % of such a request. A model whose
    defaults are made per request (`default_factory`) or that has a model validator is
    validated each time; one that refuses `{}` raises each time, as `validate` does."""
    found = _NO_QUERY.get(model)
    if found is None:
        valid = validate(model, {})
        if model.__pydantic_decorators__.model_validators or any(
            f.default_factory is not None for f in model.model_fields.values()
        ):
            return valid
        found = _NO_QUERY[model] = valid
    return found.model_copy(deep=True)  # type: ignore[return-value]


def path_id(request: Request, name: str = "id", *, message: str = "Not found") -> UUID:
    """A UUID path parameter. Anything else cannot name a resource: 404, not 400."""
    try:
        return UUID(str(request.path_params[name]))
    except (ValueError, KeyError) as exc:
        raise ApiError(404, message) from exc


def json(content: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if isinstance(content, BaseModel):
        content = content.model_dump(mode="json")
    elif isinstance(content, list) and content and isinstance(content[0], BaseModel):
        content = [c.model_dump(mode="json") for c in content]
    return JSONResponse(content, status_code=status, headers=headers)


def message(text: str, status: int = 200) -> Response:
    return JSONResponse({"message": text}, status_code=status)


def resource(
    model: type[BaseModel], obj: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A domain object as its `XPublic` `model`, with its `ETag` when it has one (`obj.etag`)."""
    etag = getattr(obj, "etag", None)
    all_headers = {"ETag": etag} if isinstance(etag, str) else {}
    return json(public(model, obj), status=status, headers={**all_headers, **(headers or {})})


def resources(
    model: type[BaseModel], objs: Sequence[Any], headers: dict[str, str] | None = None
) -> Response:
    """A list of domain objects as a JSON array of `model`."""
    return json([public(model, o) for o in objs], headers=headers)


async def update_body(request: Request, model: type[M], exists: Callable[[], Awaitable[Any]]) -> M:
    """The body of an update. When it is invalid, `exists()` (a service `get_...`, which
    raises 404 for an id that names nothing) runs first: 404 wins over invalid input."""
    try:
        return await body(request, model)
    except RequestValidationError:
        await exists()
        raise
