"""The event feed: `GET /api/events` (oldest first, long-poll with `wait`), `/api/events/{id}`."""

from __future__ import annotations

from urllib.parse import urlencode

from servelo_common.http import json, path_id, query
from servelo_common.jsonutil import JSONResponse
from servelo_common.pagination import page_request
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from webhooks.context import webhooks
from webhooks.routes import admin
from webhooks.schemas.feed import FeedEventPublic, FeedQuery
from webhooks.service import feed

TAGS = ["events"]


def _next(request: Request, after: int, limit: int) -> str:
    """The next page: the same query from the last sequence shown."""
    params = {k: v for k, v in request.query_params.items() if k not in ("after", "limit")}
    params.update(after=str(after), limit=str(limit))
    host = request.headers.get("host", "localhost")
    scheme = request.headers.get("x-forwarded-proto", request.url.scheme)
    return f'<{scheme}://{host}{request.url.path}?{urlencode(params)}>; rel="next"'


async def list_events(request: Request) -> Response:
    """The org's events from every service, oldest first, after the sequence `after`."""
    ident = admin(request)
    flt = query(request, FeedQuery)
    limit = page_request(request, key_types=()).limit
    found = await feed.list_events(webhooks(request), ident=ident, query=flt, limit=limit + 1)
    shown = found[:limit]
    headers = {"Link": _next(request, shown[-1].sequence, limit)} if len(found) > limit else {}
    return JSONResponse([e.to_json() for e in shown], headers=headers)


async def get_event(request: Request) -> Response:
    """One event of the feed, by its CloudEvent id."""
    ident = admin(request)
    found = await feed.get_event(
        webhooks(request), ident=ident, event_id=path_id(request, message=feed.NOT_FOUND)
    )
    return json(found.to_json())


ROUTES: list[Route] = [
    api_route(
        "/api/events",
        list_events,
        methods=["GET"],
        query=FeedQuery,
        response=FeedEventPublic,
        list_response=True,
        tags=TAGS,
    ),
    api_route("/api/events/{id}", get_event, methods=["GET"], response=FeedEventPublic, tags=TAGS),
]
