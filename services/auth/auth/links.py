"""One-time sign-in links: stored hashed, mailed in the same transaction, used once."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from servelo_common.db import Connection
from servelo_common.events import emit
from servelo_common.mail import Mail, queue_mail

from auth import events
from auth import repository as repo
from auth.config import Settings
from auth.domain import MAGIC_LINK_TTL
from auth.tokens import digest, new_secret

_SUBJECTS = {
    "login": "Your sign-in link",
    "invite": "You have been invited to Servelo",
    "admin_login": "Your sign-in link",
}


_VALIDITY = {"login": "15 minutes", "invite": "7 days", "admin_login": "24 hours"}


def _text(purpose: str, name: str, org_name: str, url: str) -> str:
    if purpose == "invite":
        intro = f"You have been invited to join {org_name} on Servelo."
    else:
        intro = f"Use this link to sign in to {org_name} on Servelo."
    return (
        f"Hello {name},\n\n{intro}\n\n{url}\n\n"
        f"The link works once and expires in {_VALIDITY[purpose]}.\n"
        "If you did not expect this mail, you can ignore it.\n"
    )


async def send_link(
    conn: Connection, settings: Settings, *, org: Any, user: Any, purpose: str
) -> None:
    """Create a link for `user` and queue the mail carrying it (never an event)."""
    secret = new_secret()
    expires = datetime.now(UTC) + timedelta(seconds=MAGIC_LINK_TTL[purpose])
    await repo.insert_magic_link(
        conn,
        link_id=uuid.uuid4(),
        org_id=org["id"],
        user_id=user["id"],
        token_hash=digest(secret),
        purpose=purpose,
        expires_at=expires,
    )
    url = settings.public_url(org["slug"], f"/api/auth/magic-link/verify?token={secret}")
    await queue_mail(
        conn,
        Mail(
            to=user["email"],
            subject=_SUBJECTS[purpose],
            text=_text(purpose, user["name"], org["name"], url),
        ),
        org_id=org["id"],
    )
    if purpose != "invite":
        await emit(
            conn,
            events.LoginLinkRequested(id=str(user["id"]), org_id=str(org["id"]), purpose=purpose),
            tenant=org["id"],
            subject=user["id"],
        )


async def redeem(conn: Connection, *, org_id: UUID, secret: str) -> Any:
    """The link's row if it was unused and unexpired; marks it used (exactly once)."""
    return await repo.use_magic_link(conn, org_id=org_id, token_hash=digest(secret))
