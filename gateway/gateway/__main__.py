"""`python -m gateway`: read settings (fail fast), run on uvloop."""

from __future__ import annotations

import logging
import os
import sys

import uvloop
from pydantic import ValidationError
from servelo_common.logs import configure_logging

from gateway.config import Settings, describe_error
from gateway.server import serve


def main() -> None:
    configure_logging("gateway", os.environ.get("SERVELO_LOG_LEVEL", "INFO"))
    try:
        settings = Settings()  # type: ignore[call-arg]  # required values come from the env
    except (ValidationError, ValueError) as exc:
        # One JSON line like every other (logs.py): the variable and what is wrong with it.
        logging.getLogger("gateway").critical(f"invalid configuration: {describe_error(exc)}")
        sys.exit(2)
    uvloop.run(serve(settings))


if __name__ == "__main__":
    main()
