"""`make run`'s stack honours the operator's settings: a second, small stack (auth and the
gateway, on the session's Postgres, its own NATS) started with SERVELO_* variables set."""

import asyncio
import os
import secrets
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servelo_common.provision import drop_database
from servelo_dev.devstack.embedded import free_port
from servelo_dev.devstack.stack import Stack, StackConfig

ORIGIN = "https://app.example.test"
MAIL_FROM = "Env Test <env-test@example.test>"


@pytest.fixture
def small_stack(stack: Any, tmp_path: Path) -> Iterator[Stack]:
    suffix = secrets.token_hex(4)
    environ = {
        **os.environ,
        "SERVELO_CORS_ORIGINS": ORIGIN,
        "SERVELO_MAIL_FROM": MAIL_FROM,
        # The stack decides these: passed on, auth or the gateway would not start.
        "SERVELO_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "SERVELO_AUTH_URL": "http://127.0.0.1:1",
        "SERVELO_SMTP_URL": "smtp://127.0.0.1:1",
    }
    platform = Stack(
        StackConfig(
            data_dir=tmp_path / "stack",
            env="test",
            gateway_port=free_port(),
            services=["auth"],
            database_url=stack.stack.admin_dsn,
            nats_url=None,  # its own: two auths on one stream would share durable consumers
            database=f"servelo_envtest_{suffix}",
            role_prefix=f"servelo_envtest_{suffix}",
            extra_env={"SERVELO_PASSWORD_HASH_PROFILE": "fast", "SERVELO_DB_POOL_MAX": "3"},
            environ=environ,
        )
    )
    try:
        platform.start()
        yield platform
    finally:
        platform.stop()
        asyncio.run(
            drop_database(
                stack.stack.admin_dsn,
                platform.config.database,
                role=f"{platform.config.role_prefix}_auth",
            )
        )


def _request(
    stack: Stack, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> Any:
    url = f"http://127.0.0.1:{stack.config.gateway_port}{path}"
    req = urllib.request.Request(url, data=body or None, method=method, headers=headers)
    return urllib.request.urlopen(req, timeout=10)  # noqa: S310 (http, loopback)


@pytest.mark.slow
def test_make_run_passes_operator_settings_to_the_components(small_stack: Stack) -> None:
    host = f"{small_stack.config.system_org}.{small_stack.config.base_domain}"
    # The gateway's setting: CORS is on for the configured origin.
    headers = {
        "Host": host,
        "Origin": ORIGIN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    with _request(small_stack, "OPTIONS", "/api/auth/login", headers) as resp:
        assert resp.status == 204
        assert resp.headers["Access-Control-Allow-Origin"] == ORIGIN
    # A service's setting: auth's mail goes out with the configured sender (no SMTP URL
    # reached it, so the mail is a file in the data folder).
    body = b'{"email": "%s"}' % small_stack.config.admin_email.encode()
    headers = {"Host": host, "Content-Type": "application/json"}
    with _request(small_stack, "POST", "/api/auth/magic-link/request", headers, body) as resp:
        assert resp.status == 200
    mail_dir = small_stack.data_dir / "mail"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not list(mail_dir.glob("*.eml")):
        time.sleep(0.2)
    mails = [p.read_text() for p in mail_dir.glob("*.eml")]
    assert mails, f"no mail in {mail_dir}:\n{small_stack.log_tail('auth')}"
    assert f"From: {MAIL_FROM}" in mails[0]
