"""Settings that would be unsafe in production refuse to load."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from pydantic import ValidationError
from webhooks.config import Settings

BASE = {
    "database_url": "postgresql://x",
    "nats_url": "nats://x",
    "internal_secret": "s" * 40,
    "env": "test",
}
KEY = base64.b64encode(b"k" * 32).decode()


def settings(**values: Any) -> Settings:
    return Settings(**{**BASE, **values})


def test_production_needs_a_real_secret_key() -> None:
    with pytest.raises(ValidationError, match="SECRET_KEYS is required"):
        settings(env="production")
    with pytest.raises(ValidationError, match="development value"):
        settings(env="production", webhooks_secret_keys="dev-" + KEY)
    assert settings(env="production", webhooks_secret_keys=KEY).webhooks_secret_keys


def test_development_derives_a_key_when_none_is_set() -> None:
    assert settings(env="development").webhooks_secret_keys is None


@pytest.mark.parametrize("server", ["127.0.0.1", "x:0", ":53", "host:port"])
def test_the_dns_server_is_host_and_port(server: str) -> None:
    with pytest.raises(ValidationError, match="host:port"):
        settings(webhooks_dns_server=server)
    assert settings(webhooks_dns_server="127.0.0.1:5353").webhooks_dns_server == "127.0.0.1:5353"
