"""`servelo dead-letters list|show|replay|discard`: the events a consumer gave up on, kept
in each consuming service's `dead_letters`; ids are `<service>:<row id>` (`team:3`).
Replay goes back through the owning service's own consumer (servelo_cli.replay)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import asyncpg
import orjson

from servelo_cli.output import CliError, Exit, Out, iso, table
from servelo_cli.replay import DONE, FAILED, replay
from servelo_cli.repository import Record
from servelo_cli.repository import dead_letters as repo
from servelo_cli.target import Target, check_name, target_of


def parse_id(value: str) -> tuple[str, int]:
    service, _, row = value.partition(":")
    if not row.isdigit():
        raise CliError(
            f"not a dead letter id: {value!r} (they look like team:3)",
            code="validation_failed",
            exit=Exit.USAGE,
        )
    return check_name(service), int(row)


def _event_type(payload: str) -> str | None:
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return str(value.get("type")) if isinstance(value, dict) else None


def public(service: str, row: Record, *, payload: bool = False) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": f"{service}:{row['id']}",
        "service": service,
        "consumer": row["consumer"],
        "type": _event_type(row["payload"]),
        "event_id": str(row["event_id"]) if row["event_id"] else None,
        "org_id": str(row["org_id"]) if row["org_id"] else None,
        "subject": row["subject"],
        "error": row["error"],
        "deliveries": row["deliveries"],
        "created_at": iso(row["created_at"]),
        # The consumer's inbox has the event: a replay went through; replay (or discard)
        # removes the row.
        "handled": row["handled"],
    }
    if payload:
        try:
            shown["payload"] = orjson.loads(row["payload"])
        except orjson.JSONDecodeError:
            shown["payload"] = row["payload"]
    return shown


async def _rows(
    target: Target, *, consumer: str | None, limit: int
) -> tuple[list[tuple[str, Record]], bool]:
    """Every service's dead letters; False when some service could not be read."""
    found: list[tuple[str, Record]] = []
    complete = True
    await (await target.connect()).close()  # Postgres itself unreachable: exit 3 at once
    for service in target.services:
        try:
            conn = await target.connect(service)
        except CliError as exc:
            print(f"servelo: {service}: {exc.message}", file=sys.stderr)
            complete = False
            continue
        try:
            rows = await repo.list_dead_letters(conn, consumer=consumer, limit=limit)
        except asyncpg.PostgresError as exc:  # a schema not migrated, a table not granted
            print(f"servelo: {service}: {exc}", file=sys.stderr)
            complete = False
            continue
        finally:
            await conn.close()
        found.extend((service, r) for r in rows)
    return found, complete


async def _one(target: Target, value: str) -> tuple[str, Record]:
    service, row_id = parse_id(value)
    conn = await target.connect(service)
    try:
        row = await repo.get_dead_letter(conn, row_id=row_id)
    finally:
        await conn.close()
    if row is None:
        raise CliError(f"no dead letter {value}", code="not_found")
    return service, row


async def list_letters(args: argparse.Namespace, out: Out) -> Exit:
    rows, complete = await _rows(target_of(args), consumer=args.consumer, limit=args.limit)
    shown = [public(s, r) for s, r in rows]

    def human() -> None:
        if not shown:
            print("no dead letters")
            return
        table(
            ["ID", "CONSUMER", "TYPE", "DELIVERIES", "CREATED", "HANDLED", "ERROR"],
            [
                [
                    d["id"],
                    d["consumer"],
                    d["type"] or "(undecodable)",
                    d["deliveries"],
                    d["created_at"],
                    "yes" if d["handled"] else "no",
                    (d["error"] or "")[:70],
                ]
                for d in shown
            ],
        )

    out.result(shown, human)
    return Exit.OK if complete else Exit.FAILED


async def show(args: argparse.Namespace, out: Out) -> Exit:
    service, row = await _one(target_of(args), args.id)
    shown = public(service, row, payload=True)

    def human() -> None:
        for key, value in shown.items():
            if key != "payload":
                print(f"{key + ':':12} {value}")
        print("payload:")
        print(orjson.dumps(shown["payload"], option=orjson.OPT_INDENT_2).decode())

    out.result(shown, human)
    return Exit.OK


async def _selected(args: argparse.Namespace, target: Target) -> list[tuple[str, Record]]:
    if args.all == bool(args.ids):
        raise CliError(
            "name dead letters by id, or --all", code="validation_failed", exit=Exit.USAGE
        )
    if args.all:
        rows, complete = await _rows(target, consumer=args.consumer, limit=100_000)
        if not complete:
            raise CliError("some services could not be read (above)", code="unavailable")
        return rows
    return [await _one(target, value) for value in args.ids]


async def replay_letters(args: argparse.Namespace, out: Out) -> Exit:
    target = target_of(args)
    letters = await _selected(args, target)
    if not letters:
        out.result([], lambda: print("no dead letters"))
        return Exit.OK
    if args.wait:
        out.note(f"Replaying {len(letters)} dead letter(s); waiting up to {args.wait:g}s...")
    results = await replay(target, letters, wait=args.wait)
    shown = [r.to_json() for r in results]
    out.result(
        shown,
        lambda: table(
            ["ID", "CONSUMER", "OUTCOME", "DETAIL"],
            [[r["id"], r["consumer"], r["outcome"], r["detail"] or ""] for r in shown],
        ),
    )
    outcomes = {r.outcome for r in results}
    if outcomes & FAILED:
        return Exit.FAILED
    if outcomes - DONE - {"published"}:
        return Exit.TIMEOUT
    return Exit.OK


def _confirm(args: argparse.Namespace, count: int) -> None:
    if args.yes:
        return
    if not sys.stdin.isatty():
        raise CliError(
            "a discarded event's effect is never applied: add --yes",
            code="confirmation_required",
            exit=Exit.USAGE,
        )
    if input(f"Discard {count} dead letter(s) for good? [y/N] ").strip().lower() != "y":
        raise CliError("not confirmed", code="confirmation_required", exit=Exit.USAGE)


async def discard(args: argparse.Namespace, out: Out) -> Exit:
    target = target_of(args)
    letters = [await _one(target, value) for value in args.ids]
    _confirm(args, len(letters))
    gone = []
    for service, row in letters:
        conn = await target.connect(service)
        try:
            if await repo.delete_dead_letter(conn, row_id=row["id"]):
                gone.append(f"{service}:{row['id']}")
        finally:
            await conn.close()
    out.result({"discarded": gone}, lambda: print("\n".join(f"discarded {g}" for g in gone)))
    return Exit.OK
