"""What auth's use cases share for the app's lifetime, built by the startup hook."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from servelo_common.db import Pool
from servelo_common.identity import Identity
from servelo_common.jwt import SigningKey, TokenSigner
from starlette.requests import Request

from auth.config import Settings
from auth.passwords import Passwords


@dataclass
class Auth:
    pool: Pool
    settings: Settings
    keys: list[SigningKey]
    signer: TokenSigner
    passwords: Passwords


def auth(request: Request) -> Auth:
    ctx: Auth = request.state.service.extras["auth"]
    return ctx


@dataclass(frozen=True)
class Client:
    """Where a request came from, for sessions and the audit trail."""

    ip: str | None
    user_agent: str | None

    @classmethod
    def of(cls, request: Request) -> Client:
        # The gateway appends the peer address last; earlier entries are client-supplied.
        forwarded = request.headers.get("x-forwarded-for", "")
        ip = forwarded.rsplit(",", 1)[-1].strip() or None
        if ip is None and request.client is not None:
            ip = request.client.host
        agent = request.headers.get("user-agent")
        return cls(ip=ip[:100] if ip else None, user_agent=agent[:500] if agent else None)


def session_of(ident: Identity) -> UUID | None:
    """The caller's session (the token's `sid`), if it names one."""
    try:
        return UUID(ident.session_id) if ident.session_id else None
    except ValueError:
        return None


def revocation_time() -> tuple[float, datetime]:
    """Now, floored to the millisecond like token `iat`: a token issued after this instant
    is never refused for it (and one issued before is)."""
    now = math.floor(time.time() * 1000) / 1000
    return now, datetime.fromtimestamp(now, UTC)


def token_response(access: str, refresh: str, ttl: int, user: Any) -> dict[str, Any]:
    return {
        "accessToken": access,
        "refreshToken": refresh,
        "access_token": access,
        "refresh_token": refresh,
        "token_type": "bearer",
        "expires_in": ttl,
        "user": {
            "id": str(user["id"]),
            "name": user["name"],
            "email": user["email"],
            "role": user["role"],
        },
    }
