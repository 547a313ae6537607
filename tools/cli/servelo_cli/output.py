"""What the CLI prints and how it exits: a human text or one JSON document (`--json`), errors
with a stable `code`, and a handful of exit codes scripts can rely on."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any

import orjson


class Exit(IntEnum):
    OK = 0
    # The command ran and the answer is no: a check failed, not found, a conflict, a
    # replayed event failed again.
    FAILED = 1
    # Bad arguments or input (argparse's own code for usage errors).
    USAGE = 2
    # Postgres or NATS cannot be reached, or is not configured, or the embedded servers of
    # the data folder are not running.
    UNAVAILABLE = 3
    # A wait for an outcome ran out (`dead-letters replay --wait`).
    TIMEOUT = 4


class CliError(Exception):
    """Ends the command: `message` for people, `code` (snake_case) for scripts."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        exit: Exit = Exit.FAILED,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message, self.code, self.exit, self.details = message, code, exit, details or {}


def unavailable(message: str) -> CliError:
    return CliError(message, code="unavailable", exit=Exit.UNAVAILABLE)


class Out:
    """Prints either for people (stdout, notes on stderr) or one JSON document on stdout."""

    def __init__(self, *, json: bool) -> None:
        self.json = json

    def result(self, data: Any, human: Callable[[], None]) -> None:
        if self.json:
            sys.stdout.write(dumps(data) + "\n")
        else:
            human()

    def note(self, text: str) -> None:
        """Progress and hints: stderr, so stdout stays the result (and quiet under --json)."""
        if not self.json:
            print(text, file=sys.stderr, flush=True)

    def error(self, exc: CliError) -> None:
        if self.json:
            body = {"error": exc.message, "code": exc.code, **exc.details}
            sys.stdout.write(dumps(body) + "\n")
        else:
            print(f"servelo: {exc.message}", file=sys.stderr)
            for field, messages in exc.details.get("errors", {}).items():
                for text in messages:
                    print(f"  {field}: {text}", file=sys.stderr)


def dumps(data: Any) -> str:
    return orjson.dumps(data, option=orjson.OPT_INDENT_2, default=_default).decode()


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    return str(value)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Left-aligned columns, as `kubectl get` prints them."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def age(seconds: float | None) -> str:
    """`42s`, `3m05s`, `2h10m`, `4d03h`: an age at a glance."""
    if seconds is None:
        return "-"
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"
