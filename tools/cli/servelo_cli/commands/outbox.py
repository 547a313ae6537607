"""`servelo outbox status`: per service, the events committed but not yet published to
NATS, and how old the oldest is (the relay normally empties it in well under a second)."""

from __future__ import annotations

import argparse
from typing import Any

import asyncpg

from servelo_cli.output import CliError, Exit, Out, age, iso, table
from servelo_cli.repository import outbox as repo
from servelo_cli.target import Target, target_of


async def service_status(target: Target, service: str, *, rows: int) -> dict[str, Any]:
    status: dict[str, Any] = {"service": service}
    try:
        conn = await target.connect(service)
    except CliError as exc:
        return {**status, "error": exc.message}
    try:
        summary = await repo.pending(conn)
        head = await repo.head(conn, limit=max(rows, 1))
    except asyncpg.UndefinedTableError:
        return {**status, "error": f"schema {service} has no outbox: not migrated"}
    finally:
        await conn.close()
    first = head[0] if head else None
    status.update(
        pending=summary["pending"],
        oldest_created_at=iso(summary["oldest"]),
        oldest_age_seconds=round(summary["oldest_age"], 3) if first else None,
        attempts=first["attempts"] if first else 0,
        last_error=first["last_error"] if first else None,
        error=None,
    )
    if rows:
        status["head"] = [
            {
                "seq": r["seq"],
                "event_id": str(r["id"]),
                "subject": r["subject"],
                "created_at": iso(r["created_at"]),
                "attempts": r["attempts"],
                "last_error": r["last_error"],
            }
            for r in head
        ]
    return status


async def status(args: argparse.Namespace, out: Out) -> Exit:
    target = target_of(args)
    await (await target.connect()).close()  # Postgres itself unreachable: exit 3 at once
    found = [await service_status(target, s, rows=args.rows) for s in target.services]

    def human() -> None:
        table(
            ["SERVICE", "PENDING", "OLDEST", "ATTEMPTS", "LAST ERROR"],
            [
                [s["service"], "?", "-", "-", s["error"]]
                if s["error"]
                else [
                    s["service"],
                    s["pending"],
                    age(s["oldest_age_seconds"]),
                    s["attempts"],
                    (s["last_error"] or "")[:80],
                ]
                for s in found
            ],
        )
        for s in found:
            for r in s.get("head", []):
                print(
                    f"  {s['service']} #{r['seq']} {r['subject']} {r['created_at']}"
                    f" attempts={r['attempts']} {r['last_error'] or ''}".rstrip()
                )

    out.result(found, human)
    failed = any(s["error"] for s in found)
    if args.max_age is not None:
        late = [
            s["service"]
            for s in found
            if not s["error"] and (s["oldest_age_seconds"] or 0) > args.max_age
        ]
        if late:
            out.note(f"oldest pending event older than {args.max_age}s in: {', '.join(late)}")
            failed = True
    return Exit.FAILED if failed else Exit.OK
