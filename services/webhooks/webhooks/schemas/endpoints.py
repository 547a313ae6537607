"""Webhooks: create, update (the fields sent), the answer, the answer that shows a secret."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, ValidationInfo, field_validator
from servelo_common.schemas import ApiInput, ApiOutput, IdOut, Timestamp

from webhooks.domain.endpoints import ALL_EVENTS, normalize_events
from webhooks.schemas import MAX_TYPES, check_type

MAX_URL = 2048


def check_url(value: str) -> str:
    """An absolute http(s) URL with a host and no credentials; the fragment is dropped.
    Where it points is checked by the service (after DNS)."""
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise ValueError("The url may not contain spaces or control characters.")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError("The url is not a valid URL.") from exc
    if parts.scheme not in ("http", "https"):
        raise ValueError("The url must start with http:// or https://.")
    if not parts.hostname:
        raise ValueError("The url must name a host.")
    if parts.username is not None or parts.password is not None:
        raise ValueError("The url may not contain credentials: receivers verify the signature.")
    if port == 0:
        raise ValueError("The url has an invalid port.")
    return parts._replace(fragment="").geturl()


def _check_event(value: str) -> str:
    return value if value == ALL_EVENTS else check_type(value)


Url = Annotated[str, Field(min_length=1, max_length=MAX_URL), AfterValidator(check_url)]
EventName = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_check_event)]
Events = Annotated[
    list[EventName],
    Field(min_length=1, max_length=MAX_TYPES),
    AfterValidator(normalize_events),
]
Description = Annotated[str, Field(max_length=500)]


def _not_null(value: Any, info: ValidationInfo) -> Any:
    if value is None:
        raise ValueError(f"The {info.field_name} field may not be null.")
    return value


class WebhookCreate(ApiInput):
    url: Url
    events: Events = Field(description='Event types, or `["*"]` for every type.')
    description: Description | None = None


class WebhookUpdate(ApiInput):
    """PUT or PATCH: the fields sent are changed; the others keep their value."""

    url: Url | None = None
    events: Events | None = None
    description: Description | None = None
    active: bool | None = None

    non_null = field_validator("url", "events", "active", mode="before")(_not_null)


class WebhookPublic(ApiOutput):
    id: IdOut
    url: str
    events: list[str]
    description: str | None
    active: bool
    disabled_reason: str | None = Field(
        description="`failing` when the platform disabled it after 3 days of failures."
    )
    created_at: Timestamp
    updated_at: Timestamp


class WebhookWithSecret(WebhookPublic):
    """The create and rotate-secret answers: the only ones that show the secret."""

    secret: str = Field(description="`whsec_` + base64 of 32 random bytes. Shown once.")
