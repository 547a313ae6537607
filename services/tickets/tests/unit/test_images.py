"""Type sniffing and lossless removal of location metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from tickets.images import GPS_IFD, InvalidImage, sniff, strip_location


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 1.0), 3: "E", 4: (4.0, 53.0, 2.0)}
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


def image_bytes(fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, fmt, **kw)
    return out.getvalue()


def clean(data: bytes, ctype: str) -> bytes:
    out = io.BytesIO()
    strip_location(io.BytesIO(data), out, ctype)
    return out.getvalue()


@pytest.mark.parametrize(
    ("fmt", "ctype"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_sniff_recognises_images(fmt: str, ctype: str) -> None:
    assert sniff(image_bytes(fmt)[:16]) == ctype


def test_sniff_refuses_other_files() -> None:
    assert sniff(b"%PDF-1.7\n") is None
    assert sniff(b"<html>") is None


def test_jpeg_gps_removed_other_exif_kept() -> None:
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)
    cleaned = clean(data, "image/jpeg")
    exif = Image.open(io.BytesIO(cleaned)).getexif()
    assert not exif.get_ifd(GPS_IFD)
    assert exif[0x010F] == "CameraMaker"
    assert Image.open(io.BytesIO(cleaned)).size == (8, 8)


def test_png_exif_chunk_removed() -> None:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N"}
    data = image_bytes("PNG", exif=exif)
    assert b"eXIf" in data
    cleaned = clean(data, "image/png")
    assert b"eXIf" not in cleaned
    Image.open(io.BytesIO(cleaned)).load()


def test_webp_exif_chunk_removed_and_riff_size_fixed() -> None:
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N"}
    data = image_bytes("WEBP", exif=exif)
    assert b"EXIF" in data
    cleaned = clean(data, "image/webp")
    assert b"EXIF" not in cleaned
    assert int.from_bytes(cleaned[4:8], "little") == len(cleaned) - 8
    Image.open(io.BytesIO(cleaned)).load()


def test_truncated_jpeg_is_invalid() -> None:
    with pytest.raises(InvalidImage):
        clean(jpeg_with_gps()[:30], "image/jpeg")
