"""Passwordless sign-in: the body that asks for a link."""

from __future__ import annotations

from servelo_common.schemas import ApiInput, Email


class EmailInput(ApiInput):
    email: Email
