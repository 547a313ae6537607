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
        "https://" + "0" * 64 + "/",  # a label past 63 characters
        "https://" + ".".join(["a" * 60] * 5) + "/",  # a name past 253
        "https://a..example.com/",
    ],
)
def test_only_http_urls_with_a_host_and_no_credentials(url: str) -> None:
    assert "url" in field_errors(WebhookCreate, {"url": url, "events": ["*"]})


def test_a_host_name_at_its_limits_and_an_ip_literal_are_valid() -> None:
    for url in ("https://" + "a" * 63 + ".example.com/", "http://[::1]:8080/", "http://127.0.0.1/"):
        assert WebhookCreate.model_validate({"url": url, "events": ["*"]}).url == url


@pytest.mark.parametrize("events", [[], ["Ticket_Created"], ["ticket created"], "ticket-created"])
def test_events_are_type_names_or_star(events: object) -> None:
    errors = field_errors(WebhookCreate, {"url": "https://h.example.com", "events": events})
    assert any(k.startswith("events") for k in errors), errors


def test_an_update_may_not_null_the_url_events_or_active() -> None:
    for name in ("url", "events", "active"):
        assert name in field_errors(WebhookUpdate, {name: None})
    assert WebhookUpdate.model_validate({"description": None}).provided() == {"description": None}
