"""The dev stack's environment builder: the caller's settings reach every component, the
stack's own values (ports, addresses, database roles) cannot be overridden by them."""

from pathlib import Path

import pytest
from servelo_dev.devstack.embedded import free_port
from servelo_dev.devstack.stack import AUTH_ONLY, Stack, StackConfig

CALLER = {
    "PATH": "/usr/bin:/bin",
    "SERVELO_CORS_ORIGINS": "https://app.example.test",
    "SERVELO_TRUSTED_PROXIES": "10.1.0.0/16",
    "SERVELO_STORAGE_URL": "file:///srv/photos",
    "SERVELO_RATELIMIT_LOGIN_PER_MINUTE": "3",
    "SERVELO_MAIL_FROM": "Ops <ops@example.test>",
    # What the stack decides: a caller's value must never reach a process.
    "SERVELO_DATABASE_URL": "postgresql://admin@db.example.test/postgres",
    "SERVELO_NATS_URL": "nats://caller:4222",
    "SERVELO_PORT": "1",
    "SERVELO_HOST": "0.0.0.0",
    "SERVELO_GATEWAY_PORT": "1",
    "SERVELO_METRICS_PORT": "9464",
    "SERVELO_GATEWAY_ADMIN_PORT": "9090",
    "SERVELO_AUTH_URL": "http://caller:1",
    "SERVELO_BOOTSTRAP_ADMIN_PASSWORD": "from-the-caller",
}


def make_stack(tmp_path: Path, environ: dict[str, str], **config: object) -> Stack:
    stack = Stack(
        StackConfig(
            data_dir=tmp_path,
            gateway_port=18080,
            services=["auth", "tickets"],
            environ=environ,
            **config,  # type: ignore[arg-type]
        )
    )
    stack.data_dir.mkdir(parents=True, exist_ok=True)
    stack.secrets = stack._load_secrets()
    stack.nats_url = "nats://127.0.0.1:14222"
    stack.service_dsns = {
        "auth": "postgresql://servelo_auth@127.0.0.1:15432/servelo",
        "tickets": "postgresql://servelo_tickets@127.0.0.1:15432/servelo",
    }
    return stack


def all_envs(stack: Stack) -> dict[str, dict[str, str]]:
    return {
        "auth": stack.service_env("auth", 18001),
        "tickets": stack.service_env("tickets", 18002),
        "gateway": stack.gateway_env(),
    }


def test_every_caller_setting_reaches_every_component(tmp_path: Path) -> None:
    for name, env in all_envs(make_stack(tmp_path, CALLER)).items():
        for key in (
            "PATH",
            "SERVELO_CORS_ORIGINS",
            "SERVELO_TRUSTED_PROXIES",
            "SERVELO_STORAGE_URL",
            "SERVELO_RATELIMIT_LOGIN_PER_MINUTE",
            "SERVELO_MAIL_FROM",
        ):
            assert env[key] == CALLER[key], (name, key)


def test_stack_owned_values_win_over_the_callers(tmp_path: Path) -> None:
    stack = make_stack(tmp_path, CALLER)
    envs = all_envs(stack)
    assert envs["tickets"]["SERVELO_DATABASE_URL"] == stack.service_dsns["tickets"]
    assert envs["tickets"]["SERVELO_PORT"] == "18002"
    assert envs["tickets"]["SERVELO_HOST"] == "127.0.0.1"
    assert envs["gateway"]["SERVELO_GATEWAY_PORT"] == "18080"
    assert envs["gateway"]["SERVELO_AUTH_URL"] == ""  # auth is not running in this stack
    assert envs["gateway"]["SERVELO_TICKETS_URL"] == ""
    for env in envs.values():
        assert env["SERVELO_NATS_URL"] == "nats://127.0.0.1:14222"
    # The gateway has no database, and never receives the caller's administrator URL.
    assert "SERVELO_DATABASE_URL" not in envs["gateway"]
    assert "SERVELO_PORT" not in envs["gateway"]
    assert "SERVELO_GATEWAY_PORT" not in envs["tickets"]


def test_each_process_gets_its_own_stable_metrics_port(tmp_path: Path) -> None:
    stack = make_stack(tmp_path, CALLER)
    ports = [
        all_envs(stack)["auth"]["SERVELO_METRICS_PORT"],
        all_envs(stack)["tickets"]["SERVELO_METRICS_PORT"],
        all_envs(stack)["gateway"]["SERVELO_GATEWAY_ADMIN_PORT"],
    ]
    assert "9464" not in ports and "9090" not in ports
    assert len(set(ports)) == 3
    again = all_envs(stack)
    assert again["auth"]["SERVELO_METRICS_PORT"] == ports[0]
    names = ("auth", "tickets", "gateway")
    assert stack.metrics_ports == {n: int(p) for n, p in zip(names, ports, strict=True)}


def test_signing_keys_and_bootstrap_admin_reach_auth_only(tmp_path: Path) -> None:
    stack = make_stack(tmp_path, CALLER, admin_password="from-the-config")
    envs = all_envs(stack)
    assert envs["auth"]["SERVELO_BOOTSTRAP_ADMIN_PASSWORD"] == "from-the-config"
    assert envs["auth"]["SERVELO_JWT_KEYS"] == stack.secrets["jwt_keys"]
    for name in ("tickets", "gateway"):
        assert not AUTH_ONLY & envs[name].keys(), name


def test_operator_secrets_win_over_generated_ones(tmp_path: Path) -> None:
    secret = "operator-secret-0123456789abcdef0123456789"
    keys = '[{"kid": "op", "pem": "..."}]'
    environ = {**CALLER, "SERVELO_INTERNAL_SECRET": secret, "SERVELO_JWT_KEYS": keys}
    stack = make_stack(tmp_path, environ)
    envs = all_envs(stack)
    assert {env["SERVELO_INTERNAL_SECRET"] for env in envs.values()} == {secret}
    assert envs["auth"]["SERVELO_JWT_KEYS"] == keys
    # Not written down: without the variable, the generated values come back.
    plain = make_stack(tmp_path, CALLER)
    assert plain.secrets["internal_secret"].startswith("dev-")


def test_config_values_and_extra_env_win(tmp_path: Path) -> None:
    environ = {**CALLER, "SERVELO_ENV": "production", "SERVELO_BASE_DOMAIN": "caller.test"}
    stack = make_stack(
        tmp_path,
        environ,
        env="test",
        base_domain="example.test",
        extra_env={"SERVELO_TRUSTED_PROXIES": "127.0.0.1"},
    )
    for env in all_envs(stack).values():
        assert env["SERVELO_ENV"] == "test"
        assert env["SERVELO_BASE_DOMAIN"] == "example.test"
        assert env["SERVELO_TRUSTED_PROXIES"] == "127.0.0.1"
        assert env["SERVELO_DATA_DIR"] == str(tmp_path.resolve())


@pytest.mark.parametrize("public_port", [None, "443"])
def test_public_port_defaults_to_the_gateway(tmp_path: Path, public_port: str | None) -> None:
    environ = dict(CALLER) if public_port is None else {**CALLER, "SERVELO_PUBLIC_PORT": "443"}
    env = make_stack(tmp_path, environ).service_env("auth", 18001)
    assert env["SERVELO_PUBLIC_PORT"] == (public_port or "18080")


def test_free_port_never_hands_out_the_same_port_twice() -> None:
    ports = [free_port() for _ in range(3000)]
    assert len(set(ports)) == len(ports)
