"""Passwordless sign-in: the body that asks for a link, and the link's query."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from servelo_common.schemas import ApiInput, Email

from auth.domain.magic_links import MAX_TOKEN_LENGTH


class EmailInput(ApiInput):
    email: Email


class VerifyQuery(ApiInput):
    """Query string of `GET /api/auth/magic-link/verify`."""

    token: Annotated[
        str, Field(min_length=1, max_length=MAX_TOKEN_LENGTH, description="From the link.")
    ]
