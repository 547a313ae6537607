"""The caller's own account: `/api/auth/me`, `/api/users/me/...`, `/api/users/preferences`,
and users' avatars (`/api/users/{id}/avatar`)."""

from __future__ import annotations

from servelo_common.http import body, caller, json, message, path_id, resource
from servelo_common.images import CONTENT_TYPES
from servelo_common.routing import api_route
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.routes import ctx_of, read_upload
from auth.routes.sessions import TAGS as AUTH_TAGS
from auth.routes.users import TAGS
from auth.schemas.account import ChangePasswordInput
from auth.schemas.users import Preferences, SetPasswordInput, UserPublic
from auth.service import account


async def me(request: Request) -> Response:
    """The current user's profile."""
    user = await account.get_me(ctx_of(request), ident=caller(request))
    return resource(UserPublic, user)


async def get_preferences(request: Request) -> Response:
    """The current user's preferences."""
    found = await account.get_preferences(ctx_of(request), ident=caller(request))
    return json(Preferences(found))


async def put_preferences(request: Request) -> Response:
    """Deep-merge a JSON object into the current user's preferences."""
    ident = caller(request)
    data = await body(request, Preferences)
    merged = await account.merge_preferences(ctx_of(request), ident=ident, data=data.root)
    return json(Preferences(merged))


async def upload_avatar(request: Request) -> Response:
    """Upload a profile photo (multipart field `file`)."""
    ident = caller(request)
    ctx = ctx_of(request)
    data = await read_upload(request, max_bytes=ctx.settings.avatar_max_bytes)
    return resource(UserPublic, await account.set_avatar(ctx, ident=ident, data=data))


async def get_avatar(request: Request) -> Response:
    """A user's profile photo."""
    ident = caller(request)
    target = path_id(request, message=account.AVATAR_NOT_FOUND)
    avatar = await account.get_avatar(ctx_of(request), ident=ident, user_id=target)
    return Response(
        avatar.data,
        media_type=avatar.content_type,
        headers={
            "Cache-Control": "private, max-age=86400",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'",
        },
    )


async def set_own_password(request: Request) -> Response:
    """Set a password on the current account (no current one needed)."""
    ident = caller(request)
    data = await body(request, SetPasswordInput)
    await account.set_own_password(ctx_of(request), ident=ident, data=data)
    return message("Password set successfully")


async def change_password(request: Request) -> Response:
    """Change the current user's password."""
    ident = caller(request)
    data = await body(request, ChangePasswordInput)
    await account.change_password(ctx_of(request), ident=ident, data=data)
    return message("Password changed successfully")


# Before `routes.users`: `/api/users/preferences` would match `/api/users/{id}`.
ROUTES: list[Route] = [
    api_route("/api/auth/me", me, methods=["GET"], response=UserPublic, tags=AUTH_TAGS),
    api_route(
        "/api/users/preferences",
        get_preferences,
        methods=["GET"],
        response=Preferences,
        tags=TAGS,
    ),
    api_route(
        "/api/users/preferences",
        put_preferences,
        methods=["PUT"],
        body=Preferences,
        response=Preferences,
        tags=TAGS,
    ),
    api_route(
        "/api/users/me/avatar",
        upload_avatar,
        methods=["POST"],
        upload="file",
        response=UserPublic,
        tags=TAGS,
    ),
    api_route(
        "/api/users/me/set-password",
        set_own_password,
        methods=["POST"],
        body=SetPasswordInput,
        tags=TAGS,
    ),
    api_route(
        "/api/users/me/change-password",
        change_password,
        methods=["POST"],
        body=ChangePasswordInput,
        tags=TAGS,
    ),
    api_route(
        "/api/users/{id}/avatar",
        get_avatar,
        methods=["GET"],
        media_types=CONTENT_TYPES,
        tags=TAGS,
    ),
]
