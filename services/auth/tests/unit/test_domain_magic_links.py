"""The mail that carries a sign-in link: what it says per purpose."""

from __future__ import annotations

import pytest
from auth.domain.magic_links import TTL_SECONDS, Purpose, link_mail


@pytest.mark.parametrize(
    ("purpose", "subject", "validity"),
    [
        (Purpose.LOGIN, "Your sign-in link", "15 minutes"),
        (Purpose.INVITE, "You have been invited to Servelo", "7 days"),
        (Purpose.ADMIN_LOGIN, "Your sign-in link", "24 hours"),
    ],
)
def test_each_purpose_says_how_long_its_link_works(
    purpose: Purpose, subject: str, validity: str
) -> None:
    mail = link_mail(purpose, to="a@b.io", name="Ann", org_name="Acme", url="https://x/y")
    assert mail.to == "a@b.io" and mail.subject == subject
    assert "Hello Ann" in mail.text and "https://x/y" in mail.text and "Acme" in mail.text
    assert f"expires in {validity}" in mail.text


def test_lifetimes() -> None:
    assert TTL_SECONDS == {
        Purpose.LOGIN: 15 * 60,
        Purpose.INVITE: 7 * 24 * 3600,
        Purpose.ADMIN_LOGIN: 24 * 3600,
    }
