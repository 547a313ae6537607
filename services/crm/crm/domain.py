"""The quote lifecycle: draft -> sent -> accepted / declined. Pure, no I/O.

    draft --send / PUT status=sent--> sent --PUT status=accepted--> accepted
                                          --PUT status=declined--> declined

Only a draft's content (lines, tax rate, client) can change, so what the client was sent
is what they accept. A sent quote may be mailed again; accepted and declined are final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


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
class Quote:
    status: QuoteStatus
    number: int
    valid_until: date | None = None

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
