"""Sign-in bodies and the token pair."""

from __future__ import annotations

from auth.domain.sessions import SessionTokens
from auth.schemas.sessions import LoginInput, TokenPair

from .conftest import make_user


def test_login_keeps_password_whitespace_and_normalizes_email() -> None:
    data = LoginInput.model_validate({"email": " A@B.io ", "password": " pw "})
    assert data.email == "a@b.io" and data.password == " pw "


def test_login_email_that_is_no_address_matches_nobody_instead_of_failing() -> None:
    assert LoginInput.model_validate({"email": " Not An Email ", "password": "x"}).email == (
        "not an email"
    )


def test_token_pair_has_both_spellings_and_the_user_brief() -> None:
    user = make_user(role="manager")
    pair = TokenPair.of(SessionTokens("acc", "ref", 900, user)).model_dump(mode="json")
    assert pair == {
        "accessToken": "acc",
        "refreshToken": "ref",
        "access_token": "acc",
        "refresh_token": "ref",
        "token_type": "bearer",
        "expires_in": 900,
        "user": {"id": str(user.id), "name": user.name, "email": user.email, "role": "manager"},
    }
