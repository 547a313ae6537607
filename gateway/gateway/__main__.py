"""`python -m gateway`: read settings (fail fast), run on uvloop."""

from __future__ import annotations

import sys

import uvloop
from pydantic import ValidationError

from gateway.config import Settings, describe_error
from gateway.logs import setup_logging
from gateway.server import serve


def main() -> None:
    setup_logging()
    try:
        settings = Settings()  # type: ignore[call-arg]  # required values come from the env
    except (ValidationError, ValueError) as exc:
        print(f"gateway: invalid configuration: {describe_error(exc)}", file=sys.stderr)
        sys.exit(2)
    uvloop.run(serve(settings))


if __name__ == "__main__":
    main()
