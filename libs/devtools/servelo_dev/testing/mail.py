"""A real SMTP server (aiosmtpd) that keeps every message, for tests to read links from."""

from __future__ import annotations

import asyncio
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, catcher: MailCatcher) -> None:
        self.catcher = catcher

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        with self.catcher.lock:
            for rcpt in envelope.rcpt_tos:
                self.catcher.messages.append((rcpt.lower(), msg))
        return "250 OK"


class MailCatcher:
    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[tuple[str, EmailMessage]] = []
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpt, m in self.messages if rcpt == address.lower()]

    async def wait_for(self, *, to: str, timeout: float = 10.0, count: int = 1) -> EmailMessage:
        """The `count`-th message to `to`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(to)
            if len(found) >= count:
                return found[count - 1]
            await asyncio.sleep(0.05)
        raise AssertionError(f"no mail #{count} to {to} within {timeout}s")


def text_of(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    return str(part.get_content()) if part is not None else ""
