"""The endpoint builders, through a real service app (routing, declarations, error answers):
each runs the steps of the endpoint it replaces, in the same order, and answers the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from pydantic import SecretStr
from servelo_common.app import ServiceSpec, create_service_app
from servelo_common.config import ServiceSettings
from servelo_common.endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoint,
    update_endpoint,
)
from servelo_common.errors import NotFound
from servelo_common.etag import Precondition, etag_for
from servelo_common.identity import IDENTITY_HEADER, Identity, encode_identity
from servelo_common.pagination import PageRequest
from servelo_common.routing import IDEMPOTENCY_KEY, IF_MATCH, api_route
from servelo_common.schemas import ApiInput, ApiOutput
from starlette.requests import Request
from starlette.routing import Route

SECRET = "unit-test-secret-0123456789abcdef"
ORG = str(uuid4())
NOT_FOUND = "Thing not found"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Thing:
    id: UUID
    name: str
    created_at: datetime

    @property
    def etag(self) -> str:
        return etag_for(self.id, self.name)


class ThingQuery(ApiInput):
    q: str | None = None


class ThingCreate(ApiInput):
    name: str


class ThingPublic(ApiOutput):
    id: UUID
    name: str


@dataclass
class Store:
    """The service layer the endpoints call: rows in memory, and what each call was given."""

    rows: dict[UUID, Thing] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, name: str, age: int = 0) -> Thing:
        thing = Thing(uuid4(), name, T0 - timedelta(minutes=age))
        self.rows[thing.id] = thing
        return thing

    def found(self, thing_id: UUID) -> Thing:
        if thing_id not in self.rows:
            raise NotFound(NOT_FOUND)
        return self.rows[thing_id]


async def list_things(
    store: Store, *, ident: Identity, query: ThingQuery, page: PageRequest
) -> list[Thing]:
    store.calls.append(("list", {"ident": ident, "query": query, "page": page}))
    rows = sorted(store.rows.values(), key=lambda t: (t.created_at, t.id), reverse=True)
    if query.q:
        rows = [t for t in rows if query.q in t.name]
    if page.cursor:
        rows = [t for t in rows if (t.created_at, t.id) < tuple(page.cursor)]
    return rows[: page.limit + 1]


async def get_thing(store: Store, *, ident: Identity, thing_id: UUID) -> Thing:
    store.calls.append(("get", {"thing_id": thing_id}))
    return store.found(thing_id)


async def create_thing(store: Store, *, ident: Identity, data: ThingCreate) -> Thing:
    store.calls.append(("create", {"data": data}))
    return store.add(data.name)


async def update_thing(
    store: Store, *, ident: Identity, thing_id: UUID, data: ThingCreate, precondition: Precondition
) -> Thing:
    store.calls.append(("update", {"thing_id": thing_id}))
    thing = store.found(thing_id)
    precondition(thing.etag)
    store.rows[thing_id] = replace(thing, name=data.name)
    return store.rows[thing_id]


async def rename_thing(
    store: Store, *, ident: Identity, thing_id: UUID, data: ThingCreate
) -> Thing:
    store.calls.append(("rename", {"thing_id": thing_id}))
    thing = store.found(thing_id)
    store.rows[thing_id] = replace(thing, name=data.name)
    return store.rows[thing_id]


async def delete_thing(
    store: Store, *, ident: Identity, thing_id: UUID, precondition: Precondition
) -> None:
    store.calls.append(("delete", {"thing_id": thing_id}))
    precondition(store.found(thing_id).etag)
    del store.rows[thing_id]


async def count_of(store: Store, *, ident: Identity, number: int) -> Thing:
    store.calls.append(("count", {"number": number}))
    return Thing(UUID(int=number), str(number), T0)


def positive(raw: str) -> int:
    if not raw.isdigit() or int(raw) == 0:
        raise ValueError(raw)
    return int(raw)


def endpoints(store: Store) -> list[Route]:
    def context(request: Request) -> Store:
        return store

    common: dict[str, Any] = {"context": context}
    item: dict[str, Any] = {**common, "id": "thing_id", "not_found": NOT_FOUND}
    return [
        api_route(
            "/things",
            list_endpoint(
                list_things,
                **common,
                query=ThingQuery,
                public=ThingPublic,
                key=lambda t: (t.created_at, t.id),
                key_types=(datetime, UUID),
                sync_id=UUID,
                doc="List things, newest first.\n\n    More words.",
            ),
            methods=["GET"],
            query=ThingQuery,
            response=ThingPublic,
            list_response=True,
            sync=True,
        ),
        api_route(
            "/things",
            create_endpoint(
                create_thing,
                **common,
                roles=("admin",),
                body=ThingCreate,
                public=ThingPublic,
                idempotent=True,
                location=lambda t: f"/things/{t.id}",
                doc="Create a thing.",
            ),
            methods=["POST"],
            body=ThingCreate,
            response=ThingPublic,
            status=201,
            headers=[IDEMPOTENCY_KEY],
            etag=True,
        ),
        api_route(
            "/things/{id}",
            get_endpoint(get_thing, **item, public=ThingPublic, doc="Get one thing."),
            methods=["GET"],
            response=ThingPublic,
            etag=True,
        ),
        api_route(
            "/things/{id}",
            update_endpoint(
                update_thing,
                **item,
                roles=("admin",),
                body=ThingCreate,
                public=ThingPublic,
                precondition=True,
                doc="Update a thing.",
            ),
            methods=["PUT"],
            body=ThingCreate,
            response=ThingPublic,
            headers=[IF_MATCH],
            etag=True,
        ),
        api_route(
            "/things/{id}/name",
            update_endpoint(
                rename_thing,
                **item,
                body=ThingCreate,
                exists=get_thing,
                public=ThingPublic,
                doc="Rename a thing.",
            ),
            methods=["PUT"],
            body=ThingCreate,
            response=ThingPublic,
            etag=True,
        ),
        api_route(
            "/things/{id}",
            delete_endpoint(
                delete_thing,
                **item,
                name="remove_thing",
                roles=("admin", "manager"),
                precondition=True,
                message="Thing deleted",
                doc="Delete a thing.",
            ),
            methods=["DELETE"],
            headers=[IF_MATCH],
        ),
        api_route(
            "/counts/{id}",
            get_endpoint(
                count_of,
                **common,
                id="number",
                id_type=positive,
                not_found="No such count",
                public=ThingPublic,
                doc="A count.",
            ),
            methods=["GET"],
            response=ThingPublic,
            path_types={"id": "integer"},
            etag=True,
        ),
    ]


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
async def client(store: Store) -> AsyncIterator[httpx.AsyncClient]:
    settings = ServiceSettings(
        database_url="postgresql://x",
        nats_url="nats://x",
        internal_secret=SecretStr(SECRET),
        env="test",  # a declaration mismatch is a 500 here
    )
    app = create_service_app(ServiceSpec(name="unit", routes=endpoints(store)), settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as c:
        yield c


def signed_in(role: str = "admin") -> dict[str, str]:
    ident = Identity(org_id=ORG, org_slug="acme", user_id=str(uuid4()), role=role)
    return {IDENTITY_HEADER: encode_identity(ident, SECRET.encode())}


def test_the_endpoint_is_named_and_documented_for_its_route() -> None:
    routes = {(r.path, tuple(sorted(r.methods or ()))): r for r in endpoints(Store())}
    listing = routes[("/things", ("GET", "HEAD"))]
    assert (listing.name, listing.endpoint.__doc__) == (
        "list_things",
        "List things, newest first.\n\n    More words.",
    )
    assert listing.openapi.summary == "List things, newest first."  # type: ignore[attr-defined]
    assert listing.openapi.operation_id == "listThings"  # type: ignore[attr-defined]
    delete = routes[("/things/{id}", ("DELETE",))]
    assert delete.openapi.operation_id == "removeThing"  # type: ignore[attr-defined]


async def test_list_is_a_page_with_the_next_link(client: httpx.AsyncClient, store: Store) -> None:
    for age, name in enumerate(["c", "b", "a"]):
        store.add(name, age)
    first = await client.get("/things", params={"limit": 2}, headers=signed_in("technician"))
    assert first.status_code == 200
    assert [t["name"] for t in first.json()] == ["c", "b"]
    link = first.headers["link"]
    assert link.startswith("<http://acme.localhost") and link.endswith('>; rel="next"')
    cursor = httpx.URL(link[1 : link.index(">")]).params["cursor"]
    rest = await client.get("/things", params={"limit": 2, "cursor": cursor}, headers=signed_in())
    assert [t["name"] for t in rest.json()] == ["a"] and "link" not in rest.headers
    filtered = await client.get("/things", params={"q": "b"}, headers=signed_in())
    assert [t["name"] for t in filtered.json()] == ["b"]


async def test_list_checks_the_caller_then_the_query_then_the_page(
    client: httpx.AsyncClient, store: Store
) -> None:
    bad_both = {"q": "\x00", "limit": "0"}
    assert (await client.get("/things", params=bad_both)).status_code == 401
    answer = await client.get("/things", params=bad_both, headers=signed_in())
    assert (answer.status_code, answer.json()["message"]) == (400, "Validation failed")
    answer = await client.get("/things", params={"limit": "0"}, headers=signed_in())
    assert (answer.status_code, answer.json()["message"]) == (400, "Invalid limit")
    assert store.calls == []


async def test_get_answers_the_resource_with_its_etag(
    client: httpx.AsyncClient, store: Store
) -> None:
    thing = store.add("a")
    answer = await client.get(f"/things/{thing.id}", headers=signed_in("technician"))
    assert answer.status_code == 200
    assert answer.json() == {"id": str(thing.id), "name": "a"}
    assert answer.headers["etag"] == thing.etag
    assert store.calls == [("get", {"thing_id": thing.id})]


async def test_an_id_that_cannot_name_a_row_is_the_services_404(
    client: httpx.AsyncClient, store: Store
) -> None:
    answer = await client.get("/things/not-a-uuid", headers=signed_in())
    assert (answer.status_code, answer.json()["message"]) == (404, NOT_FOUND)
    answer = await client.get("/counts/0", headers=signed_in())
    assert (answer.status_code, answer.json()["message"]) == (404, "No such count")
    answer = await client.get("/counts/7", headers=signed_in())
    assert answer.json()["name"] == "7" and store.calls == [("count", {"number": 7})]


async def test_the_role_is_checked_before_the_id_and_the_body(
    client: httpx.AsyncClient, store: Store
) -> None:
    tech = signed_in("technician")
    for answer in [
        await client.put("/things/not-a-uuid", content=b"[", headers=tech),
        await client.delete("/things/not-a-uuid", headers=tech),
        await client.post("/things", content=b"[", headers=tech),
    ]:
        assert (answer.status_code, answer.json()["message"]) == (403, "Forbidden")
    # Then the id (404), then the body (400).
    answer = await client.put("/things/not-a-uuid", content=b"[", headers=signed_in())
    assert (answer.status_code, answer.json()["message"]) == (404, NOT_FOUND)
    answer = await client.put(f"/things/{uuid4()}", content=b"[", headers=signed_in())
    assert (answer.status_code, answer.json()["message"]) == (400, "Malformed JSON")
    assert store.calls == []


async def test_create_is_201_with_location_and_etag(
    client: httpx.AsyncClient, store: Store
) -> None:
    answer = await client.post("/things", json={"name": "new"}, headers=signed_in())
    assert answer.status_code == 201
    (thing,) = store.rows.values()
    assert answer.json() == {"id": str(thing.id), "name": "new"}
    assert (answer.headers["location"], answer.headers["etag"]) == (
        f"/things/{thing.id}",
        thing.etag,
    )


async def test_create_is_idempotent_after_the_role_check(
    client: httpx.AsyncClient, store: Store
) -> None:
    # An empty key is refused by `idempotency.idempotent` (the replay itself needs Postgres:
    # the services' integration tests run it), and only once the caller may create.
    key = {"Idempotency-Key": ""}
    answer = await client.post("/things", json={"name": "x"}, headers=signed_in("technician") | key)
    assert answer.status_code == 403
    answer = await client.post("/things", json={"name": "x"}, headers=signed_in() | key)
    assert (answer.status_code, answer.json()["message"]) == (400, "Invalid Idempotency-Key")
    assert store.rows == {}


async def test_update_passes_if_match_to_the_service(
    client: httpx.AsyncClient, store: Store
) -> None:
    thing = store.add("a")
    stale = await client.put(
        f"/things/{thing.id}", json={"name": "b"}, headers=signed_in() | {"If-Match": '"old"'}
    )
    assert stale.status_code == 412 and store.rows[thing.id].name == "a"
    fresh = await client.put(
        f"/things/{thing.id}", json={"name": "b"}, headers=signed_in() | {"If-Match": thing.etag}
    )
    assert fresh.status_code == 200 and fresh.json()["name"] == "b"
    assert fresh.headers["etag"] == store.rows[thing.id].etag


async def test_update_with_exists_answers_404_before_invalid_input(
    client: httpx.AsyncClient, store: Store
) -> None:
    missing = uuid4()
    answer = await client.put(f"/things/{missing}/name", json={}, headers=signed_in())
    assert (answer.status_code, answer.json()["message"]) == (404, NOT_FOUND)
    thing = store.add("a")
    answer = await client.put(f"/things/{thing.id}/name", json={}, headers=signed_in())
    assert (answer.status_code, answer.json()["code"]) == (400, "validation_failed")
    assert store.calls == [("get", {"thing_id": missing}), ("get", {"thing_id": thing.id})]
    answer = await client.put(f"/things/{thing.id}/name", json={"name": "b"}, headers=signed_in())
    assert answer.json()["name"] == "b" and store.calls[-1] == ("rename", {"thing_id": thing.id})


async def test_delete_answers_its_message(client: httpx.AsyncClient, store: Store) -> None:
    thing = store.add("a")
    stale = await client.delete(
        f"/things/{thing.id}", headers=signed_in("manager") | {"If-Match": '"old"'}
    )
    assert stale.status_code == 412 and thing.id in store.rows
    answer = await client.delete(f"/things/{thing.id}", headers=signed_in("manager"))
    assert (answer.status_code, answer.json()) == (200, {"message": "Thing deleted"})
    assert store.rows == {}
    again = await client.delete(f"/things/{thing.id}", headers=signed_in())
    assert (again.status_code, again.json()["message"]) == (404, NOT_FOUND)
