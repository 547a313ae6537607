"""Passwordless sign-in: `/api/auth/magic-link/{request,verify}`."""

from __future__ import annotations

from servelo_common.http import body, json, message, query, tenant
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.domain.magic_links import REQUEST_ANSWER
from auth.routes import client_of, ctx_of
from auth.routes.sessions import TAGS
from auth.schemas.magic_links import EmailInput, VerifyQuery
from auth.schemas.sessions import TokenPair
from auth.service import magic_links


async def request_magic_link(request: Request) -> Response:
    """Mail a sign-in link; the answer is the same whether the email is known or not."""
    data = await body(request, EmailInput)
    await magic_links.request_link(
        ctx_of(request), ident=tenant(request), data=data, client=client_of(request)
    )
    return message(REQUEST_ANSWER)


async def verify_magic_link(request: Request) -> Response:
    """Redeem a magic link (once) for a token pair."""
    token = query(request, VerifyQuery).token
    tokens = await magic_links.verify_link(
        ctx_of(request), ident=tenant(request), token=token, client=client_of(request)
    )
    return json(TokenPair.of(tokens))


ROUTES: list[Route] = [
    api_route(
        "/api/auth/magic-link/request",
        request_magic_link,
        methods=["POST"],
        body=EmailInput,
        public=True,
        tags=TAGS,
    ),
    api_route(
        "/api/auth/magic-link/verify",
        verify_magic_link,
        methods=["GET"],
        query=VerifyQuery,
        response=TokenPair,
        public=True,
        errors=[401],
        tags=TAGS,
    ),
]
