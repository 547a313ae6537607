"""A multipart upload read from the request stream into a temporary file, never all in memory.

The size limit is enforced while reading (413 as soon as it is passed), and the type is
sniffed from the first bytes, not taken from the client's headers.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from servelo_common.declared import note
from servelo_common.errors import ApiError, RequestValidationError
from servelo_common.images import SNIFF_BYTES
from starlette.requests import ClientDisconnect, Request

FIELD = "file"
# Room for the multipart framing and small extra fields around the file.
OVERHEAD = 64 * 1024


@dataclass
class Upload:
    path: Path
    size: int
    head: bytes
    filename: str | None

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


def _discard(handle: BinaryIO, path: Path) -> None:
    handle.close()
    path.unlink(missing_ok=True)


def too_large(max_bytes: int) -> ApiError:
    return ApiError(413, f"The file is too large (at most {max_bytes} bytes)")


class _Receiver:
    """Collects the `file` part's bytes from the push parser's callbacks."""

    def __init__(self) -> None:
        self.header_field = b""
        self.header_value = b""
        self.disposition = b""
        self.in_file = False
        self.seen_file = False
        self.filename: str | None = None
        self.pending: list[bytes] = []

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._field,
            "on_header_value": self._value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_done,
            "on_part_data": self._data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self.disposition = b""
        self.header_field = self.header_value = b""

    def _field(self, data: bytes, start: int, end: int) -> None:
        self.header_field += data[start:end]

    def _value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def _header_end(self) -> None:
        if self.header_field.strip().lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_field = self.header_value = b""

    def _headers_done(self) -> None:
        _, params = parse_options_header(self.disposition)
        self.in_file = params.get(b"name") == FIELD.encode() and not self.seen_file
        if self.in_file:
            self.seen_file = True
            raw = params.get(b"filename")
            self.filename = os.path.basename(raw.decode("utf-8", "replace"))[:255] if raw else None

    def _data(self, data: bytes, start: int, end: int) -> None:
        if self.in_file:
            self.pending.append(data[start:end])

    def _part_end(self) -> None:
        self.in_file = False


async def receive_upload(request: Request, *, max_bytes: int, tmp_dir: Path) -> Upload:
    """The `file` field of a multipart body, in a temporary file the caller discards."""
    note(request.scope, "upload")
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise RequestValidationError(
            {FIELD: ["Send the photo as multipart/form-data in the field 'file'."]}
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes + OVERHEAD:
        raise too_large(max_bytes)
    receiver = _Receiver()
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    await asyncio.to_thread(tmp_dir.mkdir, parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, suffix=".upload")
    path = Path(name)
    handle: BinaryIO = os.fdopen(fd, "wb")
    size, received, head = 0, 0, b""
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes + OVERHEAD:
                raise too_large(max_bytes)
            parser.write(chunk)
            if receiver.pending:
                data = b"".join(receiver.pending)
                receiver.pending.clear()
                size += len(data)
                if size > max_bytes:
                    raise too_large(max_bytes)
                if len(head) < SNIFF_BYTES:
                    head += data[: SNIFF_BYTES - len(head)]
                await asyncio.to_thread(handle.write, data)
        parser.finalize()
        handle.close()
    except MultipartParseError as exc:
        await asyncio.to_thread(_discard, handle, path)
        raise ApiError(400, "Malformed multipart body") from exc
    except BaseException:
        await asyncio.to_thread(_discard, handle, path)
        raise
    if not receiver.seen_file or size == 0:
        await asyncio.to_thread(_discard, handle, path)
        raise RequestValidationError({FIELD: ["The file field is required."]})
    return Upload(path=path, size=size, head=head, filename=receiver.filename)


async def discard_rest(request: Request, *, limit: int) -> None:
    """Read and drop what is left of the body (at most `limit` bytes).

    Most HTTP/1.1 clients send the whole body before reading the answer; when we answer
    early (413, 415, 404, a replayed Idempotency-Key), closing on them would turn our
    answer into a connection reset on their side.
    """
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > limit:
                return
    except (RuntimeError, ClientDisconnect):
        return  # already read to the end, or the client went away
