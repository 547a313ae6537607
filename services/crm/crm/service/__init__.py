"""Use cases. Each owns one transaction: repository writes and their events together."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from servelo_common.etag import etag_for

# Raises 412 when the caller's `If-Match` does not name the current ETag.
Precondition = Callable[[str], None]


def row_etag(row: Any) -> str:
    return etag_for(row["id"], row["version"])
