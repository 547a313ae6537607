"""What clients send and what they get back: one module per resource.

What several share lives here: an event type name, as the platform spells them.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

_NAME = r"[a-z][a-z0-9]*(-[a-z0-9]+)*"
_TYPE = re.compile(f"^{_NAME}$")
TYPE_PATTERN = _TYPE.pattern
# `types=ticket-created,quote-accepted` in a query string.
# (Empty: no filter.)
TYPE_LIST_PATTERN = rf"^(\s*{_NAME}(\s*,\s*{_NAME})*)?\s*$"
MAX_TYPES = 100


def check_type(value: str) -> str:
    if not _TYPE.match(value):
        raise ValueError(f"{value!r} is not an event type (kebab-case, e.g. ticket-created).")
    return value


EventType = Annotated[
    str,
    Field(min_length=1, max_length=100, json_schema_extra={"pattern": TYPE_PATTERN}),
    AfterValidator(check_type),
]
