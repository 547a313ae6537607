from typing import Any

import pytest
from pydantic import ValidationError


def test_short_secret_is_refused(settings_factory: Any) -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        settings_factory(internal_secret="short")


def test_dev_secret_is_refused_in_production(settings_factory: Any) -> None:
    with pytest.raises(ValidationError, match="dev-"):
        settings_factory(env="production", internal_secret="dev-" + "x" * 40)


def test_static_files_are_refused_in_production(settings_factory: Any) -> None:
    with pytest.raises(ValidationError, match="STATIC"):
        settings_factory(env="production", gateway_static_orgs="/tmp/orgs.json")


def test_missing_service_url_fails_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.config import Settings

    for name in ("AUTH", "CRM", "FINANCE", "TEAM", "WEBHOOKS"):
        monkeypatch.setenv(f"SERVELO_{name}_URL", "http://x:1")
    monkeypatch.setenv("SERVELO_INTERNAL_SECRET", "y" * 40)
    monkeypatch.setenv("SERVELO_NATS_URL", "nats://x:4222")
    monkeypatch.delenv("SERVELO_TICKETS_URL", raising=False)
    with pytest.raises(ValidationError, match="tickets_url"):
        Settings()  # type: ignore[call-arg]
    monkeypatch.setenv("SERVELO_TICKETS_URL", "")
    assert Settings().tickets_url == ""  # type: ignore[call-arg]


def test_the_connection_cap_fits_the_descriptor_limit() -> None:
    import resource

    from gateway.connlimits import FD_RESERVE, fit_to_fd_limit

    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert fit_to_fd_limit(10, warn=False) == 10
    huge = fit_to_fd_limit(10**9, warn=False)
    now, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert 2 * huge + FD_RESERVE <= max(now, soft) or now == resource.RLIM_INFINITY
