"""The caller's own account: changing the password (setting one: `SetPasswordInput`)."""

from __future__ import annotations

from servelo_common.schemas import ApiInput

from auth.schemas import AnyPassword, Password


class ChangePasswordInput(ApiInput):
    current_password: AnyPassword
    new_password: Password
