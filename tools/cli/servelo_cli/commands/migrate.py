"""`servelo migrate status|apply`: each service's schema against the migration files of its
installed code (platform tables first, then the service's own), applied as the service's
role exactly as a service does at start (servelo_common.migrate, advisory-locked)."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

from servelo_common.migrate import PLATFORM_MIGRATIONS, migrate, migration_files
from servelo_dev.devstack.stack import migrations_dir

from servelo_cli.output import CliError, Exit, Out, table
from servelo_cli.repository import migrations as repo
from servelo_cli.target import Target, target_of


def service_folder(service: str) -> Path | None:
    """The service's migrations, or None when its code is not installed here."""
    if importlib.util.find_spec(service) is None:
        return None
    return migrations_dir(service)


def files_of(service: str) -> dict[str, list[str]] | None:
    folder = service_folder(service)
    if folder is None:
        return None
    return {
        component: [f.name for _, f in migration_files(path)]
        for component, path in (("platform", PLATFORM_MIGRATIONS), ("service", folder))
    }


async def service_status(target: Target, service: str) -> dict[str, Any]:
    found: dict[str, Any] = {"service": service, "error": None}
    admin = await target.connect()
    try:
        exists = await repo.schema_exists(admin, schema=service)
        rows = await repo.applied(admin, schema=service) if exists else None
    finally:
        await admin.close()
    files = files_of(service)
    applied = [f"{r['component']}/{r['name']}" for r in rows or []]
    found["applied"] = applied
    if files is None:
        found["pending"] = None
        found["unknown"] = []
        found["error"] = f"the code of {service} is not installed here: its files are unknown"
    else:
        known = [f"{c}/{name}" for c, names in files.items() for name in names]
        found["pending"] = [m for m in known if m not in applied]
        # Recorded but not among the files: the database is ahead of this code.
        found["unknown"] = [m for m in applied if m not in known]
    if not exists:
        found["error"] = f"schema {service} does not exist: provision it first"
    return found


async def status(args: argparse.Namespace, out: Out) -> Exit:
    target = target_of(args)
    found = [await service_status(target, s) for s in target.services]

    def human() -> None:
        table(
            ["SERVICE", "APPLIED", "PENDING", "NOTE"],
            [
                [
                    s["service"],
                    len(s["applied"]),
                    "?" if s["pending"] is None else len(s["pending"]),
                    s["error"]
                    or (f"ahead of this code: {', '.join(s['unknown'])}" if s["unknown"] else ""),
                ]
                for s in found
            ],
        )
        for s in found:
            for name in s["pending"] or []:
                print(f"  pending {s['service']}: {name}")

    out.result(found, human)
    return Exit.FAILED if any(s["error"] for s in found) else Exit.OK


async def apply(args: argparse.Namespace, out: Out) -> Exit:
    target = target_of(args)
    results: list[dict[str, Any]] = []
    failed = False
    for service in target.services:
        before = await service_status(target, service)
        if before["error"]:
            results.append({"service": service, "applied": [], "error": before["error"]})
            failed = True
            continue
        conn = await target.connect(service)
        try:
            # A migration may rightly take long, or wait for a starting replica's lock.
            await conn.execute("SET statement_timeout = 0; SET lock_timeout = 0")
            done = await migrate(conn, schema=service, folder=service_folder(service))
        except Exception as exc:
            if isinstance(exc, CliError):
                raise
            results.append({"service": service, "applied": [], "error": repr(exc)[:500]})
            failed = True
            continue
        finally:
            await conn.close()
        results.append({"service": service, "applied": done, "error": None})
        out.note(f"{service}: {len(done)} migration(s) applied")

    def human() -> None:
        for r in results:
            if r["error"]:
                print(f"{r['service']}: FAILED: {r['error']}")
            elif r["applied"]:
                print(f"{r['service']}: applied {', '.join(r['applied'])}")
            else:
                print(f"{r['service']}: up to date")

    out.result(results, human)
    return Exit.FAILED if failed else Exit.OK
