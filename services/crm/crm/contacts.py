"""Client contact details in their one stored form: emails lowercased, phones as digits.

Normalizing on the way in makes the per-org duplicate-email check and the search exact:
`Ann@Example.COM` and `ann@example.com` are one address, `+1 (555) 010-0199` and
`+15550100199` are one number.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email

# What people type between digits; anything else (letters, `#`, `;`) is garbage.
_PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
_PHONE = re.compile(r"^\+?\d{4,15}$")
PHONE_RULE = "Enter a phone number of 4 to 15 digits, optionally starting with +."


def normalize_email(value: str) -> str:
    """`ann@example.com` from ` Ann@Example.COM `; ValueError when it is not an address."""
    try:
        checked = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError("Enter a valid email address.") from exc
    return checked.normalized.lower()


def normalize_phone(value: str) -> str:
    """`+15550100199` from `+1 (555) 010-0199`; ValueError for anything not a phone number."""
    compact = _PHONE_SEPARATORS.sub("", value)
    if compact.startswith("00"):
        # The international call prefix people dial from Europe means the same as `+`.
        compact = "+" + compact[2:]
    if not _PHONE.fullmatch(compact):
        raise ValueError(PHONE_RULE)
    return compact


def search_phone_digits(term: str) -> str | None:
    """The digits to look for when a search term looks like (part of) a phone number."""
    compact = _PHONE_SEPARATORS.sub("", term).removeprefix("+")
    return compact if compact.isdigit() else None
