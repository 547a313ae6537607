"""The quote lifecycle: draft -> sent -> accepted / declined, and what it refuses; client
emails and phones: one stored form, garbage refused."""

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from crm.domain import (
    Customer,
    LineItem,
    Quote,
    QuoteStatus,
    TransitionRefused,
    search_phone_digits,
    search_term,
)
from servelo_common.etag import etag_for
from servelo_common.values import normalize_email, normalize_phone

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
S = QuoteStatus


def quote(status: QuoteStatus, valid_until: date | None = None) -> Quote:
    return Quote(
        id=uuid4(),
        number=7,
        customer_id=uuid4(),
        status=status,
        line_items=(),
        tax_rate=Decimal(0),
        subtotal=Decimal(0),
        tax=Decimal(0),
        total=Decimal(0),
        valid_until=valid_until,
        notes=None,
        sent_at=None,
        accepted_at=None,
        declined_at=None,
        created_by=None,
        version=1,
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("start", "to", "stamp"),
    [
        (S.DRAFT, S.SENT, "sent_at"),
        (S.SENT, S.ACCEPTED, "accepted_at"),
        (S.SENT, S.DECLINED, "declined_at"),
    ],
)
def test_allowed_transition_sets_its_timestamp(start: S, to: S, stamp: str) -> None:
    change = quote(start).transition(to, now=NOW)
    assert change is not None
    assert change.status is to
    assert getattr(change, stamp) == NOW


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (S.DRAFT, S.ACCEPTED),
        (S.DRAFT, S.DECLINED),
        (S.SENT, S.DRAFT),
        (S.ACCEPTED, S.DRAFT),
        (S.ACCEPTED, S.SENT),
        (S.ACCEPTED, S.DECLINED),
        (S.DECLINED, S.ACCEPTED),
        (S.DECLINED, S.SENT),
        (S.DECLINED, S.DRAFT),
    ],
)
def test_refused_transition_names_both_states(start: S, to: S) -> None:
    with pytest.raises(TransitionRefused, match=f"is {start} and cannot become {to}"):
        quote(start).transition(to, now=NOW)


def test_same_status_is_no_change() -> None:
    assert quote(S.SENT).transition(S.SENT, now=NOW) is None


def test_expired_quote_cannot_be_accepted() -> None:
    with pytest.raises(TransitionRefused, match="expired on 2024-02-29"):
        quote(S.SENT, date(2024, 2, 29)).transition(S.ACCEPTED, now=NOW)


def test_quote_valid_until_today_can_be_accepted() -> None:
    change = quote(S.SENT, date(2024, 3, 1)).transition(S.ACCEPTED, now=NOW)
    assert change is not None and change.accepted_at == NOW


def test_expired_quote_can_still_be_declined() -> None:
    change = quote(S.SENT, date(2024, 1, 1)).transition(S.DECLINED, now=NOW)
    assert change is not None and change.status is S.DECLINED


@pytest.mark.parametrize("status", [S.DRAFT, S.SENT])
def test_draft_and_sent_quotes_can_be_mailed(status: S) -> None:
    change = quote(status).send(now=NOW)
    assert (change.status, change.sent_at) == (S.SENT, NOW)


@pytest.mark.parametrize("status", [S.ACCEPTED, S.DECLINED])
def test_decided_quotes_cannot_be_mailed(status: S) -> None:
    with pytest.raises(TransitionRefused, match="can no longer be sent"):
        quote(status).send(now=NOW)


def test_only_drafts_are_editable() -> None:
    quote(S.DRAFT).ensure_editable()
    for status in (S.SENT, S.ACCEPTED, S.DECLINED):
        with pytest.raises(TransitionRefused, match="only draft quotes can be edited"):
            quote(status).ensure_editable()


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


def test_search_term_is_digits_for_phones_else_lowercase() -> None:
    assert search_term("+1 (555) 010") == "1555010"
    assert search_term("Ann LEE") == "ann lee"


def test_quote_from_row_reads_the_stored_lines_as_decimals() -> None:
    row = {
        **{f: getattr(quote(S.DRAFT), f) for f in Quote.__dataclass_fields__},
        "status": "sent",
        "line_items": [
            {"description": "Tap", "quantity": "2.5", "unit_price": "4.00", "total": "10.00"}
        ],
    }
    q = Quote.from_row(row)
    assert q.status is S.SENT
    assert q.line_items == (LineItem("Tap", Decimal("2.5"), Decimal("4.00"), Decimal("10.00")),)
    assert q.etag == etag_for(q.id, 1) != Quote.from_row({**row, "version": 2}).etag


def test_customer_etag_follows_its_version() -> None:
    row = {
        "id": uuid4(),
        "name": "Ann",
        "email": None,
        "phone": None,
        "address": None,
        "notes": None,
        "version": 3,
        "created_at": NOW,
        "updated_at": NOW,
    }
    assert Customer.from_row(row).etag == etag_for(row["id"], 3)
