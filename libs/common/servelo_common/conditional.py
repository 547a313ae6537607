"""Conditional GETs for every resource that has an `ETag`: `If-None-Match` -> 304.

Pure ASGI, after the endpoint: when a GET or HEAD answers 200 with an `ETag` that the
client's `If-None-Match` names (or `*`), the answer becomes `304 Not Modified` with the same
`ETag` and no body (RFC 9110 13.1.2), so each endpoint that sets an ETag gets 304 for free.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Headers a 304 keeps (RFC 9110 15.4.5); the others describe a body that is not sent.
_KEPT = frozenset(
    {b"etag", b"cache-control", b"content-location", b"date", b"expires", b"vary", b"x-request-id"}
)


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """Weak comparison, as RFC 9110 asks for If-None-Match."""
    wanted = etag.removeprefix(b"W/")
    for candidate in if_none_match.split(b","):
        candidate = candidate.strip()
        if candidate == b"*" or candidate.removeprefix(b"W/") == wanted:
            return True
    return False


class ConditionalGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
        if if_none_match is None:
            await self.app(scope, receive, send)
            return
        not_modified = False

        async def send_maybe_304(message: Message) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start":
                etag = next((v for k, v in message.get("headers", []) if k == b"etag"), None)
                if message["status"] == 200 and etag is not None and _matches(if_none_match, etag):
                    not_modified = True
                    headers = [(k, v) for k, v in message["headers"] if k in _KEPT]
                    message = {**message, "status": 304, "headers": headers}
            elif message["type"] == "http.response.body" and not_modified:
                if message.get("more_body", False):
                    return  # the rest of a body nobody will see
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_maybe_304)
