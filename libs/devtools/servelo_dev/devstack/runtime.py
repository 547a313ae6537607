"""`<data dir>/runtime.json`: where a running dev stack's servers and processes are.

The dev stack (`make run`, the test plugin) writes it once its servers are up and again once
every process listens, and removes it when it stops; the `servelo` CLI reads it to find the
embedded Postgres and NATS (their ports are free ports, chosen at each start). It holds no
secret: the Postgres superuser's password stays in `pg/superuser-password` and the services'
in `secrets.json`, both written by the stack itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FILE = "runtime.json"


@dataclass(frozen=True)
class Runtime:
    pid: int  # the process that runs the stack (`make run`)
    env: str
    database: str
    role_prefix: str
    base_domain: str
    system_org: str
    gateway_port: int
    public_port: int | None
    postgres_port: int | None  # None: an external server (SERVELO_DATABASE_URL)
    nats_url: str | None  # None: an external server (SERVELO_NATS_URL)
    services: list[str] = field(default_factory=list)
    processes: dict[str, int] = field(default_factory=dict)  # name -> HTTP port

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Runtime:
        return cls(
            pid=int(data["pid"]),
            env=str(data["env"]),
            database=str(data["database"]),
            role_prefix=str(data["role_prefix"]),
            base_domain=str(data["base_domain"]),
            system_org=str(data["system_org"]),
            gateway_port=int(data["gateway_port"]),
            public_port=data.get("public_port"),
            postgres_port=data.get("postgres_port"),
            nats_url=data.get("nats_url"),
            services=[str(s) for s in data.get("services", [])],
            processes={str(k): int(v) for k, v in data.get("processes", {}).items()},
        )


def write(data_dir: Path, runtime: Runtime) -> None:
    path = data_dir / FILE
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(asdict(runtime), indent=2))
    os.replace(partial, path)  # a reader never sees half a file


def read(data_dir: Path) -> Runtime | None:
    """The stack's runtime file, or None when no stack has written one (or it is unreadable)."""
    try:
        return Runtime.from_json(json.loads((data_dir / FILE).read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove(data_dir: Path) -> None:
    (data_dir / FILE).unlink(missing_ok=True)


def superuser_password(data_dir: Path) -> str | None:
    """The embedded Postgres superuser's password (`EmbeddedPostgres` keeps it there)."""
    try:
        return (data_dir / "pg" / "superuser-password").read_text().strip()
    except OSError:
        return None


def stack_secrets(data_dir: Path) -> dict[str, str]:
    """`secrets.json` (`Stack._load_secrets`): the services' database passwords, the JWT
    keys, ...; empty when there is none."""
    try:
        data = json.loads((data_dir / "secrets.json").read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def set_stack_secret(data_dir: Path, name: str, value: str) -> None:
    """Replace one value of `secrets.json` (`servelo keys rotate` on make run's folder)."""
    path = data_dir / "secrets.json"
    data = json.loads(path.read_text())
    data[name] = value
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(data, indent=2))
    partial.chmod(0o600)
    os.replace(partial, path)
