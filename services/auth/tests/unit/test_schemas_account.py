"""Changing one's password: the references' camelCase, the new one at least 8 characters."""

from __future__ import annotations

import pytest
from auth.schemas.account import ChangePasswordInput
from pydantic import ValidationError


def test_camel_case_is_accepted_and_passwords_are_never_trimmed() -> None:
    data = ChangePasswordInput.model_validate(
        {"currentPassword": " old ", "newPassword": " new-password "}
    )
    assert data.current_password == " old " and data.new_password == " new-password "


def test_a_short_new_password_is_refused() -> None:
    with pytest.raises(ValidationError):
        ChangePasswordInput.model_validate({"current_password": "old", "new_password": "short"})
