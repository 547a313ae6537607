"""HTTP routes, one module per resource: who may call, parse, one service call, answer.

What the resources' routes share lives here (the service context, the client's address,
reading an upload); `ROUTES` is the whole auth API, the gateway's `/internal` routes
included.
"""

from __future__ import annotations

from servelo_common.declared import note
from servelo_common.errors import ApiError
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import Message

from auth.domain import Client
from auth.service import Auth


def ctx_of(request: Request) -> Auth:
    """The service context the startup hook built (`main.create_app`)."""
    ctx: Auth = request.state.service.extras["auth"]
    return ctx


def client_of(request: Request) -> Client:
    """Where the request came from: the address the gateway's limits used (the right-most
    hop it does not trust), which clients cannot send through it. Without a gateway: the
    last forwarded hop, else the peer."""
    ip = request.headers.get("x-servelo-client-ip", "").strip() or None
    if ip is None:
        forwarded = request.headers.get("x-forwarded-for", "")
        ip = forwarded.rsplit(",", 1)[-1].strip() or None
    if ip is None and request.client is not None:
        ip = request.client.host
    agent = request.headers.get("user-agent")
    return Client(ip=ip[:100] if ip else None, user_agent=agent[:500] if agent else None)


# Multipart framing around the file: boundaries, part headers.
_OVERHEAD = 16 * 1024


async def read_upload(request: Request, *, max_bytes: int, field: str = "file") -> bytes:
    """The bytes of `field`; 413 past `max_bytes` (counted while reading, so a client that
    lies about Content-Length or streams without one cannot make us buffer more)."""
    note(request.scope, "upload")
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


# The resources' modules use the helpers above, so they are imported after them.
from auth.routes import (  # noqa: E402
    account,
    audit,
    internal,
    magic_links,
    orgs,
    sessions,
    settings,
    users,
)

ROUTES = [
    *sessions.ROUTES,
    *magic_links.ROUTES,
    *account.ROUTES,
    *users.ROUTES,
    *settings.ROUTES,
    *audit.ROUTES,
    *orgs.ROUTES,
    # Service-to-service only: plain routes, left out of the public OpenAPI document.
    *internal.ROUTES,
]
