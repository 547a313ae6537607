"""Photos: image-only uploads, size limit, GPS removed, served to the org only."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import asyncpg
import pytest
from PIL import Image
from servelo_dev.testing.client import ApiClient, ApiResponse
from servelo_dev.testing.factories import make_ticket
from servelo_dev.testing.images import (
    assert_no_location,
    location_samples,
    pixels,
)
from servelo_dev.testing.tenants import Tenant

from .conftest import files_of

GPS_IFD = 0x8825
MIB = 1024 * 1024


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)}
    out = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, "PNG")
    return out.getvalue()


async def upload(
    client: ApiClient,
    ticket_id: str,
    content: bytes,
    *,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    headers: dict[str, str] | None = None,
) -> ApiResponse:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(content), filename=filename, content_type=content_type)
    return await client.post(f"/api/tickets/{ticket_id}/photos", data=form, headers=headers)


async def photo_rows(db: asyncpg.Connection, org_id: str) -> int:
    count: int = await db.fetchval("SELECT count(*) FROM tickets.photos WHERE org_id = $1", org_id)
    return count


async def test_upload_strips_gps_and_serves_the_photo(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    resp = await upload(tenant.admin, t["id"], jpeg_with_gps())
    assert resp.status == 201, resp
    photo = resp.json
    assert photo["content_type"] == "image/jpeg" and photo["ticket_id"] == t["id"]
    assert photo["url"] == f"/api/tickets/{t['id']}/photos/{photo['id']}"
    got = await tenant.admin.get(photo["url"])
    assert got.status == 200 and got.headers["Content-Type"] == "image/jpeg"
    assert len(got.body) == photo["size"]
    exif = Image.open(io.BytesIO(got.body)).getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert 0x010F not in exif  # no Exif but the orientation is kept (camera make included)
    listed = await tenant.admin.get(f"/api/tickets/{t['id']}/photos")
    assert [p["id"] for p in listed.json] == [photo["id"]]


@pytest.mark.parametrize(("content", "ctype"), location_samples())
async def test_uploaded_photo_keeps_no_location_anywhere(
    tenant: Tenant, content: bytes, ctype: str
) -> None:
    t = await make_ticket(tenant.admin)
    resp = await upload(tenant.admin, t["id"], content, content_type=ctype)
    assert resp.status == 201, resp
    assert resp.json["content_type"] == ctype
    got = await tenant.admin.get(resp.json["url"])
    assert got.status == 200 and len(got.body) == resp.json["size"]
    assert_no_location(got.body)
    assert pixels(got.body) == pixels(content)


async def test_type_comes_from_the_bytes_not_the_header(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    resp = await upload(tenant.admin, t["id"], png(), filename="x.jpg", content_type="image/jpeg")
    assert resp.status == 201 and resp.json["content_type"] == "image/png"


async def test_non_image_is_refused_and_nothing_stored(
    tenant: Tenant, stack: Any, db: asyncpg.Connection
) -> None:
    t = await make_ticket(tenant.admin)
    resp = await upload(
        tenant.admin,
        t["id"],
        b"%PDF-1.7 not an image" * 100,
        filename="a.jpg",
        content_type="image/jpeg",
    )
    assert resp.status == 415, resp
    fake = b"\xff\xd8\xff\xe0" + b"\x00" * 50  # JPEG magic, broken body
    assert (await upload(tenant.admin, t["id"], fake)).status == 415
    assert await photo_rows(db, tenant.org_id) == 0
    assert files_of(stack, tenant.org_id) == []


async def test_oversized_upload_is_413_and_nothing_stored(
    tenant: Tenant, stack: Any, db: asyncpg.Connection
) -> None:
    t = await make_ticket(tenant.admin)
    big = jpeg_with_gps() + b"\x00" * (10 * MIB)
    resp = await upload(tenant.admin, t["id"], big)
    assert resp.status == 413, resp
    assert await photo_rows(db, tenant.org_id) == 0
    assert files_of(stack, tenant.org_id) == []


async def test_missing_file_field_is_400(tenant: Tenant) -> None:
    t = await make_ticket(tenant.admin)
    form = aiohttp.FormData()
    form.add_field("other", b"x", filename="a.png")
    resp = await tenant.admin.post(f"/api/tickets/{t['id']}/photos", data=form)
    assert resp.status == 400 and "file" in resp.json["errors"]
    json_body = await tenant.admin.post(f"/api/tickets/{t['id']}/photos", json={})
    assert json_body.status == 400


async def test_idempotent_upload_stores_once(tenant: Tenant, db: asyncpg.Connection) -> None:
    t = await make_ticket(tenant.admin)
    key = {"Idempotency-Key": "photo-1"}
    a = await upload(tenant.admin, t["id"], png(), headers=key)
    b = await upload(tenant.admin, t["id"], png(), headers=key)
    assert a.status == b.status == 201 and a.json == b.json
    assert await photo_rows(db, tenant.org_id) == 1


async def test_delete_photo_removes_row_and_file(tenant: Tenant, stack: Any) -> None:
    t = await make_ticket(tenant.admin)
    photo = (await upload(tenant.admin, t["id"], png())).json
    assert len(files_of(stack, tenant.org_id)) == 1
    tech = await tenant.create_user(role="technician")
    assert (await tech.delete(photo["url"])).status == 403
    resp = await tenant.admin.delete(photo["url"])
    assert resp.status == 200 and resp.json["message"]
    assert (await tenant.admin.get(photo["url"])).status == 404
    assert files_of(stack, tenant.org_id) == []


async def test_other_tenant_photo_is_404_on_every_route(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    t = await make_ticket(tenant.admin)
    photo = (await upload(tenant.admin, t["id"], png())).json
    other = other_tenant.admin
    assert (await other.get(photo["url"])).status == 404
    assert (await other.delete(photo["url"])).status == 404
    assert (await other.get(f"/api/tickets/{t['id']}/photos")).status == 404
    assert (await upload(other, t["id"], png())).status == 404
    # Their own ticket with our photo id: still not found.
    theirs = await make_ticket(other)
    assert (await other.get(f"/api/tickets/{theirs['id']}/photos/{photo['id']}")).status == 404
    assert (await tenant.admin.get(photo["url"])).status == 200
