"""Outgoing mail: queued in the caller's transaction, sent after commit with retries.

`queue_mail(conn, Mail(...))` inside the transaction that causes the mail; `MailSender`
(started by the service factory) delivers through SMTP at `SERVELO_SMTP_URL`, or, when that
is unset, writes an `.eml` file under `<data_dir>/mail/` and logs it. A mail server that is
down delays mail and loses none; the request that queued it never fails because of it.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

import aiosmtplib
import asyncpg

from servelo_common.config import ServiceSettings
from servelo_common.metrics import MAIL_FAILURES
from servelo_common.worker import PollingWorker

log = logging.getLogger("servelo.mail")
MAX_ATTEMPTS = 20


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


async def queue_mail(
    conn: asyncpg.Connection, mail: Mail, *, org_id: UUID | str | None = None
) -> None:
    await conn.execute(
        "INSERT INTO mail_outbox (org_id, recipient, subject, text_body, html_body, attachments)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        UUID(str(org_id)) if org_id else None,
        mail.to,
        mail.subject,
        mail.text,
        mail.html,
        [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "base64": base64.b64encode(a.content).decode(),
            }
            for a in mail.attachments
        ],
    )


def build_message(sender: str, row: dict[str, Any]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = row["recipient"]
    msg["Subject"] = row["subject"]
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="servelo.local")
    msg.set_content(row["text_body"])
    if row["html_body"]:
        msg.add_alternative(row["html_body"], subtype="html")
    for att in row["attachments"] or []:
        maintype, _, subtype = att["content_type"].partition("/")
        msg.add_attachment(
            base64.b64decode(att["base64"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=att["filename"],
        )
    return msg


class MailSender(PollingWorker):
    """Sends queued mail; a supervised worker woken by the mail outbox trigger."""

    def __init__(self, pool: asyncpg.Pool, settings: ServiceSettings, *, schema: str) -> None:
        super().__init__(f"{schema}-mail", pool, channel=f"servelo_mail_{schema}")
        self.settings, self.schema = settings, schema
        self.failures = MAIL_FAILURES.labels(schema)

    async def work(self) -> bool:
        return await self.send_pending() > 0

    async def send_pending(self) -> int:
        """Send what is due; failures are retried later with backoff. Returns sent count."""
        sent = 0
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                "SELECT * FROM mail_outbox WHERE sent_at IS NULL AND next_attempt <= now()"
                " AND attempts < $1 ORDER BY id LIMIT 20 FOR UPDATE SKIP LOCKED",
                MAX_ATTEMPTS,
            )
            for row in rows:
                try:
                    await self.deliver(build_message(self.settings.mail_from, dict(row)))
                except Exception as exc:
                    self.failures.inc()
                    delay = min(2 ** row["attempts"], 600)
                    log.warning(
                        "mail delivery failed; will retry",
                        extra={"mail_id": row["id"], "error": repr(exc)},
                    )
                    await conn.execute(
                        "UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2,"
                        " next_attempt = now() + make_interval(secs => $3) WHERE id = $1",
                        row["id"],
                        repr(exc)[:500],
                        float(delay),
                    )
                    continue
                # The body may hold a login link: keep the fact it was sent, not the secret.
                await conn.execute(
                    "UPDATE mail_outbox SET sent_at = now(), text_body = '', html_body = NULL,"
                    " attachments = '[]' WHERE id = $1",
                    row["id"],
                )
                sent += 1
        return sent

    async def deliver(self, msg: EmailMessage) -> None:
        url = self.settings.smtp_url
        if not url:
            folder = Path(self.settings.data_dir) / "mail"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{time.time():.6f}-{msg['To']}.eml"
            path.write_bytes(bytes(msg))
            plain = msg.get_body(("plain",))
            text = plain.get_content() if plain is not None else ""
            extra = {"to": msg["To"], "subject": msg["Subject"], "file": str(path)}
            # In development the log is how you get a magic link without a mail server; in
            # production the links must not end up in log storage.
            if self.settings.env != "production":
                extra["body"] = text[:2000]
            log.info("mail written", extra=extra)
            return
        parts = urlsplit(url)
        await aiosmtplib.send(
            msg,
            hostname=parts.hostname or "localhost",
            port=parts.port or 25,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=parts.scheme == "smtps",
            start_tls=True if parts.scheme == "smtp+starttls" else None,
            timeout=10,
        )
