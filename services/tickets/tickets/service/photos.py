"""Photo use cases: upload (stream -> temp file -> cleaned -> storage -> row + event), read."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol
from uuid import UUID

from PIL import Image
from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError, NotFound, found
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.images import COPY_CHUNK, InvalidImage, clean, sniff
from servelo_common.jsonutil import iso_z

from tickets.domain import Photo
from tickets.events import TicketPhotoAdded, TicketPhotoDeleted
from tickets.repository import photos as repo
from tickets.service import Tickets, actor
from tickets.service.tickets import require_ticket

log = logging.getLogger("tickets.photos")
PHOTO_NOT_FOUND = "Photo not found"
NOT_AN_IMAGE = "Only JPEG, PNG, WebP or GIF images are accepted"


class Upload(Protocol):
    """A received file in a temporary file (`routes.upload.Upload`): its first bytes, the
    client's file name, and `discard()` to remove it."""

    @property
    def path(self) -> Path: ...
    @property
    def head(self) -> bytes: ...
    @property
    def filename(self) -> str | None: ...
    def discard(self) -> None: ...


# Reads the request body only when called: after the ticket was found, not before.
Receive = Callable[[], Awaitable[Upload]]


@dataclass(frozen=True, slots=True)
class PhotoFile:
    """A photo and its bytes, ready to stream (the first chunk already read)."""

    photo: Photo
    chunks: AsyncIterator[bytes]


def storage_key(org_id: UUID, ticket_id: UUID, photo_id: UUID) -> str:
    # The org id first: `delete_prefix(f"{org_id}/")` purges an org's files.
    return f"{org_id}/tickets/{ticket_id}/{photo_id}"


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    handle: BinaryIO = await asyncio.to_thread(open, path, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, COPY_CHUNK):
            yield chunk
    finally:
        handle.close()


def _clean(src: Path, dst: Path, content_type: str) -> None:
    """Runs in a thread: copy only the picture (no metadata, nothing after its end:
    servelo_common.images), then check Pillow reads it as the image it claims to be."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        clean(fin, fout, content_type)
    try:
        with Image.open(dst) as image:
            image.verify()
    except Exception as exc:
        raise InvalidImage("not a readable image") from exc


async def add_photo(ctx: Tickets, *, ident: Identity, ticket_id: UUID, data: Receive) -> Photo:
    """Stream -> temp file -> cleaned -> storage -> row + event; `data` receives the file."""
    pool, storage = ctx.pool, ctx.storage
    org_id, user_id = actor(ident)
    async with tenant_tx(pool, org_id) as conn:
        await require_ticket(conn, org_id=org_id, ticket_id=ticket_id)  # before reading MBs
    upload = await data()
    cleaned = upload.path.with_suffix(".clean")
    try:
        content_type = sniff(upload.head)
        if content_type is None:
            raise ApiError(415, NOT_AN_IMAGE)
        try:
            await asyncio.to_thread(_clean, upload.path, cleaned, content_type)
        except InvalidImage as exc:
            raise ApiError(415, NOT_AN_IMAGE) from exc
        photo_id = uuid.uuid4()
        key = storage_key(org_id, ticket_id, photo_id)
        size = await storage.put(key, _file_chunks(cleaned))
        try:
            async with tenant_tx(pool, org_id) as conn:
                await require_ticket(conn, org_id=org_id, ticket_id=ticket_id)
                row = await repo.insert_photo(
                    conn,
                    org_id=org_id,
                    photo_id=photo_id,
                    ticket_id=ticket_id,
                    storage_key=key,
                    content_type=content_type,
                    size=size,
                    filename=upload.filename,
                    uploaded_by=user_id,
                )
                await emit(
                    conn,
                    TicketPhotoAdded(
                        id=str(photo_id),
                        ticket_id=str(ticket_id),
                        content_type=content_type,
                        size=size,
                        uploaded_by=str(user_id),
                        created_at=iso_z(row["created_at"]),
                    ),
                    tenant=org_id,
                    subject=ticket_id,
                )
        except BaseException:
            await storage.delete(key)  # no row: the file must not stay behind
            raise
    finally:
        await asyncio.to_thread(upload.discard)
        await asyncio.to_thread(cleaned.unlink, True)
    return Photo.from_row(row)


async def list_photos(ctx: Tickets, *, ident: Identity, ticket_id: UUID) -> list[Photo]:
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        await require_ticket(conn, org_id=org_id, ticket_id=ticket_id)
        rows = await repo.list_photos(conn, org_id=org_id, ticket_id=ticket_id)
    return [Photo.from_row(r) for r in rows]


async def get_photo(ctx: Tickets, *, ident: Identity, ticket_id: UUID, photo_id: UUID) -> Photo:
    org_id = ident.org_uuid
    async with tenant_tx(ctx.pool, org_id, readonly=True) as conn:
        row = await repo.get_photo(conn, org_id=org_id, ticket_id=ticket_id, photo_id=photo_id)
    return Photo.from_row(found(row, PHOTO_NOT_FOUND))


async def open_photo(
    ctx: Tickets, *, ident: Identity, ticket_id: UUID, photo_id: UUID
) -> PhotoFile:
    """The photo with its bytes; 404 also when its file is gone from the storage."""
    photo = await get_photo(ctx, ident=ident, ticket_id=ticket_id, photo_id=photo_id)
    chunks = ctx.storage.open(photo.storage_key)
    try:
        first = await anext(chunks)
    except FileNotFoundError as exc:
        raise NotFound(PHOTO_NOT_FOUND) from exc
    except StopAsyncIteration:
        first = b""

    async def stream() -> AsyncIterator[bytes]:
        yield first
        async for chunk in chunks:
            yield chunk

    return PhotoFile(photo, stream())


async def delete_photo(ctx: Tickets, *, ident: Identity, ticket_id: UUID, photo_id: UUID) -> None:
    """Admins and managers delete any photo; a technician only the ones they uploaded."""
    org_id, user_id = actor(ident)
    async with tenant_tx(ctx.pool, org_id) as conn:
        row = await repo.get_photo(conn, org_id=org_id, ticket_id=ticket_id, photo_id=photo_id)
        if row is None:
            raise NotFound(PHOTO_NOT_FOUND)
        photo = Photo.from_row(row)
        if not photo.deletable_by(role=ident.role, user_id=user_id):
            raise ApiError(403, "Forbidden")
        await repo.delete_photo(conn, org_id=org_id, photo_id=photo_id)
        await emit(
            conn,
            TicketPhotoDeleted(id=str(photo_id), ticket_id=str(ticket_id), deleted_by=str(user_id)),
            tenant=org_id,
            subject=ticket_id,
        )
    try:
        await ctx.storage.delete(photo.storage_key)
    except OSError:
        # The row is gone, so nothing links to the file any more; log it for an operator.
        log.warning("photo file not deleted", extra={"key": photo.storage_key})
