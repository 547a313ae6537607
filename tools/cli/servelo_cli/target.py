"""Where the platform is: Postgres and NATS from `SERVELO_DATABASE_URL` / `SERVELO_NATS_URL`,
else the embedded servers of a `make run` data folder (found through its `runtime.json`).

`SERVELO_DATABASE_URL` means what it means for `make run`: an administrator URL. The CLI
connects with it and works in each service's schema *as that service's role* (the `role`
startup setting, i.e. `SET ROLE`), so row-level security, ownership of what a migration
creates and every permission are exactly the service's own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg
import nats
from nats.aio.client import Client
from servelo_common.db import create_pool
from servelo_common.provision import with_database
from servelo_dev.devstack import runtime
from servelo_dev.devstack.stack import available_services

from servelo_cli.output import CliError, Exit, unavailable

APPLICATION_NAME = "servelo-cli"
CONNECT_TIMEOUT = 5.0
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def check_name(name: str, what: str = "service") -> str:
    if not _NAME.match(name):
        raise CliError(f"not a {what} name: {name!r}", code="validation_failed", exit=Exit.USAGE)
    return name


@dataclass(frozen=True)
class Target:
    data_dir: Path
    database: str
    role_prefix: str
    services: list[str]
    admin_dsn: str | None
    nats_url: str | None
    # Said in errors: where the URL came from, or why there is none.
    db_origin: str
    nats_origin: str
    # The data folder's own servers (make run's), rather than URLs from the environment.
    embedded_db: bool = False
    embedded_nats: bool = False
    # make run's processes (name -> HTTP port) and settings, when this is its platform.
    processes: dict[str, int] = field(default_factory=dict)
    stack: runtime.Runtime | None = None
    environ: Mapping[str, str] = field(default_factory=dict)

    def role(self, service: str) -> str:
        return f"{self.role_prefix}_{service}"

    def require_db(self) -> str:
        if self.admin_dsn is None:
            raise unavailable(self.db_origin)
        return self.admin_dsn

    def require_nats(self) -> str:
        if self.nats_url is None:
            raise unavailable(self.nats_origin)
        return self.nats_url

    def dsn(self, service: str | None = None) -> str:
        """The administrator URL, acting as `service`'s role when one is named."""
        dsn = self.require_db()
        return _with_query(dsn, role=self.role(service)) if service else dsn

    async def connect(self, service: str | None = None) -> asyncpg.Connection:
        """One connection, in `service`'s schema as its role (or as the administrator)."""
        settings = {"application_name": APPLICATION_NAME}
        if service:
            settings["search_path"] = service
        try:
            return await asyncpg.connect(
                self.dsn(service), server_settings=settings, timeout=CONNECT_TIMEOUT
            )
        except Exception as exc:
            raise self.connect_error(exc, service) from exc

    async def pool(self, service: str) -> asyncpg.Pool:
        """A service's own kind of pool (codecs, search_path, timeouts), as its role."""
        try:
            return await create_pool(
                self.dsn(service),
                schema=service,
                application_name=APPLICATION_NAME,
                min_size=1,
                max_size=2,
            )
        except Exception as exc:
            raise self.connect_error(exc, service) from exc

    def connect_error(self, exc: Exception, service: str | None) -> CliError:
        if isinstance(exc, CliError):
            return exc
        where = f"Postgres ({self.db_origin}, {_address(self.require_db())})"
        if isinstance(exc, asyncpg.InvalidCatalogNameError):
            return unavailable(
                f"database {self.database!r} does not exist on {where}: provision it"
                " (deploy/sql/provision.sql) or name it with --database"
            )
        if isinstance(exc, asyncpg.InvalidParameterValueError) and "role" in str(exc):
            return unavailable(
                f"role {self.role(service or '')} does not exist on {where}: is {service}"
                " provisioned (deploy/sql/provision.sql), and is --role-prefix right?"
            )
        if isinstance(exc, asyncpg.InsufficientPrivilegeError):
            return unavailable(
                f"the login of {where} may not act as role {self.role(service or '')}: the CLI"
                " needs an administrator URL (a superuser, or a member of every service role:"
                f" GRANT {self.role(service or '')} TO <that login>)"
            )
        if isinstance(exc, asyncpg.PostgresError):
            return unavailable(f"{where} refused the connection: {exc}")
        hint = ""
        if self.embedded_db:
            hint = " The embedded Postgres is not running: start the platform with `make run`."
        return unavailable(f"cannot reach {where}: {exc!r}.{hint}")

    async def nats(self) -> Client:
        url = self.require_nats()
        seen: list[Exception] = []

        async def on_error(exc: Exception) -> None:  # instead of nats-py printing tracebacks
            seen.append(exc)

        try:
            # One attempt per server (0 would mean: for ever), bounded whatever nats-py does.
            return await asyncio.wait_for(
                nats.connect(
                    [u.strip() for u in url.split(",") if u.strip()],
                    name=APPLICATION_NAME,
                    connect_timeout=CONNECT_TIMEOUT,
                    allow_reconnect=False,
                    max_reconnect_attempts=1,
                    reconnect_time_wait=0.1,
                    error_cb=on_error,
                ),
                CONNECT_TIMEOUT * 2,
            )
        except Exception as exc:
            reason = seen[-1] if seen else exc
            hint = ""
            if self.embedded_nats:
                hint = " The embedded NATS is not running: start the platform with `make run`."
            raise unavailable(
                f"cannot reach NATS ({self.nats_origin}, {_nats_address(url)}): {reason}.{hint}"
            ) from exc

    def component_urls(self) -> dict[str, str]:
        """The HTTP address of every component the CLI knows of (for /readyz): make run's
        processes, or the `SERVELO_<SERVICE>_URL` the gateway is configured with."""
        if self.processes:
            return {n: f"http://127.0.0.1:{p}" for n, p in self.processes.items()}
        found = {}
        for service in self.services:
            url = self.environ.get(f"SERVELO_{service.upper()}_URL", "").strip()
            if url:
                found[service] = url.rstrip("/")
        return found

    def service_password(self, service: str) -> str | None:
        """A service's own database password, known only for make run's folder."""
        if not self.embedded_db:
            return None
        return runtime.stack_secrets(self.data_dir).get(f"db_password_{service}")


def target_of(args: argparse.Namespace) -> Target:
    """Where the platform is, from a command's global options and the environment."""
    return resolve(
        data_dir=getattr(args, "data_dir", None),
        database=getattr(args, "database", None),
        role_prefix=getattr(args, "role_prefix", None),
        services=getattr(args, "service", None),
    )


def resolve(
    *,
    data_dir: str | None = None,
    database: str | None = None,
    role_prefix: str | None = None,
    services: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Target:
    env = dict(os.environ if environ is None else environ)
    folder = Path(data_dir or env.get("SERVELO_DATA_DIR") or ".servelo").resolve()
    rt = runtime.read(folder)
    env_db = env.get("SERVELO_DATABASE_URL") or None
    env_nats = env.get("SERVELO_NATS_URL") or None
    # The folder's stack describes the platform (its database, roles and services) unless
    # the URL given names another server than its embedded one.
    ours = rt is not None and (env_db is None or rt.postgres_port is None)
    database = check_name(database or (rt.database if ours and rt else "servelo"), "database")
    prefix = check_name(
        role_prefix or (rt.role_prefix if ours and rt else "servelo"), "role prefix"
    )
    if services:
        names = [check_name(s) for s in services]
    elif ours and rt:
        names = list(rt.services)
    else:
        names = available_services()

    admin_dsn, db_origin = _database(folder, rt, env_db, database)
    if env_nats:
        nats_url, nats_origin = env_nats, "SERVELO_NATS_URL"
    elif rt is not None and rt.nats_url:
        nats_url, nats_origin = rt.nats_url, f"the embedded NATS of {folder}"
    else:
        nats_url = None
        nats_origin = _none_configured("NATS", "SERVELO_NATS_URL", folder, rt)
    return Target(
        data_dir=folder,
        database=database,
        role_prefix=prefix,
        services=names,
        admin_dsn=admin_dsn,
        nats_url=nats_url,
        db_origin=db_origin,
        nats_origin=nats_origin,
        embedded_db=admin_dsn is not None and env_db is None,
        embedded_nats=nats_url is not None and env_nats is None,
        processes=dict(rt.processes) if ours and rt else {},
        stack=rt if ours else None,
        environ=env,
    )


def _database(
    folder: Path, rt: runtime.Runtime | None, env_db: str | None, database: str
) -> tuple[str | None, str]:
    if env_db:
        return with_database(env_db, database), "SERVELO_DATABASE_URL"
    if rt is not None and rt.postgres_port is not None:
        password = runtime.superuser_password(folder) or ""
        dsn = f"postgresql://postgres:{password}@127.0.0.1:{rt.postgres_port}/{database}"
        return dsn, f"the embedded Postgres of {folder}"
    return None, _none_configured("Postgres", "SERVELO_DATABASE_URL", folder, rt)


def _none_configured(what: str, variable: str, folder: Path, rt: runtime.Runtime | None) -> str:
    if rt is not None:
        return f"the platform in {folder} uses an external {what}: set {variable}"
    if (folder / "secrets.json").exists():  # make run's folder, while it is stopped
        return (
            f"the embedded {what} of {folder} is not running (no {runtime.FILE}): start the"
            f" platform with `make run`, or set {variable}"
        )
    return (
        f"no {what}: set {variable}, or start the platform with `make run` (its embedded"
        f" servers are found through {folder / runtime.FILE}, which is there while it runs;"
        " --data-dir names another folder)"
    )


def _with_query(dsn: str, **params: str) -> str:
    parts = urlsplit(dsn)
    query = dict(parse_qsl(parts.query))
    query.update(params)
    return urlunsplit(parts._replace(query=urlencode(query)))


def _address(dsn: str) -> str:
    """host:port/database of a URL, never its password."""
    parts = urlsplit(dsn)
    return f"{parts.hostname}:{parts.port or 5432}{parts.path}"


def _nats_address(url: str) -> str:
    """host:port of each server, never a password in the URL."""
    return ",".join(
        f"{urlsplit(u.strip()).hostname}:{urlsplit(u.strip()).port or 4222}" for u in url.split(",")
    )
