"""JSON logs on stdout, one object per line, one schema for the gateway and every service.

Every line has the same first keys, null when unknown:
`time, level, logger, message, service, request_id, trace_id, org, event_id`; then the
record's own fields (`extra=`), and `exception` with a traceback. The request, trace, org
and event come from context variables set where they are known (the request middleware,
the identity, the consumer), or from a record's `extra=` of the same name (the gateway's
request lines, which have no context of their own).

uvicorn's loggers write through the same handler (its `color_message`, ANSI-coloured, is
dropped); warnings are logged, not printed. The access log of services (`AccessLog`) skips
`logging` altogether: its fields are known, so the line is built straight from them.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
import time
from typing import Any, BinaryIO

import orjson

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
trace_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace_id", default=None)
# The tenant's slug (services: from the verified identity; the gateway passes it in `extra=`).
org_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("org", default=None)
# The event a consumer is handling.
event_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("event_id", default=None)

_CONTEXT = ("request_id", "trace_id", "org", "event_id")
_SKIP = (
    set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__)
    | {"message", "asctime", "color_message", "taskName"}
    | set(_CONTEXT)
)
_OPTIONS = orjson.OPT_APPEND_NEWLINE


class _Clock:
    """ISO 8601 UTC with milliseconds; the part up to the seconds is formatted once a second."""

    __slots__ = ("prefix", "second")

    def __init__(self) -> None:
        self.second = -1
        self.prefix = ""

    def __call__(self, created: float) -> str:
        second = int(created)
        if second != self.second:
            self.second = second
            self.prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        return f"{self.prefix}.{int((created - second) * 1000):03d}Z"


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service
        self.clock = _Clock()

    def entry(self, record: logging.LogRecord) -> dict[str, Any]:
        fields = record.__dict__
        entry: dict[str, Any] = {
            "time": self.clock(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "service": self.service,
            "request_id": fields.get("request_id") or request_id_var.get(),
            "trace_id": fields.get("trace_id") or trace_id_var.get(),
            "org": fields.get("org") or org_var.get(),
            "event_id": fields.get("event_id") or event_id_var.get(),
        }
        for key, value in fields.items():
            if key not in _SKIP and key[0] != "_":
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.stack_info:
            entry["exception"] = record.stack_info
        return entry

    def format(self, record: logging.LogRecord) -> str:
        return orjson.dumps(self.entry(record), default=str).decode()


class JsonHandler(logging.Handler):
    """Writes each record as one JSON line to a binary stream, flushed (a container's log
    is read as it is written)."""

    def __init__(self, service: str, stream: BinaryIO | None = None) -> None:
        super().__init__()
        self.stream = stream if stream is not None else sys.stdout.buffer
        self.json = JsonFormatter(service)
        self.setFormatter(self.json)
        self.write_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = orjson.dumps(self.json.entry(record), default=str, option=_OPTIONS)
        except Exception:
            self.handleError(record)
            return
        self.write(line)

    def write(self, line: bytes) -> None:
        with self.write_lock:
            try:
                self.stream.write(line)
                self.stream.flush()
            except (OSError, ValueError):
                pass  # stdout closed (shutdown): nothing to tell it to


class AccessLog:
    """The services' one line per request, without a LogRecord: one call, the fields known,
    one `orjson.dumps`. Off when `servelo.access` is above INFO (SERVELO_LOG_LEVEL)."""

    def __init__(self, logger: str = "servelo.access") -> None:
        self.name = logger
        self.logger = logging.getLogger(logger)

    def __call__(self, method: str, route: str, path: str, status: int, ms: float) -> None:
        self.write(
            request_id_var.get(),
            org_var.get(),
            {"method": method, "route": route, "path": path, "status": status, "ms": ms},
        )

    def write(
        self,
        request_id: str | None,
        org: str | None,
        fields: dict[str, Any],
        trace_id: str | None = None,
    ) -> None:
        """One line with these fields after the schema's (the gateway passes its request's
        ids: its requests have no context variables)."""
        handler = _handler
        if handler is None or not self.logger.isEnabledFor(logging.INFO):
            return
        entry = {
            "time": handler.json.clock(time.time()),
            "level": "info",
            "logger": self.name,
            "message": "request",
            "service": handler.json.service,
            "request_id": request_id,
            "trace_id": trace_id or trace_id_var.get(),
            "org": org,
            "event_id": None,
        }
        entry.update(fields)
        handler.write(orjson.dumps(entry, option=_OPTIONS))


_handler: JsonHandler | None = None


def _log_uncaught(kind: type[BaseException], value: BaseException, tb: Any) -> None:
    logging.getLogger("servelo").critical("uncaught exception", exc_info=(kind, value, tb))


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every logger of the process (ours, uvicorn's, warnings, uncaught exceptions)
    into the one JSON schema on stdout."""
    global _handler
    handler = JsonHandler(service)
    _handler = handler
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's own access log duplicates ours (and is not JSON); its other loggers
    # (start-up, errors) propagate to the root handler above.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error", "uvicorn.asgi"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught
