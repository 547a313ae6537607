"""Image sniffing and cleaning on crafted files: every place a location can hide goes, the
pixels stay byte for byte, and nothing after the image's end survives."""

from __future__ import annotations

import io
import struct

import pytest
from PIL import Image
from servelo_common.images import InvalidImage, clean, clean_bytes, sniff
from servelo_dev.testing.images import (
    ORIENTATION,
    SECRET,
    XMP,
    assert_no_location,
    encode,
    exif_with_location,
    mpo_with_location,
    picture,
    pixels,
    png_chunk,
    png_with_location,
)


def assert_clean(original: bytes, cleaned: bytes) -> None:
    assert_no_location(cleaned)
    assert pixels(cleaned) == pixels(original)


def insert_jpeg_segment(data: bytes, marker: int, payload: bytes) -> bytes:
    segment = bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


@pytest.mark.parametrize(
    ("fmt", "ctype"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_sniff_recognises_images(fmt: str, ctype: str) -> None:
    assert sniff(encode(picture(size=(8, 8)), fmt)[:16]) == ctype


def test_sniff_refuses_other_files() -> None:
    assert sniff(b"%PDF-1.7\n") is None
    assert sniff(b"<svg xmlns='http://www.w3.org/2000/svg'>") is None


@pytest.mark.parametrize("progressive", [False, True])
def test_jpeg_keeps_the_picture_and_the_orientation_only(progressive: bool) -> None:
    data = encode(
        picture(),
        "JPEG",
        exif=exif_with_location(orientation=6),
        xmp=XMP,
        comment=SECRET,
        progressive=progressive,
        restart_marker_blocks=1,
    )
    data = insert_jpeg_segment(data, 0xED, b"Photoshop 3.0\x008BIM\x04\x04" + SECRET)  # IPTC
    data = insert_jpeg_segment(data, 0xEB, SECRET)  # any other APPn
    cleaned = clean_bytes(data, "image/jpeg")
    assert_clean(data, cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert dict(image.getexif()) == {ORIENTATION: 6}
    assert b"Photoshop" not in cleaned


def test_jpeg_without_a_rotation_keeps_no_exif_at_all() -> None:
    data = encode(picture(), "JPEG", exif=exif_with_location(orientation=None))
    cleaned = clean_bytes(data, "image/jpeg")
    assert_clean(data, cleaned)
    assert b"Exif" not in cleaned


def test_mpo_second_frame_and_data_after_the_end_are_dropped() -> None:
    data = mpo_with_location()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "MPO" and getattr(image, "n_frames", 1) == 2
    cleaned = clean_bytes(data, "image/jpeg")
    assert cleaned.endswith(b"\xff\xd9") and cleaned.count(b"\xff\xd8") == 1
    assert b"MPF" not in cleaned
    assert_clean(data, cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.format == "JPEG"


def test_png_text_chunks_raw_profiles_exif_and_private_chunks_go() -> None:
    data = png_with_location()
    assert b"Raw profile type APP1" in data
    cleaned = clean_bytes(data, "image/png")
    for kind in (b"tEXt", b"zTXt", b"iTXt", b"prVt"):
        assert kind not in cleaned
    assert cleaned.endswith(png_chunk(b"IEND", b""))
    assert_clean(data, cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert dict(image.getexif()) == {ORIENTATION: 3}
        assert not image.text  # type: ignore[attr-defined]


def test_webp_exif_xmp_and_data_after_the_riff_go() -> None:
    data = encode(picture(), "WEBP", exif=exif_with_location(), xmp=XMP, lossless=True)
    assert b"EXIF" in data and b"XMP " in data
    data += b"RIFF-trailer " + SECRET
    cleaned = clean_bytes(data, "image/webp")
    assert b"EXIF" not in cleaned and b"XMP " not in cleaned
    assert int.from_bytes(cleaned[4:8], "little") == len(cleaned) - 8
    assert_clean(data, cleaned)


def test_animated_webp_frames_are_kept_without_metadata() -> None:
    frames = [picture(size=(16, 16), seed=i) for i in range(3)]
    data = encode(
        frames[0], "WEBP", save_all=True, append_images=frames[1:], exif=exif_with_location()
    )
    cleaned = clean_bytes(data, "image/webp")
    assert SECRET not in cleaned and b"EXIF" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert getattr(image, "n_frames", 1) == 3


def gif_extension(label: int, first: bytes, *blocks: bytes) -> bytes:
    out = b"\x21" + bytes([label]) + bytes([len(first)]) + first
    for block in blocks:
        out += bytes([len(block)]) + block
    return out + b"\x00"


def test_gif_comments_xmp_and_data_after_the_trailer_go_looping_stays() -> None:
    frames = [picture("P", (16, 16), seed=i) for i in range(2)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], loop=0, comment=SECRET)
    assert data.endswith(b"\x3b")
    xmp = gif_extension(0xFF, b"XMP DataXMP", XMP[:200])
    data = data[:-1] + xmp + b"\x3b" + b"after the trailer " + SECRET
    cleaned = clean_bytes(data, "image/gif")
    assert b"XMP DataXMP" not in cleaned and cleaned.endswith(b"\x3b")
    assert b"NETSCAPE2.0" in cleaned  # looping
    assert_clean(data, cleaned)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert getattr(image, "n_frames", 1) == 2


def test_files_are_streamed_through_seekable_outputs(tmp_path: object) -> None:
    data = encode(picture(size=(300, 200)), "JPEG", exif=exif_with_location())
    out = io.BytesIO()
    clean(io.BytesIO(data), out, "image/jpeg")
    assert pixels(out.getvalue()) == pixels(data)


@pytest.mark.parametrize(
    ("data", "ctype"),
    [
        (encode(picture(), "JPEG", exif=exif_with_location())[:30], "image/jpeg"),
        (b"\xff\xd8\x00\x00", "image/jpeg"),
        (encode(picture(), "PNG")[:40], "image/png"),
        (b"\x89PNG\r\n\x1a\n" + png_chunk(b"tEXt", b"a\x00b"), "image/png"),  # no IHDR first
        (b"RIFF\xff\xff\xff\x00WEBPVP8 \xff\xff\x00\x00", "image/webp"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x99", "image/gif"),
        (b"anything", "image/svg+xml"),
    ],
)
def test_broken_or_unknown_images_are_invalid(data: bytes, ctype: str) -> None:
    with pytest.raises(InvalidImage):
        clean_bytes(data, ctype)
