"""Assertions the services' tests make alike: a resource reads back as it was answered, and
another tenant's resource does not exist for a client on any verb."""

from __future__ import annotations

from typing import Any

from servelo_dev.testing.client import ApiClient, ApiResponse

Json = dict[str, Any]


async def read_back(client: ApiClient, path: str, resource: Json) -> ApiResponse:
    """GET `path` answers 200 with `resource` exactly, and an ETag; the answer, for more."""
    resp = await client.get(path)
    assert resp.status == 200, resp
    assert resp.json == resource
    assert resp.headers["ETag"]
    return resp


async def assert_hidden(client: ApiClient, path: str, *, change: Json) -> None:
    """`path` (another tenant's resource) is 404 to `client` to read, change and delete
    alike: never a 403 that would tell it exists."""
    assert (await client.get(path)).status == 404
    assert (await client.put(path, json=change)).status == 404
    assert (await client.delete(path)).status == 404
