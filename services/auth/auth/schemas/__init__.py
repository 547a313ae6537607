"""What clients send and what they get back: one module per resource.

What several resources' schemas share lives here: roles, passwords, slugs.
"""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import StringConstraints
from servelo_common.schemas import NO_NUL

SLUG_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
Role = Literal["admin", "manager", "technician"]
ROLES: frozenset[str] = frozenset(get_args(Role))
# Never stripped: whitespace is part of a password.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=8, max_length=1024, pattern=NO_NUL),
]
AnyPassword = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=1, max_length=1024, pattern=NO_NUL),
]
