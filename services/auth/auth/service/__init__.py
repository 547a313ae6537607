"""Use cases, one module per resource. Each owns its transaction (`tenant_tx`): the
repository writes and the outbox rows of their events together.

Every use case has the same signature: `(ctx, *, ident, <ids>, data | query | page)`, where
`ctx` is `Auth` (what they share for the app's lifetime) and `ident` the caller (the tenant
is `ident.org_uuid`; for public routes such as login the identity names only the tenant).
They return domain objects, never rows or response schemas. The few that take a connection
(`signable_user`, `revoke`, `send_link`, ...) are steps run inside another use case's
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from servelo_common.db import Pool
from servelo_common.errors import ApiError
from servelo_common.identity import Identity
from servelo_common.jwt import SigningKey, TokenSigner

from auth.config import Settings
from auth.passwords import Passwords


@dataclass
class Auth:
    """What auth's use cases share for the app's lifetime, built by the startup hook."""

    pool: Pool
    settings: Settings
    keys: list[SigningKey]
    signer: TokenSigner
    passwords: Passwords
    # Tells this replica's magic-link worker that a request is waiting (auth.link_requests).
    wake_link_requests: Callable[[], None] = lambda: None


def actor_of(ident: Identity) -> UUID:
    """The signed-in caller (401 for an identity that names only the tenant); the tenant is
    `ident.org_uuid`."""
    actor = ident.user_uuid
    if actor is None:
        raise ApiError(401)
    return actor


def session_of(ident: Identity) -> UUID | None:
    """The caller's session (the token's `sid`), if it names one."""
    try:
        return UUID(ident.session_id) if ident.session_id else None
    except ValueError:
        return None
