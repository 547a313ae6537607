"""Helpers for auth's integration tests: links read out of caught mail."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from servelo_dev.testing.mail import text_of

LINK = re.compile(r"https?://\S+/api/auth/magic-link/verify\?token=\S+")


async def link_token(stack: Any, to: str, count: int = 1) -> str:
    """The magic-link token in the `count`-th mail to `to`."""
    msg = await stack.mail.wait_for(to=to, timeout=10, count=count)
    match = LINK.search(text_of(msg))
    assert match, text_of(msg)
    return parse_qs(urlsplit(match.group(0)).query)["token"][0]
