"""Client emails and phones: one stored form, garbage refused."""

import pytest
from crm.contacts import search_phone_digits
from servelo_common.values import normalize_email, normalize_phone


def test_email_is_trimmed_and_lowercased() -> None:
    assert normalize_email("  Ann.Lee@Example.COM ") == "ann.lee@example.com"


@pytest.mark.parametrize(
    "bad", ["", "ann", "ann@", "@example.com", "a b@example.com", "ann@@example.com"]
)
def test_invalid_email_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="valid email"):
        normalize_email(bad)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("+1 (555) 010-0199", "+15550100199"),
        ("555.010.0199", "5550100199"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+33 1 23 45 67 89", "+33123456789"),
        ("5550100", "5550100"),
    ],
)
def test_phone_is_reduced_to_digits_with_optional_plus(raw: str, canonical: str) -> None:
    assert normalize_phone(raw) == canonical


@pytest.mark.parametrize(
    "bad",
    [
        "call me",
        "555-CALL-NOW",
        "123",
        "+",
        "12+34567",
        "1234567890123456",
        "555 0100 ext 12",
        "555;0100",
    ],
)
def test_garbage_phone_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="4 to 15 digits"):
        normalize_phone(bad)


def test_phone_like_search_term_becomes_digits() -> None:
    assert search_phone_digits("(555) 010") == "555010"
    assert search_phone_digits("+1 555") == "1555"
    assert search_phone_digits("ann") is None
