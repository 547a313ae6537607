"""Photo routes: upload (multipart field `file`), list, serve, delete."""

from __future__ import annotations

from servelo_common.http import caller, message, path_id, resource, resources
from servelo_common.idempotency import idempotent
from servelo_common.images import CONTENT_TYPES
from servelo_common.routing import IDEMPOTENCY_KEY, api_route
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from tickets.config import Settings
from tickets.routes.tickets import TAGS
from tickets.routes.upload import FIELD, Upload, discard_rest, receive_upload
from tickets.schemas import PhotoPublic
from tickets.service import TICKET_NOT_FOUND, Tickets, photos


def _ctx(request: Request) -> Tickets:
    return Tickets(pool=request.state.db, storage=request.app.state.storage)


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

        async def receive() -> Upload:
            return await receive_upload(
                request, max_bytes=max_bytes, tmp_dir=settings.data_dir / "tmp"
            )

        async def upload() -> Response:
            photo = await photos.add_photo(
                _ctx(request), ident=ident, ticket_id=ticket_id, data=receive
            )
            return resource(PhotoPublic, photo, status=201)

        return await idempotent(_KeyOnly(request.scope, request.receive), upload)
    finally:
        await discard_rest(request, limit=4 * max_bytes)


async def list_photos(request: Request) -> Response:
    """List a ticket's photos, oldest first."""
    ident = caller(request)
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    found = await photos.list_photos(_ctx(request), ident=ident, ticket_id=ticket_id)
    return resources(PhotoPublic, found)


async def get_photo(request: Request) -> Response:
    """Download a ticket photo (users of the org only)."""
    ident = caller(request)
    ticket_id = path_id(request, message=TICKET_NOT_FOUND)
    photo_id = path_id(request, "photo_id", message=photos.PHOTO_NOT_FOUND)
    file = await photos.open_photo(
        _ctx(request), ident=ident, ticket_id=ticket_id, photo_id=photo_id
    )
    return StreamingResponse(
        file.chunks,
        media_type=file.photo.content_type,
        headers={
            "Content-Length": str(file.photo.size),
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
    await photos.delete_photo(_ctx(request), ident=ident, ticket_id=ticket_id, photo_id=photo_id)
    return message("Photo deleted")


ROUTES = [
    api_route(
        "/api/tickets/{id}/photos",
        upload_photo,
        methods=["POST"],
        upload=FIELD,
        response=PhotoPublic,
        status=201,
        headers=[IDEMPOTENCY_KEY],
        tags=TAGS,
    ),
    api_route(
        "/api/tickets/{id}/photos",
        list_photos,
        methods=["GET"],
        response=PhotoPublic,
        list_response=True,
        paged=False,
        tags=TAGS,
    ),
    api_route(
        "/api/tickets/{id}/photos/{photo_id}",
        get_photo,
        methods=["GET"],
        media_types=CONTENT_TYPES,
        tags=TAGS,
    ),
    api_route("/api/tickets/{id}/photos/{photo_id}", delete_photo, methods=["DELETE"], tags=TAGS),
]
