"""Crafted images that hide a location everywhere a camera or an editor puts one (tests)."""

from __future__ import annotations

import io
import random
import struct
import zlib

import pytest
from PIL import Image, PngImagePlugin

GPS_IFD = 0x8825
ORIENTATION = 0x0112
SECRET = b"SECRET-LOCATION 52.3676N 4.9041E"
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>' + SECRET + b"</x:xmpmeta>"


def exif_with_location(orientation: int | None = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "CameraMaker"  # Make
    exif[0x010E] = SECRET.decode()  # ImageDescription
    if orientation is not None:
        exif[ORIENTATION] = orientation
    exif[GPS_IFD] = {1: "N", 2: (52.0, 22.0, 3.0), 3: "E", 4: (4.0, 54.0, 14.0)}
    return exif


def picture(mode: str = "RGB", size: tuple[int, int] = (48, 32), seed: int = 7) -> Image.Image:
    """Noise: entropy-coded data full of 0xFF bytes (stuffed in JPEG)."""
    rnd = random.Random(seed)
    data = bytes(rnd.randrange(256) for _ in range(size[0] * size[1] * len(mode)))
    return Image.frombytes(mode, size, data)


def encode(image: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        return image.tobytes()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_location() -> bytes:
    """Exif as ImageMagick writes it ("Raw profile type APP1/exif" text chunks), XMP, text,
    an eXIf chunk, a private chunk, and data after IEND."""
    exif_hex = exif_with_location().tobytes().hex().encode()
    info = PngImagePlugin.PngInfo()
    info.add_text("Raw profile type APP1", b"\nexif\n" + exif_hex)
    info.add_text("Raw profile type exif", b"\nexif\n" + exif_hex)
    info.add_text("Comment", SECRET, zip=True)  # zTXt
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    info.add_text("Location", SECRET)
    data = encode(picture(), "PNG", pnginfo=info, exif=exif_with_location(orientation=3))
    iend = data.rindex(b"IEND") - 4
    return data[:iend] + png_chunk(b"prVt", SECRET) + data[iend:] + b"after IEND " + SECRET


def mpo_with_location() -> bytes:
    """A two-frame MPO (a phone's depth/stereo shot): each frame with its own Exif and GPS,
    then data after the end."""
    data = encode(
        picture(),
        "MPO",
        save_all=True,
        append_images=[picture(size=(16, 16), seed=8)],
        exif=exif_with_location(),
        xmp=XMP,
    )
    return data + b"trailing " + SECRET


def location_samples() -> list[pytest.ParameterSet]:
    """`(content, ctype)` cases for an upload test: the places a location hides that a
    naive metadata strip misses."""
    return [
        pytest.param(png_with_location(), "image/png", id="png-raw-profile-xmp-text-after-iend"),
        pytest.param(mpo_with_location(), "image/jpeg", id="mpo-second-frame-after-eoi"),
    ]


def assert_no_location(cleaned: bytes) -> None:
    """Nothing of the crafted location is left, and the result is one readable image."""
    assert SECRET not in cleaned
    assert b"xmpmeta" not in cleaned
    assert b"CameraMaker" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        image.load()
        assert not image.getexif().get_ifd(GPS_IFD)
        assert set(image.getexif()) <= {ORIENTATION}
        assert not {"xmp", "comment", "XML:com.adobe.xmp"} & set(image.info)
        assert getattr(image, "n_frames", 1) == 1 or image.format != "MPO"
