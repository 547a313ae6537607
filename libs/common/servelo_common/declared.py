"""What an `api_route` declares (`OpenApi`), and holding its endpoint to it.

The helpers that read a request (`http.query`, `http.body`, `pagination.page_request`,
`idempotency.idempotent`, `etag.if_match`, the upload readers) `note` what they read. A
successful answer of an endpoint that read something its route does not declare, or did
not read what it declares (or answered another status, or an `ETag` it does not declare),
is a 500 `DeclarationMismatch` in development and test: the document cannot drift from
the code unnoticed, since any test of the route, and the schemathesis run over every
operation, fail first. In production it is an error in the log and the answer goes out as
it is: a bug in a declaration must not turn a committed write into a 500.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Scope

log = logging.getLogger("servelo.declared")

_META = "servelo.openapi"
_USED = "servelo.used"


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
    " (with `Idempotent-Replayed: true`) instead of creating again; 422 when the key was"
    " used for another request, 409 while its first request is still running.",
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
class Tag:
    """A resource's group of operations, with the sentence the docs page shows for it."""

    name: str
    description: str


class DeclarationMismatch(RuntimeError):
    """An endpoint read (or answered) something its `api_route` does not declare."""


@dataclass(frozen=True)
class OpenApi:
    """What `api_route` records on a route for the document."""

    body: type[BaseModel] | None
    body_required: bool
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    list_response: bool
    paged: bool
    sync: bool
    status: int
    public: bool
    tags: tuple[Tag | str, ...]
    summary: str
    operation_id: str
    headers: tuple[Header, ...]
    errors: tuple[int, ...]
    upload: str | None
    media_types: tuple[str, ...]
    path_types: Mapping[str, str]
    etag: bool

    @property
    def tag_names(self) -> list[str]:
        return [t.name if isinstance(t, Tag) else t for t in self.tags]

    def declared(self) -> set[str]:
        """What the endpoint must read, in `note`'s words."""
        used = {"query"} if self.query else set()
        if self.body:
            used.add("body")
        if self.upload:
            used.add("upload")
        if self.paged:
            used.add("page")
        if self.sync:
            used.add("sync")
        used |= {h.name.lower() for h in self.headers if h in (IDEMPOTENCY_KEY, IF_MATCH)}
        return used


def note(scope: Scope, what: str, model: type[BaseModel] | None = None) -> None:
    """Called by the helpers that read a part of a request (`query`, `body`, `upload`,
    `page`, `sync` (`updated_since`), `idempotency-key`, `if-match`); the model is the one
    the endpoint validates with."""
    meta = scope.get(_META)
    if not isinstance(meta, OpenApi):
        return  # a plain route (`/internal/...`, `/healthz`): nothing declared, nothing held
    declared = {"query": meta.query, "body": meta.body}.get(what, model)
    if what not in meta.declared() or declared is not model:
        shown = f"{what}={model.__name__}" if model else what
        _mismatch(scope, f"{meta.operation_id} reads {shown}: declare it in api_route")
    scope.setdefault(_USED, set()).add(what)


def _mismatch(scope: Scope, problem: str) -> None:
    """Raise in development and test; in production, log and let the request go on."""
    settings = getattr(getattr(scope.get("app"), "state", None), "settings", None)
    if getattr(settings, "env", "production") != "production":
        raise DeclarationMismatch(problem)
    log.error("declaration mismatch", extra={"problem": problem, "path": scope.get("path")})


def check_answer(scope: Scope, meta: OpenApi, response: Response) -> None:
    if not 200 <= response.status_code < 300 or "idempotent-replayed" in response.headers:
        return  # errors end early, and a replay runs nothing: only full successes tell
    problems = []
    missing = meta.declared() - scope.get(_USED, set())
    if missing:
        problems.append(f"declares {sorted(missing)} but did not read them")
    if response.status_code != meta.status:
        problems.append(f"answered {response.status_code}, declares {meta.status}")
    if ("etag" in response.headers) != meta.etag:
        problems.append(f"ETag on the answer: {'etag' in response.headers}, declared {meta.etag}")
    if problems:
        _mismatch(scope, f"{meta.operation_id} " + "; ".join(problems))


Endpoint = Callable[[Request], Awaitable[Response]]


def path_fits(meta: OpenApi, params: Mapping[str, Any]) -> bool:
    """Whether the path's values are of the declared types: `/api/users/invite` is not a
    `/api/users/{id}`, although the pattern matches it."""
    for name, value in params.items():
        kind = meta.path_types.get(name, "uuid")
        if kind == "integer" and not str(value).isdigit():
            return False
        if kind == "uuid":
            try:
                UUID(str(value))
            except ValueError:
                return False
    return True


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (the `Allow` of a 405): routes whose
    pattern matches and whose declared path types fit the values."""
    methods: set[str] = set()
    # Without the request's own path params, which `matches` would merge into each route's.
    scope = {**request.scope, "path_params": {}}
    for route in request.app.routes:
        if not isinstance(route, Route) or not route.methods:
            continue
        match, child = route.matches(scope)
        meta = getattr(route, "openapi", None)
        if match != Match.NONE and (
            not isinstance(meta, OpenApi) or path_fits(meta, child.get("path_params", {}))
        ):
            methods |= route.methods
    return sorted(methods)


def held_to(endpoint: Endpoint, meta: OpenApi) -> Endpoint:
    @functools.wraps(endpoint)
    async def checked(request: Request) -> Response:
        request.scope[_META] = meta
        if not path_fits(meta, request.path_params):
            # Another route owns this path (`PUT /api/users/invite`): 405 with its methods.
            # Without one, the endpoint answers its own 404 ("Ticket not found").
            allowed = allowed_methods(request)
            if allowed and request.method not in allowed:
                raise HTTPException(405)
        response = await endpoint(request)
        check_answer(request.scope, meta, response)
        return response

    return checked


def declaration(scope: Scope) -> OpenApi | None:
    """The declaration of the route serving this request, if it is an `api_route`."""
    meta = scope.get(_META)
    return meta if isinstance(meta, OpenApi) else None
