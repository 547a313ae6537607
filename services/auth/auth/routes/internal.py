"""`/internal/...`: what the gateway reads from auth (the tenant registry, revocations).

Service-to-service only: signed with the internal secret, plain routes, left out of the
public OpenAPI document.
"""

from __future__ import annotations

from servelo_common.http import json, require_internal, resource, resources
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.routes import ctx_of
from auth.schemas.orgs import OrgEntry
from auth.schemas.revocations import RevocationEntry
from auth.service import orgs, revocations


async def internal_orgs(request: Request) -> Response:
    """Every org, for the gateway's tenant registry."""
    require_internal(request)
    found = await orgs.registry(ctx_of(request))
    return resources(OrgEntry, found)


async def internal_org(request: Request) -> Response:
    """One org by slug, for a gateway whose registry has not heard of it yet."""
    require_internal(request)
    org = await orgs.registry_entry(ctx_of(request), slug=request.path_params["slug"])
    return resource(OrgEntry, org)


async def internal_revocations(request: Request) -> Response:
    """Scoped revocations of the last 20 minutes: tokens of the scope's subject issued
    before `revoked_at` are refused."""
    require_internal(request)
    found = await revocations.recent_revocations(ctx_of(request))
    return json([RevocationEntry.of(r) for r in found])


ROUTES: list[Route] = [
    Route("/internal/orgs", internal_orgs, methods=["GET"]),
    Route("/internal/orgs/{slug}", internal_org, methods=["GET"]),
    Route("/internal/revocations", internal_revocations, methods=["GET"]),
]
