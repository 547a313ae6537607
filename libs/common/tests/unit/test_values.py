"""One rule per kind of value, the same in every service (`servelo_common.values`)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field, ValidationError
from servelo_common.schemas import Day, Email, Instant, Money, OptionalEmail, OptionalPhone
from servelo_common.values import (
    normalize_email,
    normalize_phone,
    parse_day,
    parse_instant,
)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (" Ann@Example.COM ", "ann@example.com"),
        ("owner@acme.test", "owner@acme.test"),
        ("jane@client.test", "jane@client.test"),
        ("admin@servelo.local", "admin@servelo.local"),
        ("a@b.example", "a@b.example"),
        ("x@mail.localhost", "x@mail.localhost"),
        ("first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk"),
    ],
)
def test_valid_addresses_keep_one_stored_form(given: str, stored: str) -> None:
    assert normalize_email(given) == stored


@pytest.mark.parametrize(
    "email",
    [
        "a@b",
        "a b@c.io",
        "a@b.io\r\nBcc: x@y.io",
        "@b.io",
        "a@@b.io",
        "a..b@ex.com",
        "a@[127.0.0.1]",
        "a@x.onion",
        "",
        "a" * 250 + "@b.io",
    ],
)
def test_invalid_addresses_are_refused(email: str) -> None:
    with pytest.raises(ValueError, match="valid email"):
        normalize_email(email)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("+1 (555) 010-0199", "+15550100199"),
        ("0044 20 7946 0958", "+442079460958"),
        ("5551", "5551"),
    ],
)
def test_phones_are_stored_as_digits(given: str, stored: str) -> None:
    assert normalize_phone(given) == stored


@pytest.mark.parametrize("phone", ["555", "call me", "+1 555 0100 #2", "1" * 16])
def test_bad_phones_are_refused(phone: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        normalize_phone(phone)


def test_days_are_iso_calendar_dates_in_range() -> None:
    assert parse_day("2026-02-28") == date(2026, 2, 28)
    assert parse_day(" 2024-02-29 ") == date(2024, 2, 29)
    assert parse_day(date(2026, 1, 1)) == date(2026, 1, 1)


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30",
        "2025-02-29",
        "2026-13-01",
        "26-01-01",
        "2026/01/01",
        "2026-01-01T00:00:00",
        "20260101",
        "",
        "today",
        1700000000,
        2026.5,
        None,
        ["2026-01-01"],
        "0001-01-01",
        "9999-12-31",
    ],
)
def test_anything_but_a_sane_yyyy_mm_dd_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"YYYY-MM-DD|between"):
        parse_day(value)


def test_instants_are_iso_8601_strings_taken_as_utc() -> None:
    assert parse_instant("2026-03-01T09:30:00Z") == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert parse_instant("2026-03-01T10:30:00+01:00") == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert parse_instant("2026-03-01 09:30") == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert parse_instant("2026-03-01") == datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize("value", [0, 1700000000, "0", "yesterday", "2026-13-01", None, True])
def test_numbers_are_not_instants(value: object) -> None:
    with pytest.raises(ValueError, match=r"ISO 8601|YYYY-MM-DD"):
        parse_instant(value)


class _Row(BaseModel):
    email: Email
    client_email: OptionalEmail = None
    phone: OptionalPhone = None
    day: Day | None = None
    at: Instant | None = None
    amount: Annotated[Money, Field(gt=0)] = Decimal("1")


def test_the_pydantic_types_apply_the_rules() -> None:
    row = _Row.model_validate(
        {
            "email": "A@X.test",
            "client_email": " ",
            "phone": "",
            "amount": 1.1,
            "at": "2026-01-01T00:00",
        }
    )
    assert (row.email, row.client_email, row.phone) == ("a@x.test", None, None)
    assert row.amount == Decimal("1.1")  # a JSON number, never its binary float
    assert row.at == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError):
        _Row.model_validate({"email": "a@x.test", "at": 0})


def _string_pattern(schema: dict[str, Any]) -> str:
    pattern: str = next(b["pattern"] for b in schema["anyOf"] if b.get("type") == "string")
    return pattern


def test_money_schema_states_the_bounds_the_server_enforces() -> None:
    prop = _Row.model_json_schema(mode="validation")["properties"]["amount"]
    number = next(b for b in prop["anyOf"] if b.get("type") == "number")
    assert number["exclusiveMinimum"] == 0
    pattern = _string_pattern(prop)
    for ok in ("0.01", "1", "10.50", "999999999999.99"):
        assert re.fullmatch(pattern, ok), ok
        _Row.model_validate({"email": "a@x.test", "amount": ok})
    for bad in ("0", "0.00", "-1", "1.234", "1000000000000"):
        assert not re.fullmatch(pattern, bad), bad
        with pytest.raises(ValidationError):
            _Row.model_validate({"email": "a@x.test", "amount": bad})
    out = _Row.model_json_schema(mode="serialization")["properties"]["amount"]
    assert out["type"] == "string" and re.fullmatch(out["pattern"], "150.00")


def test_email_schema_says_email() -> None:
    props = _Row.model_json_schema(mode="validation")["properties"]
    assert props["email"]["format"] == "email"
