"""What a webhook body may say."""

from __future__ import annotations

import pytest
from servelo_dev.testing.validation import field_errors
from webhooks.schemas.endpoints import WebhookCreate, WebhookUpdate


def test_a_valid_body_is_normalized() -> None:
    made = WebhookCreate.model_validate(
        {"url": "https://hooks.example.com/in#frag", "events": ["ticket-created", "*"]}
    )
    assert made.url == "https://hooks.example.com/in"
    assert made.events == ["*"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/",
        "file:///etc/passwd",
        "gopher://x/",
        "https:///nohost",
        "https://user:pw@hooks.example.com/",
        "https://hooks.example.com/a b",
        "https://hooks.example.com:99999/",
        "hooks.example.com/x",
        "https://hooks.example.com/" + "a" * 2100,
    ],
)
def test_only_http_urls_with_a_host_and_no_credentials(url: str) -> None:
    assert "url" in field_errors(WebhookCreate, {"url": url, "events": ["*"]})


@pytest.mark.parametrize("events", [[], ["Ticket_Created"], ["ticket created"], "ticket-created"])
def test_events_are_type_names_or_star(events: object) -> None:
    errors = field_errors(WebhookCreate, {"url": "https://h.example.com", "events": events})
    assert any(k.startswith("events") for k in errors), errors


def test_an_update_may_not_null_the_url_events_or_active() -> None:
    for name in ("url", "events", "active"):
        assert name in field_errors(WebhookUpdate, {name: None})
    assert WebhookUpdate.model_validate({"description": None}).provided() == {"description": None}
