"""Uploaded images: the type from the magic bytes, and a lossless copy of only the picture.

One module for every service that takes images (tickets' photos, auth's avatars). Cleaning
keeps, per format, a whitelist of what drawing the image needs, so whatever can carry a
location or other personal data goes, whatever it is called: Exif (GPS, maker notes,
thumbnails), XMP, IPTC/Photoshop, comments, PNG text chunks and "Raw profile" chunks, WebP
`EXIF`/`XMP ` chunks, GIF comment and application blocks. Nothing after the image's end is
kept: a JPEG ends at its first EOI (an MPO's second frame and its Exif go), a PNG at IEND, a
WebP at its RIFF size, a GIF at its trailer. The one tag kept is the Exif orientation of a
JPEG or PNG, rebuilt alone, since phones rotate pictures through it. No pixels are
decoded or re-encoded; files are streamed in chunks (run it in a worker thread).
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import BinaryIO

COPY_CHUNK = 64 * 1024
SNIFF_BYTES = 16
MAX_METADATA = 64 * 1024  # an Exif block read for its orientation; larger ones just go
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ORIENTATION = 0x0112
# What `sniff` recognizes: the types a stored picture is served as.
CONTENT_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


class InvalidImage(ValueError):
    """Not an image we accept, or a broken one."""


def sniff(head: bytes) -> str | None:
    """The content type from the first bytes, or None when it is not an accepted image."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(PNG_SIGNATURE):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def clean(src: BinaryIO, dst: BinaryIO, content_type: str) -> None:
    """Copy the image of type `content_type` from `src` to `dst` (seekable) without metadata."""
    cleaner = _CLEANERS.get(content_type)
    if cleaner is None:
        raise InvalidImage(f"not an accepted image type: {content_type}")
    try:
        cleaner(_Source(src), dst)
    except (struct.error, IndexError) as exc:
        raise InvalidImage("broken image") from exc


def clean_bytes(data: bytes, content_type: str) -> bytes:
    out = io.BytesIO()
    clean(io.BytesIO(data), out, content_type)
    return out.getvalue()


class _Source:
    """A buffered reader that can look ahead (scans find markers without a byte loop)."""

    def __init__(self, f: BinaryIO) -> None:
        self._f = f
        self.buf = b""
        self.pos = 0

    def fill(self, n: int) -> int:
        """Make `n` bytes available if the file has them; returns how many are."""
        have = len(self.buf) - self.pos
        if have < n:
            parts = [self.buf[self.pos :]]
            while have < n:
                more = self._f.read(max(COPY_CHUNK, n - have))
                if not more:
                    break
                parts.append(more)
                have += len(more)
            self.buf, self.pos = b"".join(parts), 0
        return have

    def read(self, n: int) -> bytes:
        if self.fill(n) < n:
            raise InvalidImage("truncated image")
        data = self.buf[self.pos : self.pos + n]
        self.pos += n
        return data

    def at_end(self) -> bool:
        return self.fill(1) == 0

    def copy(self, dst: BinaryIO | None, n: int) -> None:
        """Copy (or skip, with no `dst`) exactly `n` bytes."""
        while n > 0:
            if self.fill(1) == 0:
                raise InvalidImage("truncated image")
            step = min(n, len(self.buf) - self.pos)
            if dst is not None:
                dst.write(self.buf[self.pos : self.pos + step])
            self.pos += step
            n -= step


# -- Exif orientation, the one tag kept -------------------------------------------------


def _orientation(tiff: bytes) -> int | None:
    """The orientation (2-8) in IFD0 of a TIFF/Exif block; None when absent or normal."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    order = "<" if tiff[:2] == b"II" else ">"
    magic, ifd = struct.unpack(order + "HI", tiff[2:8])
    if magic != 42 or ifd + 2 > len(tiff):
        return None
    (count,) = struct.unpack(order + "H", tiff[ifd : ifd + 2])
    for k in range(min(count, 1024)):
        entry = tiff[ifd + 2 + 12 * k : ifd + 14 + 12 * k]
        if len(entry) < 12:
            break
        tag, kind, n = struct.unpack(order + "HHI", entry[:8])
        if tag == ORIENTATION and kind == 3 and n == 1:  # SHORT
            (value,) = struct.unpack(order + "H", entry[8:10])
            return value if 2 <= value <= 8 else None
    return None


def _orientation_tiff(value: int) -> bytes:
    """A TIFF block with IFD0 holding only the orientation."""
    entry = struct.pack(">HHIHH", ORIENTATION, 3, 1, value, 0)
    return b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + entry + b"\x00\x00\x00\x00"


# -- JPEG -------------------------------------------------------------------------------

# APPn segments kept, by their identifier: JFIF (density), ICC profile (colours), Adobe
# (colour transform: CMYK files decode wrongly without it). Every other APPn goes.
_JPEG_APPS = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
# Frame headers, Huffman/arithmetic/quantisation tables, restart interval, line count,
# hierarchical markers: what decoding needs (0xC8 is reserved, 0xCC is DAC).
_JPEG_TABLES = frozenset(range(0xC0, 0xD0)) - {0xC8} | {0xDB, 0xDC, 0xDD, 0xDE, 0xDF}
_EOF = -1


def _jpeg(src: _Source, dst: BinaryIO) -> None:
    if src.read(2) != b"\xff\xd8":
        raise InvalidImage("not a JPEG")
    dst.write(b"\xff\xd8")
    oriented = False
    marker = _jpeg_marker(src)
    while True:
        if marker in (0xD9, _EOF):  # end of image (or a truncated scan): nothing after
            dst.write(b"\xff\xd9")
            return
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:  # standalone, outside a scan: dropped
            marker = _jpeg_marker(src)
            continue
        (length,) = struct.unpack(">H", src.read(2))
        if length < 2:
            raise InvalidImage("broken JPEG segment")
        head = bytes((0xFF, marker)) + struct.pack(">H", length)
        if marker == 0xDA:  # start of scan: header, then entropy-coded data to the next marker
            dst.write(head)
            src.copy(dst, length - 2)
            marker = _jpeg_scan(src, dst)
            continue
        prefix = _JPEG_APPS.get(marker)
        if marker in _JPEG_TABLES:
            dst.write(head)
            src.copy(dst, length - 2)
        elif prefix is not None and length - 2 >= len(prefix):
            src.fill(len(prefix))
            keep = src.buf[src.pos : src.pos + len(prefix)] == prefix
            if keep:
                dst.write(head)
            src.copy(dst if keep else None, length - 2)
        elif marker == 0xE1 and not oriented and length - 2 <= MAX_METADATA:
            payload = src.read(length - 2)
            value = _orientation(payload[6:]) if payload.startswith(b"Exif\x00\x00") else None
            if value is not None:
                exif = b"Exif\x00\x00" + _orientation_tiff(value)
                dst.write(b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif)
                oriented = True
        else:  # other APPn (Exif, XMP, MPF, IPTC/Photoshop, ...), COM, JPGn: dropped
            src.copy(None, length - 2)
        marker = _jpeg_marker(src)


def _jpeg_marker(src: _Source) -> int:
    """The next marker's code (fill bytes skipped)."""
    if src.read(1) != b"\xff":
        raise InvalidImage("broken JPEG segment")
    code = src.read(1)[0]
    while code == 0xFF:
        code = src.read(1)[0]
    return code


def _jpeg_scan(src: _Source, dst: BinaryIO) -> int:
    """Copy entropy-coded data (stuffed 0xFF00 and restart markers included) up to the next
    marker; returns its code, _EOF when the file ends first."""
    while True:
        if src.fill(2) == 0:
            return _EOF
        buf, start = src.buf, src.pos
        i = buf.find(b"\xff", start)
        while i != -1 and i + 1 < len(buf):
            code = buf[i + 1]
            if code == 0x00 or 0xD0 <= code <= 0xD7:
                i = buf.find(b"\xff", i + 2)
                continue
            dst.write(buf[start:i])
            src.pos = i + 2
            while code == 0xFF:  # fill bytes before the marker
                code = src.read(1)[0]
            return code
        end = len(buf) if i == -1 else i  # a lone 0xFF at the end waits for the next read
        dst.write(buf[start:end])
        src.pos = end
        if i != -1 and src.fill(2) < 2:
            return _EOF


# -- PNG --------------------------------------------------------------------------------

# Chunks that change how the image looks (critical, colour, transparency, animation).
# Everything else goes: tEXt/zTXt/iTXt (XMP, "Raw profile type exif/APP1", comments), eXIf
# (rebuilt with the orientation only), tIME, and any private chunk.
_PNG_KEEP = frozenset(
    {
        b"IHDR",
        b"PLTE",
        b"IDAT",
        b"IEND",
        b"tRNS",
        b"cHRM",
        b"gAMA",
        b"iCCP",
        b"sBIT",
        b"sRGB",
        b"cICP",
        b"mDCV",
        b"cLLI",
        b"bKGD",
        b"hIST",
        b"pHYs",
        b"sPLT",
        b"acTL",
        b"fcTL",
        b"fdAT",
    }
)


def _png(src: _Source, dst: BinaryIO) -> None:
    if src.read(8) != PNG_SIGNATURE:
        raise InvalidImage("not a PNG")
    dst.write(PNG_SIGNATURE)
    first, oriented = True, False
    while True:
        header = src.read(8)
        length, kind = struct.unpack(">I4s", header)
        if length > 0x7FFFFFFF or (first and kind != b"IHDR"):
            raise InvalidImage("broken PNG chunk")
        first = False
        if kind in _PNG_KEEP:
            dst.write(header)
            src.copy(dst, length + 4)  # data and CRC
        elif kind == b"eXIf" and not oriented and length <= MAX_METADATA:
            value = _orientation(src.read(length))
            src.copy(None, 4)
            if value is not None:
                tiff = _orientation_tiff(value)
                chunk = b"eXIf" + tiff
                dst.write(struct.pack(">I", len(tiff)) + chunk)
                dst.write(struct.pack(">I", zlib.crc32(chunk)))
                oriented = True
        else:
            src.copy(None, length + 4)
        if kind == b"IEND":
            return  # whatever follows is not part of the image


# -- WebP -------------------------------------------------------------------------------

_WEBP_KEEP = frozenset({b"VP8 ", b"VP8L", b"ALPH", b"ANIM", b"ICCP"})
_WEBP_FRAME = frozenset({b"VP8 ", b"VP8L", b"ALPH"})
_VP8X_EXIF_XMP = 0x08 | 0x04


def _webp(src: _Source, dst: BinaryIO) -> None:
    riff = src.read(12)
    if riff[:4] != b"RIFF" or riff[8:12] != b"WEBP":
        raise InvalidImage("not a WebP")
    (size,) = struct.unpack("<I", riff[4:8])
    remaining = size - 4  # the chunks; whatever follows the RIFF size is not read at all
    start = dst.tell()
    dst.write(riff)  # the size is patched once the kept chunks are known
    while remaining >= 8:
        header = src.read(8)
        kind, length = struct.unpack("<4sI", header)
        padded = length + (length & 1)
        remaining -= 8 + padded
        if remaining < 0:
            raise InvalidImage("broken WebP chunk")
        if kind in _WEBP_KEEP:
            dst.write(header)
            src.copy(dst, padded)
        elif kind == b"VP8X":
            data = src.read(padded)
            if data:
                data = bytes([data[0] & ~_VP8X_EXIF_XMP]) + data[1:]
            dst.write(header + data)
        elif kind == b"ANMF":
            frame = _webp_frame(src.read(padded))
            dst.write(b"ANMF" + struct.pack("<I", len(frame)) + frame)
        else:  # EXIF, XMP and unknown chunks
            src.copy(None, padded)
    end = dst.tell()
    dst.seek(start + 4)
    dst.write(struct.pack("<I", end - start - 8))
    dst.seek(end)


def _webp_frame(data: bytes) -> bytes:
    """An animation frame: its 16-byte header and only its image sub-chunks."""
    out, pos = [data[:16]], 16
    while pos + 8 <= len(data):
        kind, length = struct.unpack("<4sI", data[pos : pos + 8])
        padded = length + (length & 1)
        if kind in _WEBP_FRAME:
            out.append(data[pos : pos + 8 + padded])
        pos += 8 + padded
    return b"".join(out)


# -- GIF --------------------------------------------------------------------------------

# Application extensions that only say how to loop an animation.
_GIF_APPS = frozenset({b"NETSCAPE2.0", b"ANIMEXTS1.0"})


def _gif(src: _Source, dst: BinaryIO) -> None:
    header = src.read(6)
    if header not in (b"GIF87a", b"GIF89a"):
        raise InvalidImage("not a GIF")
    screen = src.read(7)
    dst.write(header + screen)
    if screen[4] & 0x80:  # global colour table
        src.copy(dst, 3 << ((screen[4] & 0x07) + 1))
    while not src.at_end():
        block = src.read(1)
        if block == b"\x3b":
            break
        if block == b"\x2c":  # image: descriptor, local colour table, LZW data
            descriptor = src.read(9)
            dst.write(block + descriptor)
            if descriptor[8] & 0x80:
                src.copy(dst, 3 << ((descriptor[8] & 0x07) + 1))
            src.copy(dst, 1)
            _gif_blocks(src, dst)
        elif block == b"\x21":
            label = src.read(1)
            # Graphic control (delays, transparency) and looping are kept.
            if label == b"\xf9" or (label == b"\xff" and _gif_application(src) in _GIF_APPS):
                dst.write(block + label)
                _gif_blocks(src, dst)
            else:  # comments, plain text, other applications (XMP, ...)
                _gif_blocks(src, None)
        else:
            raise InvalidImage("broken GIF block")
    dst.write(b"\x3b")  # the trailer; whatever followed it is not part of the image


def _gif_application(src: _Source) -> bytes:
    """The identifier of the application extension ahead (its first sub-block), not read."""
    src.fill(12)
    if src.buf[src.pos : src.pos + 1] != b"\x0b":
        return b""
    return src.buf[src.pos + 1 : src.pos + 12]


def _gif_blocks(src: _Source, dst: BinaryIO | None) -> None:
    """Copy (or skip) data sub-blocks up to and including the terminator."""
    while True:
        size = src.read(1)
        if dst is not None:
            dst.write(size)
        if size == b"\x00":
            return
        src.copy(dst, size[0])


_CLEANERS = {"image/jpeg": _jpeg, "image/png": _png, "image/webp": _webp, "image/gif": _gif}
