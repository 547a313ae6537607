"""The contract's error shape for every error:
`{"error", "message", "code", "request_id"[, "errors"][, extras]}`.

`code` is stable and machine-readable (published codes never change meaning); by default it
follows the status (`not_found`, `conflict`, ...), and a raise site may name a finer one
(`reauthentication_required`). `request_id` is the answer's `X-Request-Id`."""

from __future__ import annotations

import errno
import logging
from typing import Any, TypeVar

import asyncpg
import nats.errors
import nats.js.errors
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from servelo_common.declared import allowed_methods
from servelo_common.jsonutil import JSONResponse
from servelo_common.logs import request_id_var

T = TypeVar("T")

log = logging.getLogger("servelo.errors")

# Seconds a client is asked to wait when a dependency is away (Postgres restarts in a few).
RETRY_AFTER = 2
# The code of each status when the raise site names none.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "timeout",
}
VALIDATION_FAILED = "validation_failed"
INVALID_JSON = "invalid_json"

_STATUS_MESSAGES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable entity",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ApiError(Exception):
    """Raise anywhere below a route; the app turns it into the error shape."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        *,
        errors: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
        **extra: Any,
    ) -> None:
        self.status = status
        self.message = message or _STATUS_MESSAGES.get(status, "Error")
        self.code = code
        self.errors = errors
        self.headers = headers
        self.extra = extra
        super().__init__(self.message)


class NotFound(ApiError):
    def __init__(self, message: str = "Not found") -> None:
        super().__init__(404, message)


def found(value: T | None, message: str = "Not found") -> T:
    """`value`, or a 404 with `message` when the lookup found nothing."""
    if value is None:
        raise NotFound(message)
    return value


class Forbidden(ApiError):
    def __init__(self, message: str = "Forbidden") -> None:
        super().__init__(403, message)


class Conflict(ApiError):
    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(409, message, **extra)


def rate_limited(
    *, retry_after: int, policy: str, quota: int, window: int, message: str = "Too many requests"
) -> ApiError:
    """429 with `Retry-After` and the IETF RateLimit / RateLimit-Policy fields (the
    gateway's limits answer the same way): `quota` requests per `window` seconds."""
    headers = {
        "Retry-After": str(retry_after),
        "RateLimit-Policy": f'"{policy}";q={quota};w={window}',
        "RateLimit": f'"{policy}";r=0;t={retry_after}',
    }
    return ApiError(429, message, headers=headers, code="rate_limited")


class Unauthorized(ApiError):
    def __init__(self, message: str = "Authentication required") -> None:
        super().__init__(401, message)


def error_code(status: int, errors: dict[str, list[str]] | None = None) -> str:
    """The code of an error whose raise site named none."""
    if errors:
        return VALIDATION_FAILED
    return STATUS_CODES.get(status, "error")


def error_body(
    message: str,
    errors: dict[str, list[str]] | None = None,
    *,
    code: str,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": message,
        "message": message,
        "code": code,
        "request_id": request_id_var.get() or "",
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def error_response(
    status: int,
    message: str | None = None,
    *,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    code: str | None = None,
    **extra: Any,
) -> Response:
    msg = message or _STATUS_MESSAGES.get(status, "Error")
    body = error_body(msg, errors, code=code or error_code(status, errors), **extra)
    return JSONResponse(body, status_code=status, headers=headers)


def _field_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query")]
    return ".".join(parts) or "body"


def _human(field: str, err: Any) -> str:
    kind = err["type"]
    label = field.rsplit(".", 1)[-1].replace("_", " ")
    if kind == "missing":
        return f"The {label} field is required."
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            return msg[len(prefix) :]
    return f"The {label} field is invalid: {msg[0].lower()}{msg[1:]}" if msg else msg


def validation_errors(exc: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        field = _field_name(tuple(err["loc"]))
        errors.setdefault(field, []).append(_human(field, err))
    return errors


class ServiceUnavailable(ApiError):
    """503 with `Retry-After`: a dependency is away or busy; the same request may succeed
    in a moment."""

    def __init__(self, message: str = "Service unavailable") -> None:
        super().__init__(
            503, message, headers={"Retry-After": str(RETRY_AFTER)}, code="unavailable"
        )


class RequestValidationError(ApiError):
    """Input failed validation: 400, or 422 where a service's API says so (team)."""

    def __init__(self, errors: dict[str, list[str]], message: str = "Validation failed") -> None:
        super().__init__(400, message, errors=errors)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    if isinstance(exc, ServiceUnavailable):
        return unavailable_response(exc.message)
    status = exc.status
    if isinstance(exc, RequestValidationError):
        status = getattr(request.app.state, "validation_status", 400)
    return error_response(
        status, exc.message, errors=exc.errors, headers=exc.headers, code=exc.code, **exc.extra
    )


async def http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405:
        headers = {**(headers or {}), "Allow": ", ".join(_allowed_methods(request))}
    message = exc.detail if exc.detail and exc.detail != _phrase(exc.status_code) else None
    return error_response(exc.status_code, message, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path: the whole `Allow` of a 405 (Starlette's
    own names only the first route whose path matched)."""
    return allowed_methods(request)


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def unhandled_error_handler(request: Request, exc: Exception) -> Response:
    # The trace goes to the log with the request id; the client gets the shape only.
    log.exception("unhandled error", extra={"path": request.url.path})
    return error_response(500, "Internal server error")


# A dependency that is down, restarting or overloaded: the request did not fail, it could
# not be served now. (asyncpg: connection errors, admin/crash shutdown, "the database
# system is starting up", statement and lock timeouts, too many connections, deadlocks.)
_UNAVAILABLE: tuple[type[Exception], ...] = (
    ServiceUnavailable,
    asyncpg.PostgresConnectionError,
    asyncpg.OperatorInterventionError,
    asyncpg.InsufficientResourcesError,
    asyncpg.LockNotAvailableError,
    asyncpg.TransactionRollbackError,
    asyncpg.IdleInTransactionSessionTimeoutError,
    ConnectionError,
    TimeoutError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.NoServersError,
    nats.errors.NoRespondersError,
    nats.errors.StaleConnectionError,
    nats.js.errors.ServiceUnavailableError,
)
_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.ECONNABORTED,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ETIMEDOUT,
    errno.EPIPE,
}
_CLOSED_MESSAGES = ("connection is closed", "connection was closed", "pool is closing")


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` means a dependency is away (retry later), not a bug or bad input."""
    if isinstance(exc, _UNAVAILABLE):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        return any(m in str(exc) for m in _CLOSED_MESSAGES)
    if isinstance(exc, OSError):
        # asyncio reports a refused connection to several addresses as a plain OSError.
        return exc.errno in _NETWORK_ERRNOS or str(exc).startswith("Multiple exceptions")
    return False


def unavailable_response(message: str = "Service unavailable") -> Response:
    """The contract's 503: error shape, `code`, `request_id` and `Retry-After`."""
    return error_response(
        503, message, headers={"Retry-After": str(RETRY_AFTER)}, code="unavailable"
    )


async def dependency_error_handler(request: Request, exc: Exception) -> Response:
    """Registered for the exception classes a dependency outage raises; anything else of
    those classes is still a 500."""
    if not is_unavailable(exc):
        return await unhandled_error_handler(request, exc)
    log.warning(
        "dependency unavailable",
        extra={"path": request.url.path, "error": repr(exc)[:300]},
    )
    return unavailable_response()


# The classes to register `dependency_error_handler` for (their subclasses follow).
DEPENDENCY_ERRORS: tuple[type[Exception], ...] = (
    *_UNAVAILABLE[1:],
    asyncpg.InterfaceError,
    OSError,
)
