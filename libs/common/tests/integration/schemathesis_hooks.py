"""Schemathesis hooks for `test_api_contract.py` (loaded with `SCHEMATHESIS_HOOKS`).

Who calls what: `SERVELO_CONTRACT_CALLERS` (JSON) maps an operationId to the token it is
sent with (its `Host` is in the run's config, so probes derived from a case keep it), `*`
to the run's own (the fresh tenant's admin, whose token the
config gives schemathesis as the `bearer` scheme, so its auth checks can leave it out).
Two narrow adjustments, each because a check cannot apply as the document is written:
- `cursor` is left out of the generated requests: it is opaque (CONTRACT.md: a cursor
  that does not decode to a position is 400), so no schema can describe a valid one and
  every drawn value would be a "valid request refused". Invalid cursors are covered by
  the services' own tests.
- an `Idempotency-Key` the generator drew is made unique per request: a key is single-use
  by contract (the same key with another body is 422), and the generator reuses values.
"""

from __future__ import annotations

import ast
import json
import os
import threading
import uuid
from typing import Any

import schemathesis

# CPython 3.11 keeps the AST constructor's recursion depth in the interpreter's state, not
# the thread's (python/cpython#106905): two of the run's worker threads in `ast.parse` at
# once (Hypothesis parses a lambda's source to describe a strategy) can fail with
# "SystemError: AST constructor recursion depth mismatch", which ended CI runs. One parse
# at a time in this process.
_parse, _parsing = ast.parse, threading.Lock()


def _one_parse_at_a_time(*args: Any, **kwargs: Any) -> Any:
    with _parsing:
        return _parse(*args, **kwargs)


ast.parse = _one_parse_at_a_time

_CALLERS: dict[str, dict[str, str]] = json.loads(os.environ.get("SERVELO_CONTRACT_CALLERS", "{}"))


@schemathesis.hook
def before_load_schema(context: Any, raw_schema: dict[str, Any]) -> None:
    for item in raw_schema.get("paths", {}).values():
        for op in item.values():
            if isinstance(op, dict) and "parameters" in op:
                op["parameters"] = [p for p in op["parameters"] if p.get("name") != "cursor"]


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    # Each request from its own client address (the test gateway trusts the header from
    # loopback), as a crowd of clients would: per-address limits do not turn the run into
    # 429s. Per-user and per-tenant limits still apply.
    if case.headers is None:
        case.headers = {}
    case.headers["X-Forwarded-For"] = "fd00::" + ":".join(
        uuid.uuid4().hex[i : i + 4] for i in (0, 4, 8)
    )
    if case.meta is not None and case.meta.generation.mode.is_negative:
        return  # a negative case is refused anyway, and may be about this very header
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and 1 <= len(key) <= 200:
        case.headers["Idempotency-Key"] = f"{key}-{uuid.uuid4().hex}"
