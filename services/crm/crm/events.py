"""The events crm publishes (CloudEvents `data`; money as strings, times ISO 8601 UTC)."""

from __future__ import annotations

from typing import ClassVar

from servelo_common.events import DomainEvent


class CrmEvent(DomainEvent):
    source: ClassVar[str] = "crm"


class CustomerCreated(CrmEvent):
    type: ClassVar[str] = "customer-created"
    id: str
    name: str
    email: str | None
    phone: str | None


class CustomerUpdated(CustomerCreated):
    type: ClassVar[str] = "customer-updated"


class CustomerDeleted(CrmEvent):
    type: ClassVar[str] = "customer-deleted"
    id: str


class QuoteCreated(CrmEvent):
    type: ClassVar[str] = "quote-created"
    id: str
    number: int
    customer_id: str
    status: str
    subtotal: str
    tax: str
    total: str
    valid_until: str | None


class QuoteUpdated(QuoteCreated):
    type: ClassVar[str] = "quote-updated"


class QuoteSent(CrmEvent):
    type: ClassVar[str] = "quote-sent"
    id: str
    number: int
    customer_id: str
    total: str
    sent_at: str
    to: str | None


class QuoteAccepted(CrmEvent):
    type: ClassVar[str] = "quote-accepted"
    id: str
    number: int
    customer_id: str
    subtotal: str
    tax: str
    total: str
    accepted_at: str


class QuoteDeclined(CrmEvent):
    type: ClassVar[str] = "quote-declined"
    id: str
    number: int
    customer_id: str
    declined_at: str


class QuoteDeleted(CrmEvent):
    type: ClassVar[str] = "quote-deleted"
    id: str
    number: int
    customer_id: str
