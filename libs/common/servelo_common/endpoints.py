"""Endpoint builders: the thin list, get, create, update and delete endpoints as declarations.

A thin endpoint is the same few steps in every service: who may call (`caller`, or
`require_role`), the path's `{id}` (404 when it cannot name a row), the query or the body,
one service call, the answer (`page_response`, `resource`, `message`). Written out, they
differed only in names, so each service had copied them; a route module now names what
differs and nothing else:

    get_customer = get_endpoint(customers.get_customer, id="customer_id",
        not_found=customers.NOT_FOUND, public=CustomerPublic, doc="Get one client.")
    list_customers = list_endpoint(customers.list_customers, query=CustomerQuery,
        public=CustomerPublic, key=lambda c: (c.created_at, c.id), key_types=(datetime, UUID),
        sync_id=UUID, doc="List clients, newest first; ...")

The steps run in the order the hand-written endpoints ran them, because that order decides
which error a bad request gets: the role (401, 403), then the id (404), then the input (400,
or the service's 422), then the service. The service function is called as every service's
are: `service(context(request), *, ident, <id>=..., query=..., page=..., data=...)`.

The endpoint's name is the service function's (`name=` when the route's differs): it is the
route's `operationId`. `doc` becomes its docstring, whose first line is the OpenAPI summary
(`routing.api_route`). An endpoint with a step of its own (a second path id, a lookup query,
an answer built from two objects) stays written out: these builders take no option for one
route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from servelo_common import http
from servelo_common.declared import Endpoint
from servelo_common.errors import NotFound
from servelo_common.etag import if_match
from servelo_common.idempotency import idempotent as run_idempotent
from servelo_common.identity import Identity
from servelo_common.pagination import page_request, page_response

__all__ = [
    "Context",
    "Service",
    "create_endpoint",
    "delete_endpoint",
    "get_endpoint",
    "list_endpoint",
    "pool",
    "update_endpoint",
]

Service = Callable[..., Awaitable[Any]]
"""A service function: `async def get_customer(pool, *, ident, customer_id) -> Customer`."""
Context = Callable[[Request], Any]
"""What a service function takes first, read off the request (`pool`, auth's `ctx_of`)."""


def pool(request: Request) -> Any:
    """The service's connection pool: what most service functions take first."""
    return request.state.db


def _named(endpoint: Endpoint, service: Service, name: str | None, doc: str) -> Endpoint:
    endpoint.__name__ = endpoint.__qualname__ = name or service.__name__
    endpoint.__doc__ = doc
    return endpoint


def _who(request: Request, roles: Sequence[str]) -> Identity:
    """The caller: any signed-in user, or one whose role is among `roles` (403 otherwise)."""
    return http.require_role(request, *roles) if roles else http.caller(request)


def _id(request: Request, id_type: Callable[[str], Any], not_found: str) -> Any:
    """The path's `{id}` as the service takes it; one that cannot name a row is 404."""
    if id_type is UUID:
        return http.path_id(request, message=not_found)
    try:
        return id_type(str(request.path_params["id"]))
    except (ValueError, KeyError) as exc:
        raise NotFound(not_found) from exc


def list_endpoint(
    service: Service,
    *,
    public: type[BaseModel],
    key: Callable[[Any], Sequence[Any]],
    key_types: Sequence[type],
    query: type[BaseModel] | None = None,
    sync_id: type | None = None,
    roles: Sequence[str] = (),
    context: Context = pool,
    name: str | None = None,
    doc: str,
) -> Endpoint:
    """A keyset page of `public`: `key` is the list's order and `key_types` its types (the
    cursor's, `pagination.page_request`); `query` the filters' model, passed as `query=`;
    `sync_id` the type of the rows' ids where the route declares `sync=True`."""

    async def endpoint(request: Request) -> Response:
        ident = _who(request, roles)
        filters = {} if query is None else {"query": http.query(request, query)}
        page = page_request(request, key_types=key_types, sync_id=sync_id)
        found = await service(context(request), ident=ident, **filters, page=page)
        return page_response(request, found, page, key, public)

    return _named(endpoint, service, name, doc)


def get_endpoint(
    service: Service,
    *,
    id: str,
    not_found: str,
    public: type[BaseModel],
    id_type: Callable[[str], Any] = UUID,
    roles: Sequence[str] = (),
    context: Context = pool,
    name: str | None = None,
    doc: str,
) -> Endpoint:
    """One resource as `public` (with its `ETag` when it has one). `id` is the service's
    keyword for the path's `{id}`, which `id_type` parses (a ValueError is 404 `not_found`)."""

    async def endpoint(request: Request) -> Response:
        ident = _who(request, roles)
        where = {id: _id(request, id_type, not_found)}
        found = await service(context(request), ident=ident, **where)
        return http.resource(public, found)

    return _named(endpoint, service, name, doc)


def create_endpoint(
    service: Service,
    *,
    body: type[BaseModel],
    public: type[BaseModel],
    idempotent: bool = False,
    location: Callable[[Any], str] | None = None,
    roles: Sequence[str] = (),
    context: Context = pool,
    name: str | None = None,
    doc: str,
) -> Endpoint:
    """201 with the new resource as `public`. `idempotent`: an `Idempotency-Key` replays the
    first answer (the role is checked before, on every request); `location`: the new
    resource's path, sent as `Location`."""

    async def endpoint(request: Request) -> Response:
        ident = _who(request, roles)

        async def create() -> Response:
            data = await http.body(request, body)
            made = await service(context(request), ident=ident, data=data)
            headers = None if location is None else {"Location": location(made)}
            return http.resource(public, made, status=201, headers=headers)

        return await (run_idempotent(request, create) if idempotent else create())

    return _named(endpoint, service, name, doc)


def update_endpoint(
    service: Service,
    *,
    id: str,
    not_found: str,
    body: type[BaseModel],
    public: type[BaseModel],
    precondition: bool = False,
    exists: Service | None = None,
    id_type: Callable[[str], Any] = UUID,
    roles: Sequence[str] = (),
    context: Context = pool,
    name: str | None = None,
    doc: str,
) -> Endpoint:
    """200 with the changed resource as `public`. `precondition`: the request's `If-Match`
    goes to the service as `precondition=` (412 when it no longer holds); `exists`: the
    service's `get_...`, run when the body is invalid, so that 404 wins over invalid input
    (`http.update_body`)."""

    async def endpoint(request: Request) -> Response:
        ident = _who(request, roles)
        where = {id: _id(request, id_type, not_found)}
        if exists is None:
            data = await http.body(request, body)
        else:
            data = await http.update_body(
                request, body, lambda: exists(context(request), ident=ident, **where)
            )
        check = {"precondition": if_match(request)} if precondition else {}
        changed = await service(context(request), ident=ident, **where, data=data, **check)
        return http.resource(public, changed)

    return _named(endpoint, service, name, doc)


def delete_endpoint(
    service: Service,
    *,
    id: str,
    not_found: str,
    message: str,
    precondition: bool = False,
    id_type: Callable[[str], Any] = UUID,
    roles: Sequence[str] = (),
    context: Context = pool,
    name: str | None = None,
    doc: str,
) -> Endpoint:
    """200 `{"message": message}` once the service has deleted the resource; `precondition`
    as for `update_endpoint`."""

    async def endpoint(request: Request) -> Response:
        ident = _who(request, roles)
        where = {id: _id(request, id_type, not_found)}
        check = {"precondition": if_match(request)} if precondition else {}
        await service(context(request), ident=ident, **where, **check)
        return http.message(message)

    return _named(endpoint, service, name, doc)
