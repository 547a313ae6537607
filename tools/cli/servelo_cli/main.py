"""`servelo`: the console script. Parses, runs one command, prints, exits with its code.

    servelo [--json] [--data-dir DIR] [--database NAME] [--role-prefix P] COMMAND ACTION ...

The global options are accepted before or after the command (`servelo outbox status --json`).
Exit codes: 0 ok, 1 the answer is no (a check failed, not found, conflict, a replay failed
again), 2 usage or invalid input, 3 Postgres or NATS unavailable or not configured, 4 a
wait ran out (servelo_cli.output.Exit).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any

from servelo_cli.output import CliError, Out
from servelo_cli.parser import build_parser


def run(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = Out(json=getattr(args, "json", False))
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    module, _, function = str(args.run).partition(":")
    command: Any = getattr(importlib.import_module(f"servelo_cli.commands.{module}"), function)
    try:
        return int(asyncio.run(command(args, out)))
    except CliError as exc:
        out.error(exc)
        return int(exc.exit)
    except KeyboardInterrupt:
        return 130


def main() -> None:
    sys.exit(run())
