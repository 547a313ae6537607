"""Rules about users and orgs that need no I/O (unit-tested on their own)."""

from __future__ import annotations

from typing import Any

from servelo_common.errors import ApiError

MAGIC_LINK_TTL = {"login": 15 * 60, "invite": 7 * 24 * 3600, "admin_login": 24 * 3600}


def auth_provider(password_hash: str | None) -> str:
    """How the user signs in today: with a password, or only by magic link."""
    return "password" if password_hash else "magic_link"


def user_view(row: Any) -> dict[str, Any]:
    """The public shape of a user row; the hash never leaves this function."""
    return {
        "id": row["id"],
        "name": row["name"],
        "email": row["email"],
        "role": row["role"],
        "active": row["status"] != "deactivated",
        "status": row["status"],
        "auth_provider": auth_provider(row["password_hash"]),
        "phone": row["phone"],
        "notes": row["notes"],
        "avatar_url": row["avatar_url"],
        "has_password": row["password_hash"] is not None,
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def can_log_in(status: str) -> bool:
    return status != "deactivated"


def check_last_admin(
    *,
    current_role: str,
    current_status: str,
    new_role: str | None,
    deactivating: bool,
    other_active_admins: int,
) -> None:
    """An org always keeps one active admin: refuse demoting or removing the last one."""
    is_active_admin = current_role == "admin" and current_status != "deactivated"
    loses_admin = deactivating or (new_role is not None and new_role != "admin")
    if is_active_admin and loses_admin and other_active_admins == 0:
        raise ApiError(409, "Cannot remove the organization's last admin")


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
