"""One rule per kind of value, for every service: emails, phones, days, instants, decimals.

Each function takes what a client sent and returns the one stored form, or raises a
ValueError whose message is the one the API shows. `servelo_common.schemas` wraps them as
pydantic types (`Email`, `Phone`, `Day`, `Instant`, `Money`); a value valid for a user is
valid for a client, an admin org, a team member.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import email_validator
from email_validator import EmailNotValidError, validate_email

# Reserved for testing and documentation (RFC 2606, RFC 6761) or local networks (RFC
# 6762): syntax-checked like any domain, never refused for being reserved. The library
# documents this list as the knob for it; `onion` and `arpa` stay refused.
ACCEPTED_RESERVED = ("test", "example", "invalid", "localhost", "local")
email_validator.SPECIAL_USE_DOMAIN_NAMES[:] = [
    name for name in email_validator.SPECIAL_USE_DOMAIN_NAMES if name not in ACCEPTED_RESERVED
]

EMAIL_MAX = 254
EMAIL_RULE = "Enter a valid email address."
# What people type between digits; anything else (letters, `#`, `;`) is garbage.
PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
_PHONE = re.compile(r"^\+?\d{4,15}$")
PHONE_RULE = "Enter a phone number of 4 to 15 digits, optionally starting with +."
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DAY_RULE = "Must be a date written YYYY-MM-DD."
DAY_RANGE = f"The date must be between {FIRST_DAY} and {LAST_DAY}."
INSTANT_RULE = "Must be a date and time in ISO 8601 form, e.g. 2026-03-01T09:30:00Z."
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def normalize_email(value: str) -> str:
    """`ann@example.com` from ` Ann@Example.COM `: strict syntax (no DNS), one stored form."""
    value = value.strip()
    if not value or len(value) > EMAIL_MAX:
        raise ValueError(EMAIL_RULE)
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(EMAIL_RULE) from exc
    return checked.normalized.lower()


def normalize_phone(value: str) -> str:
    """`+15550100199` from `+1 (555) 010-0199`; ValueError for anything not a phone number."""
    compact = PHONE_SEPARATORS.sub("", value)
    if compact.startswith("00"):
        # The international call prefix people dial from Europe means the same as `+`.
        compact = "+" + compact[2:]
    if not _PHONE.fullmatch(compact):
        raise ValueError(PHONE_RULE)
    return compact


def parse_day(value: Any) -> date:
    """A calendar date written `YYYY-MM-DD` (no timestamps, no numbers) in a sane range;
    asyncpg would also turn date.min/max into -infinity/infinity."""
    if isinstance(value, datetime):
        raise ValueError(DAY_RULE)
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError("Must be a valid calendar date (YYYY-MM-DD).") from exc
    else:
        raise ValueError(DAY_RULE)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(DAY_RANGE)
    return day


def parse_instant(value: Any) -> datetime:
    """An ISO 8601 date and time (a string: never a bare number of seconds), in UTC; without
    an offset it is taken as UTC, and a bare `YYYY-MM-DD` is that day's midnight UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _ISO_DATE.match(value.strip()):
        day = parse_day(value)
        moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    elif isinstance(value, str) and _ISO_INSTANT.match(value.strip()):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(INSTANT_RULE) from exc
    else:
        raise ValueError(INSTANT_RULE)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise ValueError(DAY_RANGE)
    return moment


def no_float(value: Any) -> Any:
    """A JSON number arrives as a float: take its shortest repr, never its binary value."""
    return repr(value) if isinstance(value, float) else value
