"""Events the webhooks service publishes (`servelo.events.webhooks.<type>`).

They never carry a secret, nor the URL (it may hold a receiver's token in its query).
`webhook-test` is not published: it is sent to one endpoint only (POST .../test).
"""

from __future__ import annotations

from typing import ClassVar

from servelo_common.events import DomainEvent

SOURCE = "webhooks"
TEST_TYPE = "webhook-test"


class _WebhookEvent(DomainEvent):
    source: ClassVar[str] = SOURCE


class _EndpointState(_WebhookEvent):
    id: str
    events: list[str]
    description: str | None
    active: bool


class WebhookCreated(_EndpointState):
    type: ClassVar[str] = "webhook-created"


class WebhookUpdated(_EndpointState):
    type: ClassVar[str] = "webhook-updated"


class WebhookDeleted(_WebhookEvent):
    type: ClassVar[str] = "webhook-deleted"
    id: str


class WebhookDisabled(_WebhookEvent):
    """Every attempt failed for the retry window (3 days): the platform set `active: false`."""

    type: ClassVar[str] = "webhook-disabled"
    id: str
    reason: str
    failing_since: str
    last_error: str | None


class WebhookTest(_WebhookEvent):
    type: ClassVar[str] = TEST_TYPE
    id: str
    message: str
