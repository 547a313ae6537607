"""crm's domain, pure, no I/O: clients (customers), the quote and its lifecycle,
draft -> sent -> accepted / declined.

    draft --send / PUT status=sent--> sent --PUT status=accepted--> accepted
                                          --PUT status=declined--> declined

Only a draft's content (lines, tax rate, client) can change, so what the client was sent
is what they accept. A sent quote may be mailed again; accepted and declined are final.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from servelo_common.etag import etag_for
from servelo_common.sql import FromRow
from servelo_common.values import PHONE_SEPARATORS


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"


ALLOWED: dict[QuoteStatus, frozenset[QuoteStatus]] = {
    QuoteStatus.DRAFT: frozenset({QuoteStatus.SENT}),
    QuoteStatus.SENT: frozenset({QuoteStatus.ACCEPTED, QuoteStatus.DECLINED}),
    QuoteStatus.ACCEPTED: frozenset(),
    QuoteStatus.DECLINED: frozenset(),
}


class TransitionRefused(Exception):
    """The quote's state does not allow this; the API answers 409 with the message."""


@dataclass(frozen=True, slots=True)
class Transition:
    """The timestamps a status change sets; the service writes them with the new status."""

    status: QuoteStatus
    sent_at: datetime | None = None
    accepted_at: datetime | None = None
    declined_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Customer(FromRow):
    id: UUID
    name: str
    email: str | None
    phone: str | None
    address: str | None
    notes: str | None
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def etag(self) -> str:
        return etag_for(self.id, self.version)


def search_phone_digits(term: str) -> str | None:
    """The digits to look for when a search term looks like (part of) a phone number.

    Client contact details are searched in their one stored form (`servelo_common.values`:
    emails lowercased, phones as digits), so `+1 (555) 010-0199` finds `+15550100199`."""
    compact = PHONE_SEPARATORS.sub("", term).removeprefix("+")
    return compact if compact.isdigit() else None


def search_term(q: str) -> str:
    """What to look for in `name email phone`: phone-like input as bare digits."""
    return search_phone_digits(q) or q.lower()


@dataclass(frozen=True, slots=True)
class LineItem:
    """A stored quote line: its total was computed by the server (see `totals`)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal

    @classmethod
    def from_stored(cls, item: Mapping[str, Any]) -> LineItem:
        return cls(
            description=item["description"],
            quantity=Decimal(item["quantity"]),
            unit_price=Decimal(item["unit_price"]),
            total=Decimal(item["total"]),
        )


@dataclass(frozen=True, slots=True)
class Quote(FromRow):
    converters = {
        "status": QuoteStatus,
        "line_items": lambda stored: tuple(LineItem.from_stored(i) for i in stored),
    }
    id: UUID
    number: int
    customer_id: UUID
    status: QuoteStatus
    line_items: tuple[LineItem, ...]
    tax_rate: Decimal
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    valid_until: date | None
    notes: str | None
    sent_at: datetime | None
    accepted_at: datetime | None
    declined_at: datetime | None
    created_by: UUID | None
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def etag(self) -> str:
        return etag_for(self.id, self.version)

    def ensure_editable(self) -> None:
        """Lines, tax rate and client change only while the quote is a draft."""
        if self.status is not QuoteStatus.DRAFT:
            raise TransitionRefused(
                f"Quote {self.number} is {self.status}; only draft quotes can be edited"
            )

    def transition(self, to: QuoteStatus, *, now: datetime) -> Transition | None:
        """The change to `to`, or None when the quote already has that status."""
        if to is self.status:
            return None
        if to not in ALLOWED[self.status]:
            raise TransitionRefused(f"Quote {self.number} is {self.status} and cannot become {to}")
        if to is QuoteStatus.ACCEPTED and self.expired(now.date()):
            raise TransitionRefused(
                f"Quote {self.number} expired on {self.valid_until}; extend valid_until"
                " before accepting it"
            )
        if to is QuoteStatus.SENT:
            return Transition(to, sent_at=now)
        if to is QuoteStatus.ACCEPTED:
            return Transition(to, accepted_at=now)
        return Transition(to, declined_at=now)

    def send(self, *, now: datetime) -> Transition:
        """Mailing the quote: a draft becomes sent; a sent quote may be mailed again."""
        if self.status not in (QuoteStatus.DRAFT, QuoteStatus.SENT):
            raise TransitionRefused(
                f"Quote {self.number} is {self.status}; it can no longer be sent"
            )
        return Transition(QuoteStatus.SENT, sent_at=now)

    def expired(self, today: date) -> bool:
        return self.valid_until is not None and today > self.valid_until
