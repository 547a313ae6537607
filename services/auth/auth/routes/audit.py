"""The org's audit trail: `/api/audit`."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from servelo_common.endpoints import list_endpoint
from servelo_common.routing import Tag, api_route
from starlette.routing import Route

from auth.routes import ctx_of
from auth.schemas.audit import AuditPublic
from auth.service.audit import list_audit

audit = list_endpoint(
    list_audit,
    name="audit",
    roles=("admin",),
    context=ctx_of,
    public=AuditPublic,
    key=lambda e: (e.created_at, str(e.id)),
    key_types=(datetime, UUID),
    doc="The org's audit trail of sign-in and account events, newest first (admin).",
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
