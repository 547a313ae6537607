"""The org's audit trail: `/api/audit`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.http import require_role
from servelo_common.pagination import page_request, page_response
from servelo_common.routing import Tag, api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.routes import ctx_of
from auth.schemas.audit import AuditPublic
from auth.service.audit import list_audit


async def audit(request: Request) -> Response:
    """The org's audit trail of sign-in and account events, newest first (admin)."""
    ident = require_role(request, "admin")
    pr = page_request(request, key_types=(datetime, UUID))
    entries = await list_audit(ctx_of(request), ident=ident, page=pr)
    return page_response(
        request, entries, pr, key=lambda e: (e.created_at, str(e.id)), model=AuditPublic
    )


ROUTES: list[Route] = [
    api_route(
        "/api/audit",
        audit,
        methods=["GET"],
        response=AuditPublic,
        list_response=True,
        tags=[Tag("audit", "Who signed in, and what changed in accounts and settings (admins).")],
    ),
]
