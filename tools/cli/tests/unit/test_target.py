"""servelo_cli.target: where the platform is, from the environment or make run's folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from servelo_cli.output import CliError, Exit
from servelo_cli.target import resolve
from servelo_dev.devstack import runtime


def write_runtime(
    folder: Path, *, postgres_port: int | None = 5999, nats: str | None = "nats://127.0.0.1:4999"
) -> None:
    (folder / "pg").mkdir()
    (folder / "pg" / "superuser-password").write_text("s3cret\n")
    runtime.write(
        folder,
        runtime.Runtime(
            pid=1,
            env="development",
            database="servelo_dev",
            role_prefix="dev",
            base_domain="localhost",
            system_org="admin",
            gateway_port=8080,
            public_port=8080,
            postgres_port=postgres_port,
            nats_url=nats,
            services=["auth", "team"],
            processes={"auth": 8001, "gateway": 8080},
        ),
    )


def test_nothing_configured_says_what_to_do(tmp_path: Path) -> None:
    target = resolve(data_dir=str(tmp_path), environ={})
    with pytest.raises(CliError) as caught:
        target.require_db()
    assert caught.value.exit == Exit.UNAVAILABLE
    assert "SERVELO_DATABASE_URL" in caught.value.message
    assert "make run" in caught.value.message
    assert target.database == "servelo" and target.role_prefix == "servelo"


def test_make_runs_folder_gives_its_servers_roles_and_services(tmp_path: Path) -> None:
    write_runtime(tmp_path)
    target = resolve(data_dir=str(tmp_path), environ={})
    assert target.admin_dsn == "postgresql://postgres:s3cret@127.0.0.1:5999/servelo_dev"
    assert target.nats_url == "nats://127.0.0.1:4999"
    assert target.role("team") == "dev_team"
    assert target.services == ["auth", "team"]
    assert target.embedded_db and target.embedded_nats
    assert target.component_urls() == {
        "auth": "http://127.0.0.1:8001",
        "gateway": "http://127.0.0.1:8080",
    }
    assert "role=dev_team" in target.dsn("team")


def test_the_environment_wins_and_names_another_platform(tmp_path: Path) -> None:
    write_runtime(tmp_path)
    env = {
        "SERVELO_DATABASE_URL": "postgresql://admin:pw@db.internal:5432/postgres?sslmode=require",
        "SERVELO_NATS_URL": "nats://nats:4222",
        "SERVELO_TEAM_URL": "http://team:8000/",
    }
    target = resolve(data_dir=str(tmp_path), environ=env, services=["team"])
    assert target.admin_dsn == "postgresql://admin:pw@db.internal:5432/servelo?sslmode=require"
    assert target.dsn("team").endswith("?sslmode=require&role=servelo_team")
    assert target.nats_url == "nats://nats:4222"
    assert not target.embedded_db and target.stack is None
    assert target.component_urls() == {"team": "http://team:8000"}


def test_a_stack_on_an_external_database_needs_its_url(tmp_path: Path) -> None:
    write_runtime(tmp_path, postgres_port=None)
    target = resolve(data_dir=str(tmp_path), environ={})
    with pytest.raises(CliError, match="uses an external Postgres: set SERVELO_DATABASE_URL"):
        target.require_db()
    assert target.nats_url == "nats://127.0.0.1:4999"


@pytest.mark.parametrize("name", ["Team", "team;drop", "", "x" * 70])
def test_unsafe_service_names_are_usage_errors(tmp_path: Path, name: str) -> None:
    with pytest.raises(CliError) as caught:
        resolve(data_dir=str(tmp_path), environ={}, services=[name])
    assert caught.value.exit == Exit.USAGE
