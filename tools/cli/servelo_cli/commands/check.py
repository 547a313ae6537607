"""`servelo check`: can the platform work? Postgres and NATS reachable, each service's role
and schema as provisioning makes them (deploy/sql/provision.sql), every migration applied,
the event stream as the services create it, and each running component's own `/readyz`
(which reports whether *it* reaches Postgres and NATS, with its own credentials).

Exit 0 when every check passed, 1 otherwise; each failure says what is wrong.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass

import aiohttp
import asyncpg
import nats.js.errors
from servelo_common.bus import DUPLICATE_WINDOW, SUBJECTS
from servelo_common.events import STREAM
from servelo_common.provision import with_database

from servelo_cli.commands.migrate import service_status as migration_status
from servelo_cli.output import CliError, Exit, Out
from servelo_cli.repository import catalog
from servelo_cli.target import CONNECT_TIMEOUT, Target, target_of


@dataclass
class Check:
    component: str
    check: str
    ok: bool
    detail: str = ""


async def database_checks(target: Target) -> list[Check]:
    try:
        admin = await target.connect()
    except CliError as exc:
        return [Check("postgres", "reachable", False, exc.message)]
    try:
        version = await catalog.server_version(admin)
        found = [Check("postgres", "reachable", True, f"PostgreSQL {version}")]
        for service in target.services:
            found += await role_checks(admin, target, service)
            found += await login_checks(target, service)
            found.append(await migration_check(target, service))
    finally:
        await admin.close()
    return found


async def migration_check(target: Target, service: str) -> Check:
    status = await migration_status(target, service)
    if status["error"]:
        return Check(service, "migrations", False, status["error"])
    if status["pending"]:
        return Check(service, "migrations", False, f"pending: {', '.join(status['pending'])}")
    return Check(service, "migrations", True, f"{len(status['applied'])} applied")


async def role_checks(admin: asyncpg.Connection, target: Target, service: str) -> list[Check]:
    role = target.role(service)
    attrs = await catalog.role(admin, name=role)
    if attrs is None:
        return [Check(service, "role", False, f"role {role} does not exist: provision it")]
    wrong = [
        text
        for flag, bad, text in (
            ("rolcanlogin", False, "cannot log in (NOLOGIN)"),
            ("rolsuper", True, "is a superuser (row-level security would not apply)"),
            ("rolbypassrls", True, "has BYPASSRLS (row-level security would not apply)"),
            ("rolcreatedb", True, "has CREATEDB"),
            ("rolcreaterole", True, "has CREATEROLE"),
        )
        if attrs[flag] == bad
    ]
    rights = await catalog.privileges(admin, role=role, database=target.database)
    if not rights["can_connect"]:
        wrong.append(f"may not connect to {target.database}")
    if rights["public_create"]:
        wrong.append("may create objects in schema public")
    found = [Check(service, "role", not wrong, f"{role} " + "; ".join(wrong) if wrong else role)]
    owner = await catalog.schema_owner(admin, schema=service)
    if owner is None:
        found.append(Check(service, "schema", False, f"schema {service} does not exist"))
    elif owner != role:
        found.append(Check(service, "schema", False, f"schema {service} is owned by {owner}"))
    else:
        strays = await catalog.foreign_objects(admin, schema=service, owner=role)
        detail = ", ".join(f"{r['name']} ({r['owner']})" for r in strays[:5])
        found.append(
            Check(
                service,
                "schema",
                not strays,
                f"objects {role} does not own: {detail}"
                if strays
                else f"{service}, owned by {role}",
            )
        )
    return found


async def login_checks(target: Target, service: str) -> list[Check]:
    """make run's folder knows each service's own password: log in as the service does."""
    password = target.service_password(service)
    if password is None:
        return []
    dsn = with_database(target.dsn(), target.database, user=target.role(service), password=password)
    try:
        conn = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT)
    except Exception as exc:
        return [Check(service, "login", False, f"{target.role(service)} cannot log in: {exc}")]
    await conn.close()
    return [Check(service, "login", True, f"as {target.role(service)}, its own password")]


async def nats_checks(target: Target) -> list[Check]:
    try:
        nc = await target.nats()
    except CliError as exc:
        return [Check("nats", "reachable", False, exc.message)]
    try:
        found = [
            Check("nats", "reachable", True, nc.connected_url.netloc if nc.connected_url else "")
        ]
        js = nc.jetstream(timeout=CONNECT_TIMEOUT)
        try:
            info = await js.stream_info(STREAM)
        except nats.js.errors.NotFoundError:
            return [
                *found,
                Check("nats", "stream", False, f"{STREAM} does not exist: no service has started"),
            ]
        except Exception as exc:
            return [*found, Check("nats", "stream", False, f"JetStream: {exc!r}")]
        config = info.config
        wrong = [f"does not take {s}" for s in SUBJECTS if s not in (config.subjects or [])]
        if (config.duplicate_window or 0) < DUPLICATE_WINDOW:
            wrong.append(f"duplicate window {config.duplicate_window}s < {DUPLICATE_WINDOW:g}s")
        detail = "; ".join(wrong) or (
            f"{info.state.messages} events, {config.num_replicas or 1} replica(s)"
        )
        found.append(Check("nats", "stream", not wrong, f"{STREAM}: {detail}"))
        return found
    finally:
        await nc.close()


async def component_checks(target: Target, out: Out) -> list[Check]:
    urls = target.component_urls()
    if not urls:
        out.note(
            "components: no address known (set SERVELO_<SERVICE>_URL, as for the gateway):"
            " their /readyz was not checked"
        )
    found = []
    timeout = aiohttp.ClientTimeout(total=CONNECT_TIMEOUT)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for name, url in sorted(urls.items()):
            try:
                async with http.get(f"{url}/readyz") as resp:
                    body = await resp.text()
                    ok = resp.status == 200
            except (aiohttp.ClientError, TimeoutError) as exc:
                found.append(Check(name, "ready", False, f"{url}: {exc!r}"))
                continue
            found.append(Check(name, "ready", ok, f"{url}/readyz: {resp.status} {body[:200]}"))
    return found


async def check(args: argparse.Namespace, out: Out) -> Exit:
    target = target_of(args)
    found = await database_checks(target) + await nats_checks(target)
    if not args.no_components:
        found += await component_checks(target, out)
    failed = [c for c in found if not c.ok]

    def human() -> None:
        for c in found:
            print(f"{'ok  ' if c.ok else 'FAIL'}  {c.component:10} {c.check:11} {c.detail}")
        print(f"\n{len(failed)} problem(s)" if failed else "\nall good")

    out.result({"ok": not failed, "checks": [asdict(c) for c in found]}, human)
    return Exit.FAILED if failed else Exit.OK
