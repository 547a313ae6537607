"""Photos: the type is read from the magic bytes, and location metadata is removed.

Removal is lossless (no re-encoding): JPEG keeps its EXIF without the GPS IFD and loses
its XMP packets; PNG loses its `eXIf` chunk and XMP/EXIF text chunks; WebP loses its
`EXIF` and `XMP ` chunks; GIF carries no EXIF. Works on files, in a worker thread.
"""

from __future__ import annotations

import shutil
import struct
from typing import BinaryIO

from PIL import Image

GPS_IFD = 0x8825
COPY_CHUNK = 64 * 1024
SNIFF_BYTES = 16


class InvalidImage(ValueError):
    """Not an image we accept, or a broken one."""


def sniff(head: bytes) -> str | None:
    """The content type from the first bytes, or None when it is not an accepted image."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def _read(src: BinaryIO, n: int) -> bytes:
    data = src.read(n)
    if len(data) != n:
        raise InvalidImage("truncated image")
    return data


def strip_exif_gps(payload: bytes) -> bytes | None:
    """An APP1 `Exif\\0\\0...` payload without its GPS IFD; None to drop it (unreadable)."""
    try:
        exif = Image.Exif()
        exif.load(payload)
        if GPS_IFD not in exif:
            return payload
        del exif[GPS_IFD]
        data: bytes = exif.tobytes()
    except Exception:
        return None
    return data if len(data) + 2 <= 0xFFFF else None


def _jpeg(src: BinaryIO, dst: BinaryIO) -> None:
    dst.write(_read(src, 2))  # SOI
    while True:
        marker = _read(src, 2)
        if marker[0] != 0xFF:
            raise InvalidImage("broken JPEG segment")
        while marker[1] == 0xFF:  # fill bytes
            marker = b"\xff" + _read(src, 1)
        kind = marker[1]
        if kind == 0x01 or 0xD0 <= kind <= 0xD7:
            dst.write(marker)
            continue
        if kind in (0xDA, 0xD9):  # start of scan / end: the rest is image data
            dst.write(marker)
            shutil.copyfileobj(src, dst, COPY_CHUNK)
            return
        (length,) = struct.unpack(">H", _read(src, 2))
        payload = _read(src, length - 2) if length >= 2 else b""
        if kind == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            cleaned = strip_exif_gps(payload)
            if cleaned is None:
                continue
            payload = cleaned
        elif kind == 0xE1 and payload.startswith(b"http://ns.adobe.com/"):
            continue  # XMP may repeat the location (exif:GPSLatitude)
        dst.write(marker + struct.pack(">H", len(payload) + 2) + payload)


def _png_drops(kind: bytes, data: bytes) -> bool:
    if kind == b"eXIf":
        return True
    if kind in (b"tEXt", b"zTXt", b"iTXt"):
        keyword = data.split(b"\x00", 1)[0].lower()
        return b"xmp" in keyword or b"exif" in keyword
    return False


def _png(src: BinaryIO, dst: BinaryIO) -> None:
    dst.write(_read(src, 8))
    while header := src.read(8):
        if len(header) != 8:
            raise InvalidImage("truncated PNG chunk")
        length, kind = struct.unpack(">I4s", header)
        data = _read(src, length)
        crc = _read(src, 4)
        if not _png_drops(kind, data):
            dst.write(header + data + crc)
        if kind == b"IEND":
            return


def _webp(src: BinaryIO, dst: BinaryIO) -> None:
    riff = _read(src, 12)
    start = dst.tell()
    dst.write(riff)  # the RIFF size is patched once the kept chunks are known
    while header := src.read(8):
        if len(header) != 8:
            raise InvalidImage("truncated WebP chunk")
        kind, length = struct.unpack("<4sI", header)
        data = _read(src, length + (length & 1))
        if kind in (b"EXIF", b"XMP "):
            continue
        if kind == b"VP8X" and data:
            data = bytes([data[0] & ~0x0C]) + data[1:]  # clear the EXIF and XMP flags
        dst.write(header + data)
    end = dst.tell()
    dst.seek(start + 4)
    dst.write(struct.pack("<I", end - start - 8))
    dst.seek(end)


def strip_location(src: BinaryIO, dst: BinaryIO, content_type: str) -> None:
    """Copy the image from `src` to `dst` without location metadata."""
    try:
        if content_type == "image/jpeg":
            _jpeg(src, dst)
        elif content_type == "image/png":
            _png(src, dst)
        elif content_type == "image/webp":
            _webp(src, dst)
        else:
            shutil.copyfileobj(src, dst, COPY_CHUNK)
    except struct.error as exc:
        raise InvalidImage("broken image") from exc


def verify(path: str) -> None:
    """Pillow must recognise the file as the image it claims to be."""
    try:
        with Image.open(path) as image:
            image.verify()
    except Exception as exc:
        raise InvalidImage("not a readable image") from exc
