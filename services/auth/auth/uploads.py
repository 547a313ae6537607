"""Reading one uploaded file (multipart field `file`) with a hard size limit."""

from __future__ import annotations

from servelo_common.errors import ApiError
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

# Multipart framing around the file: boundaries, part headers.
_OVERHEAD = 16 * 1024


async def read_upload(request: Request, *, max_bytes: int, field: str = "file") -> bytes:
    """The bytes of `field`; 413 past `max_bytes` (counted while reading, so a client that
    lies about Content-Length or streams without one cannot make us buffer more)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(
            415,
            "Expected multipart/form-data with a `file` field",
            errors={field: ["The file field is required."]},
        )
    too_large = ApiError(
        413,
        f"The file must be at most {max_bytes // 1024} KB",
        errors={field: [f"The file must be at most {max_bytes // 1024} KB."]},
    )
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + _OVERHEAD:
        raise too_large
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_bytes + _OVERHEAD:
            raise too_large
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": bytes(raw), "more_body": False}

    try:
        form = await Request(request.scope, replay).form(max_files=1, max_fields=10)
    except Exception as exc:  # the multipart parser's errors have no common base
        raise ApiError(400, "Malformed multipart body") from exc
    upload = form.get(field)
    if not isinstance(upload, UploadFile):
        raise ApiError(400, "Validation failed", errors={field: ["The file field is required."]})
    data = await upload.read()
    await form.close()
    if len(data) > max_bytes:
        raise too_large
    if not data:
        raise ApiError(400, "Validation failed", errors={field: ["The file is empty."]})
    return data
