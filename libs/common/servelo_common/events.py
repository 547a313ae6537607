"""Domain events as CloudEvents 1.0, written to the outbox in the caller's transaction.

A service declares one class per event (past tense), e.g.::

    class TicketCreated(DomainEvent):
        source: ClassVar[str] = "tickets"
        type: ClassVar[str] = "ticket-created"
        id: str
        number: int

and writes it with `await emit(conn, TicketCreated.of(ticket), tenant=org_id,
subject=ticket.id)` inside the transaction that changed the ticket (`of` reads the fields
from the domain object; `TicketCreated(id=..., number=...)` where there is none). The relay
publishes it after commit to `servelo.events.<source>.<type>` with the event id as
`Nats-Msg-Id`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Self
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict

from servelo_common import tracing
from servelo_common.jsonutil import dumps, iso_z, plain

STREAM = "SERVELO_EVENTS"
SUBJECT_PREFIX = "servelo.events"
# A dead letter replayed by `servelo dead-letters replay` goes back to its one durable
# consumer on `servelo.replay.<durable>` (in the stream, outside `servelo.events.>`, so no
# other consumer, the gateway or an event feed sees it twice), with its first subject here.
REPLAY_PREFIX = "servelo.replay"
ORIGINAL_SUBJECT_HEADER = "Servelo-Original-Subject"
# The attributes CloudEvent has fields for; any other top-level key is kept in `extensions`.
_MODELED = frozenset({"id", "source", "type", "time", "subject", "tenant", "data"})
# The CloudEvents distributed-tracing extension: the W3C trace context the event was emitted
# in (servelo_common.tracing). Internal: they name spans in the operator's tracing backend.
TRACING_ATTRIBUTES = frozenset({"traceparent", "tracestate"})


def subject_for(source: str, event_type: str) -> str:
    return f"{SUBJECT_PREFIX}.{source}.{event_type}"


def replay_subject(durable: str) -> str:
    return f"{REPLAY_PREFIX}.{durable}"


class DomainEvent(BaseModel):
    """The `data` of one event type. Subclasses set `source` and `type`."""

    model_config = ConfigDict(frozen=True)
    source: ClassVar[str]
    type: ClassVar[str]

    @classmethod
    def subject(cls) -> str:
        return subject_for(cls.source, cls.type)

    @classmethod
    def of(cls, state: object, /, **given: Any) -> Self:
        """The event of a domain object: each field not `given` is the object's attribute of
        that name, in its JSON form (`jsonutil.plain`: ids, times and money as strings)."""
        read = {name: plain(getattr(state, name)) for name in cls.model_fields if name not in given}
        return cls(**read, **given)


@dataclass(frozen=True, slots=True)
class CloudEvent:
    id: str
    source: str
    type: str
    time: str
    subject: str | None
    tenant: str | None
    data: dict[str, Any]
    # `specversion`, `datacontenttype` and any extension attribute, as received.
    extensions: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> CloudEvent:
        return cls(
            id=str(payload["id"]),
            source=str(payload["source"]),
            type=str(payload["type"]),
            time=str(payload["time"]),
            subject=payload.get("subject"),
            tenant=payload.get("tenant"),
            data=payload.get("data") or {},
            extensions={k: v for k, v in payload.items() if k not in _MODELED},
        )

    def to_json(self) -> dict[str, Any]:
        """The envelope again, every attribute received included (for consumers that pass
        events on: the event feed, webhooks)."""
        return {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": self.time,
            "subject": self.subject,
            "datacontenttype": "application/json",
            "tenant": self.tenant,
            **self.extensions,
            "data": self.data,
        }

    def public_json(self) -> dict[str, Any]:
        """The envelope as integrators see it (the event feed, webhook deliveries): without
        the tracing attributes, which belong to the operator's tracing backend."""
        envelope = self.to_json()
        for name in TRACING_ATTRIBUTES:
            envelope.pop(name, None)
        return envelope

    @property
    def traceparent(self) -> str | None:
        value = self.extensions.get("traceparent")
        return value if isinstance(value, str) else None

    @property
    def tracestate(self) -> str | None:
        value = self.extensions.get("tracestate")
        return value if isinstance(value, str) else None

    @property
    def occurred_at(self) -> datetime:
        """`time` as an aware UTC datetime: replicas keep the newest fact by it."""
        moment = datetime.fromisoformat(self.time.replace("Z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

    @property
    def tenant_id(self) -> UUID:
        if not self.tenant:
            raise ValueError(f"event {self.id} has no tenant")
        return UUID(self.tenant)


def envelope(
    event: DomainEvent,
    *,
    tenant: UUID | str | None,
    subject: str | None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": f"servelo/{event.source}",
        "type": event.type,
        "time": iso_z(time or datetime.now(UTC)),
        "subject": subject,
        "datacontenttype": "application/json",
        "tenant": str(tenant) if tenant else None,
        "data": event.model_dump(mode="json"),
    }


async def emit(
    conn: asyncpg.Connection,
    event: DomainEvent,
    *,
    tenant: UUID | str | None,
    subject: UUID | str | None = None,
) -> str:
    """Write the event to the outbox; it is published only if the transaction commits.
    It carries the trace context it was emitted in (a request's, a handled event's)."""
    ce = envelope(event, tenant=tenant, subject=str(subject) if subject else None)
    context = tracing.current_context()
    ce.update(context)
    values = (str(UUID(ce["id"])), event.subject(), dumps(ce).decode())
    traceparent = context.get("traceparent")
    # In a transaction of ours the row goes with the COMMIT, in the same message (one round
    # trip fewer per write); anywhere else, now.
    defer = getattr(conn, "defer_to_commit", None)
    if defer is None or not defer(_outbox_insert(*values, traceparent)):
        await conn.execute(_OUTBOX_INSERT, *values[:2], ce, traceparent)
    return str(ce["id"])


_OUTBOX_INSERT = "INSERT INTO outbox (id, subject, event, traceparent) VALUES ($1, $2, $3, $4)"


def _literal(value: str | None) -> str:
    # With standard_conforming_strings on (the pool's setting, checked by defer_to_commit)
    # a quote, doubled, is the only character a literal must escape.
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _outbox_insert(event_id: str, subject: str, event_json: str, traceparent: str | None) -> str:
    values = ", ".join(_literal(v) for v in (event_id, subject, event_json, traceparent))
    return f"INSERT INTO outbox (id, subject, event, traceparent) VALUES ({values})"  # noqa: S608
