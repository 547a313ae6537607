"""Webhooks: create, update (the fields sent), the answer, the answer that shows a secret."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field
from servelo_common.schemas import NO_NUL, ApiInput, ApiOutput, Flag, IdOut, NotNull, Timestamp

from webhooks.addresses import ip_literal
from webhooks.domain.endpoints import ALL_EVENTS, normalize_events
from webhooks.schemas import MAX_TYPES, TYPE_PATTERN, check_type

NOT_NULL = NotNull("The {field} field may not be null.")

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
    if ip_literal(parts.hostname) is None and not _valid_host_name(parts.hostname):
        raise ValueError("The url's host name is not valid.")
    if parts.username is not None or parts.password is not None:
        raise ValueError("The url may not contain credentials: receivers verify the signature.")
    if port == 0:
        raise ValueError("The url has an invalid port.")
    return parts._replace(fragment="").geturl()


def _valid_host_name(host: str) -> bool:
    """What a resolver takes: labels of 1 to 63 characters (IDNA, as getaddrinfo encodes
    them), 253 in all. A longer label made the resolver raise, not refuse: a 500."""
    try:
        encoded = host.encode("idna")
    except UnicodeError:
        return False
    return 0 < len(encoded.rstrip(b".")) <= 253


def _check_event(value: str) -> str:
    return value if value == ALL_EVENTS else check_type(value)


# The patterns say in the document what check_url and _check_event enforce (no spaces or
# credentials, http(s) and a host; an event type or "*").
_URL_PATTERN = r"^https?://[^\s@/?#\x00-\x1f\x7f]+([/?#][^\s\x00-\x1f\x7f]*)?$"
Url = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_URL,
        json_schema_extra={"format": "uri", "pattern": _URL_PATTERN},
    ),
    AfterValidator(check_url),
]
EventName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        json_schema_extra={"pattern": rf"^(\*|{TYPE_PATTERN.strip('^$')})$"},
    ),
    AfterValidator(_check_event),
]
Events = Annotated[
    list[EventName],
    Field(min_length=1, max_length=MAX_TYPES),
    AfterValidator(normalize_events),
]
Description = Annotated[str, Field(max_length=500, pattern=NO_NUL)]


class WebhookCreate(ApiInput):
    url: Url
    events: Events = Field(description='Event types, or `["*"]` for every type.')
    description: Description | None = None


class WebhookUpdate(ApiInput):
    """PUT or PATCH: the fields sent are changed; the others keep their value."""

    url: Annotated[Url | None, NOT_NULL] = None
    events: Annotated[Events | None, NOT_NULL] = None
    description: Description | None = None
    active: Annotated[Flag | None, NOT_NULL] = None


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
