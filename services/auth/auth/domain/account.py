"""The caller's own account with no I/O: preferences merge as JSON, avatars."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from servelo_common.sql import FromRow


@dataclass(frozen=True, slots=True)
class Avatar(FromRow):
    converters = {"data": bytes}
    content_type: str
    data: bytes = field(repr=False)


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """JSON merge: objects merge key by key, `null` removes a key, anything else replaces."""
    merged = dict(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
