"""Photo use cases: upload (stream -> temp file -> cleaned -> storage -> row + event), read."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from asyncpg import Pool, Record
from PIL import Image
from servelo_common.db import tenant_tx
from servelo_common.errors import ApiError, NotFound
from servelo_common.events import emit
from servelo_common.identity import Identity
from servelo_common.images import COPY_CHUNK, InvalidImage, clean, sniff
from servelo_common.jsonutil import iso_z
from servelo_common.storage import Storage
from starlette.requests import Request

from tickets import repository as repo
from tickets.events import TicketPhotoAdded, TicketPhotoDeleted
from tickets.service import TICKET_NOT_FOUND
from tickets.upload import receive_upload

log = logging.getLogger("tickets.photos")
PHOTO_NOT_FOUND = "Photo not found"
NOT_AN_IMAGE = "Only JPEG, PNG, WebP or GIF images are accepted"


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


async def _require_ticket(pool: Pool, org_id: UUID, ticket_id: UUID) -> None:
    async with tenant_tx(pool, org_id) as conn:
        if await repo.get_ticket(conn, org_id=org_id, ticket_id=ticket_id) is None:
            raise NotFound(TICKET_NOT_FOUND)


async def add_photo(
    pool: Pool,
    storage: Storage,
    request: Request,
    ident: Identity,
    ticket_id: UUID,
    *,
    max_bytes: int,
    tmp_dir: Path,
) -> Record:
    assert ident.user_id is not None
    org_id, user_id = UUID(ident.org_id), UUID(ident.user_id)
    await _require_ticket(pool, org_id, ticket_id)  # before reading megabytes
    upload = await receive_upload(request, max_bytes=max_bytes, tmp_dir=tmp_dir)
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
                if await repo.get_ticket(conn, org_id=org_id, ticket_id=ticket_id) is None:
                    raise NotFound(TICKET_NOT_FOUND)
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
    return row


async def list_photos(pool: Pool, ident: Identity, ticket_id: UUID) -> list[Record]:
    org_id = UUID(ident.org_id)
    async with tenant_tx(pool, org_id) as conn:
        if await repo.get_ticket(conn, org_id=org_id, ticket_id=ticket_id) is None:
            raise NotFound(TICKET_NOT_FOUND)
        return await repo.list_photos(conn, org_id=org_id, ticket_id=ticket_id)


async def get_photo(pool: Pool, ident: Identity, ticket_id: UUID, photo_id: UUID) -> Record:
    org_id = UUID(ident.org_id)
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.get_photo(conn, org_id=org_id, ticket_id=ticket_id, photo_id=photo_id)
    if row is None:
        raise NotFound(PHOTO_NOT_FOUND)
    return row


async def delete_photo(
    pool: Pool, storage: Storage, ident: Identity, ticket_id: UUID, photo_id: UUID
) -> None:
    """Admins and managers delete any photo; a technician only the ones they uploaded."""
    assert ident.user_id is not None
    org_id = UUID(ident.org_id)
    async with tenant_tx(pool, org_id) as conn:
        row = await repo.get_photo(conn, org_id=org_id, ticket_id=ticket_id, photo_id=photo_id)
        if row is None:
            raise NotFound(PHOTO_NOT_FOUND)
        if ident.role == "technician" and str(row["uploaded_by"]) != ident.user_id:
            raise ApiError(403, "Forbidden")
        await repo.delete_photo(conn, org_id=org_id, photo_id=photo_id)
        await emit(
            conn,
            TicketPhotoDeleted(
                id=str(photo_id), ticket_id=str(ticket_id), deleted_by=ident.user_id
            ),
            tenant=org_id,
            subject=ticket_id,
        )
    try:
        await storage.delete(row["storage_key"])
    except OSError:
        # The row is gone, so nothing links to the file any more; log it for an operator.
        log.warning("photo file not deleted", extra={"key": row["storage_key"]})
