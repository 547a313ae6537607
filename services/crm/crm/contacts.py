"""Searching client contact details in their one stored form (`servelo_common.values`:
emails lowercased, phones as digits), so `+1 (555) 010-0199` finds `+15550100199`."""

from __future__ import annotations

from servelo_common.values import PHONE_SEPARATORS


def search_phone_digits(term: str) -> str | None:
    """The digits to look for when a search term looks like (part of) a phone number."""
    compact = PHONE_SEPARATORS.sub("", term).removeprefix("+")
    return compact if compact.isdigit() else None
