"""The link request's email: one rule for every email (servelo_common.values)."""

from __future__ import annotations

import pytest
from auth.schemas.magic_links import EmailInput
from pydantic import ValidationError
from servelo_common.values import normalize_email


@pytest.mark.parametrize("email", ["a@b", "a b@c.io", "a@b.io\r\nBcc: x@y.io", "@b.io", "a@@b.io"])
def test_emails_that_could_break_a_mail_header_are_refused(email: str) -> None:
    with pytest.raises(ValueError, match="valid email"):
        normalize_email(email)
    with pytest.raises(ValidationError):
        EmailInput.model_validate({"email": email})


def test_email_is_trimmed_and_lowercased() -> None:
    assert EmailInput.model_validate({"email": " A@B.io "}).email == "a@b.io"
