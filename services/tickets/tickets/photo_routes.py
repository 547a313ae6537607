"""Photo routes: upload (multipart field `file`), list, serve, delete."""

from __future__ import annotations

from collections.abc import AsyncIterator

from asyncpg import Pool
from servelo_common.errors import NotFound
from servelo_common.http import caller, json, message, path_id
from servelo_common.idempotency import idempotent
from servelo_common.routing import api_route
from servelo_common.storage import Storage
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tickets import photos
from tickets.config import Settings
from tickets.schemas import PhotoPublic, photo_public
from tickets.service import TICKET_NOT_FOUND
from tickets.upload import discard_rest

TAGS = ("tickets",)


def _pool(request: Request) -> Pool:
    return request.state.db


def _storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


class _KeyOnly(Request):
    """Photo bodies are streamed, not hashed: an Idempotency-Key is matched on the key alone."""

    async def body(self) -> bytes:
        return b""


async def upload_photo(request: Request) -> Response:
    """Upload a photo to a ticket (multipart field `file`; JPEG, PNG, WebP or GIF)."""
    settings: Settings = request.app.state.settings
    max_bytes = settings.tickets_photo_max_bytes
    try:
        ident = caller(request)
        ticket_id = path_id(request, message=TICKET_NOT_FOUND)

        async def upload() -> Response:
            row = await photos.add_photo(
                _pool(request),
                _storage(request),
                request,
                ident,
                ticket_id,
                max_bytes=max_bytes,
                tmp_dir=settings.data_dir / "tmp",
            )
            return json(photo_public(row), status=201)

        return await idempotent(_KeyOnly(request.scope, request.receive), upload)
    finally:
        await discard_rest(request, limit=4 * max_bytes)


async def list_photos(request: Request) -> Response:
    """List a ticket's photos, oldest first."""
    ident = caller(request)
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    rows = await photos.list_photos(_pool(request), ident, ticket_id)
    return json([photo_public(r).to_json() for r in rows])


async def get_photo(request: Request) -> Response:
    """Download a ticket photo (users of the org only)."""
    ident = caller(request)
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    photo_id = path_id(request, "photo_id", message=photos.PHOTO_NOT_FOUND)
    row = await photos.get_photo(_pool(request), ident, ticket_id, photo_id)
    chunks = _storage(request).open(row["storage_key"])
    try:
        first = await anext(chunks)
    except FileNotFoundError as exc:
        raise NotFound(photos.PHOTO_NOT_FOUND) from exc
    except StopAsyncIteration:
        first = b""

    async def stream() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return StreamingResponse(
        stream(),
        media_type=row["content_type"],
        headers={
            "Content-Length": str(row["size"]),
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )


async def delete_photo(request: Request) -> Response:
    """Delete a ticket photo (admins, managers, or the technician who uploaded it)."""
    ident = caller(request)
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    photo_id = path_id(request, "photo_id", message=photos.PHOTO_NOT_FOUND)
    await photos.delete_photo(_pool(request), _storage(request), ident, ticket_id, photo_id)
    return message("Photo deleted")


PHOTO_ROUTES = [
    api_route(
        "/api/tickets/{id}/photos",
        upload_photo,
        methods=["POST"],
        response=PhotoPublic,
        status=201,
        tags=TAGS,
    ),
    api_route(
        "/api/tickets/{id}/photos",
        list_photos,
        methods=["GET"],
        response=PhotoPublic,
        list_response=True,
        tags=TAGS,
    ),
    api_route("/api/tickets/{id}/photos/{photo_id}", get_photo, methods=["GET"], tags=TAGS),
    api_route("/api/tickets/{id}/photos/{photo_id}", delete_photo, methods=["DELETE"], tags=TAGS),
]
