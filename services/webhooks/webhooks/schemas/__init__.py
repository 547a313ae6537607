"""What clients send and what they get back: one module per resource.

What several share lives here: an event type name, as the platform spells them.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

_TYPE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MAX_TYPES = 100


def check_type(value: str) -> str:
    if not _TYPE.match(value):
        raise ValueError(f"{value!r} is not an event type (kebab-case, e.g. ticket-created).")
    return value


EventType = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(check_type)]
