"""API versions by date (docs/api-versioning.md): `Servelo-Version` on a request pins one,
every answer names the one that answered. One dictionary lookup per request."""

from __future__ import annotations

CURRENT = b"2026-12-01"
# Every version still supported, and the header line each one answers with.
LINES: dict[bytes, bytes] = {CURRENT: b"Servelo-Version: " + CURRENT + b"\r\n"}
CURRENT_LINE = LINES[CURRENT]
SUPPORTED_TEXT = ", ".join(v.decode() for v in LINES)
