"""Reading a whole list through the API as a client does: page after page, by `Link`."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from servelo_dev.testing.client import ApiClient

Json = dict[str, Any]


def next_path(link: str) -> str:
    """The path and query of a `Link: <http://host/api/...?cursor=...>; rel="next"` header."""
    target, _, relation = link.partition(";")
    assert relation.strip() == 'rel="next"', link
    url = urlsplit(target.strip().strip("<>"))
    return f"{url.path}?{url.query}" if url.query else url.path


async def walk_pages(
    client: ApiClient, path: str, params: dict[str, str] | None = None, *, max_pages: int = 50
) -> list[Json]:
    """Every item of a list endpoint, following `rel="next"` to the last page. Each page
    must answer 200 with a JSON array of at most the `limit` asked for; a list that does
    not end within `max_pages` fails (a cursor that never moves on)."""
    asked = {**parse_qs(urlsplit(path).query), **{k: [v] for k, v in (params or {}).items()}}
    limit = int(asked["limit"][0]) if "limit" in asked else None
    items: list[Json] = []
    resp = await client.get(path, params=params)
    for _ in range(max_pages):
        assert resp.status == 200, resp
        assert isinstance(resp.json, list), resp
        assert limit is None or len(resp.json) <= limit, resp
        items += resp.json
        link = resp.headers.get("Link")
        if not link:
            return items
        resp = await client.get(next_path(link))
    raise AssertionError(f"{path}: still a next page after {max_pages} pages")
