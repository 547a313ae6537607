"""Headers a receiver verifies with the standardwebhooks library, one signature per secret."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError
from webhooks.crypto import new_secret
from webhooks.signing import delivery_headers, signature

BODY = b'{"id":"e1","type":"ticket-created","data":{}}'


def test_every_active_secret_signs_and_each_verifies() -> None:
    new, old = new_secret(), new_secret()
    headers = delivery_headers([new, old], msg_id="e1", timestamp=int(time.time()), body=BODY)
    assert headers["webhook-id"] == "e1"
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert all(s.startswith("v1,") for s in headers["webhook-signature"].split(" "))
    for secret in (new, old):
        assert Webhook(secret).verify(BODY, headers)["type"] == "ticket-created"
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, headers)


def test_a_changed_body_does_not_verify() -> None:
    secret = new_secret()
    headers = delivery_headers([secret], msg_id="e1", timestamp=int(time.time()), body=BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"e1", b"e2"), headers)


def test_the_signature_is_the_librarys_own() -> None:
    secret, when = new_secret(), 1_764_633_600
    ours = signature([secret], msg_id="e1", timestamp=when, body=BODY)
    assert ours == Webhook(secret).sign("e1", datetime.fromtimestamp(when, UTC), BODY.decode())
