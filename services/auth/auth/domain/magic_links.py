"""One-time sign-in links: purposes, lifetimes, and the mail that carries one. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from servelo_common.mail import Mail
from servelo_common.sql import FromRow

REQUEST_ANSWER = "If an account exists for this email, a sign-in link has been sent."
INVALID_LINK = "Invalid or expired magic link"
# At most one self-service link mail per user per minute, whatever the caller does.
RESEND_AFTER = 60
# Longer than any token we make: anything longer is refused without a lookup.
MAX_TOKEN_LENGTH = 200


class Purpose(StrEnum):
    LOGIN = "login"  # asked for on the sign-in page
    INVITE = "invite"  # an invitation (by an org admin, or with a new org)
    ADMIN_LOGIN = "admin_login"  # sent by an admin (`send-login-link`)


TTL_SECONDS = {
    Purpose.LOGIN: 15 * 60,
    Purpose.INVITE: 7 * 24 * 3600,
    Purpose.ADMIN_LOGIN: 24 * 3600,
}
_VALIDITY = {Purpose.LOGIN: "15 minutes", Purpose.INVITE: "7 days", Purpose.ADMIN_LOGIN: "24 hours"}
_SUBJECTS = {
    Purpose.LOGIN: "Your sign-in link",
    Purpose.INVITE: "You have been invited to Servelo",
    Purpose.ADMIN_LOGIN: "Your sign-in link",
}


@dataclass(frozen=True, slots=True)
class RedeemedLink(FromRow):
    converters = {"purpose": Purpose}
    user_id: UUID
    purpose: Purpose


def link_mail(purpose: Purpose, *, to: str, name: str, org_name: str, url: str) -> Mail:
    """The mail carrying a link (the link never travels on an event)."""
    if purpose is Purpose.INVITE:
        intro = f"You have been invited to join {org_name} on Servelo."
    else:
        intro = f"Use this link to sign in to {org_name} on Servelo."
    text = (
        f"Hello {name},\n\n{intro}\n\n{url}\n\n"
        f"The link works once and expires in {_VALIDITY[purpose]}.\n"
        "If you did not expect this mail, you can ignore it.\n"
    )
    return Mail(to=to, subject=_SUBJECTS[purpose], text=text)
