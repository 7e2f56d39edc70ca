"""Real SMTP peers for tests: a sink that plays the relay, and smtplib as the customer's server."""

from __future__ import annotations

import asyncio
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Sink:
    """An SMTP server that keeps what it is given; `reply` can make it refuse (e.g. "451 ...")."""

    reply: str = "250 OK"
    messages: asyncio.Queue[EmailMessage] = field(default_factory=asyncio.Queue)
    received: list[EmailMessage] = field(default_factory=list)
    port: int = 0
    server: Any = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not self.reply.startswith("250"):
            return self.reply
        message = BytesParser(policy=default).parsebytes(envelope.content)  # type: ignore[arg-type]
        self.received.append(message)  # type: ignore[arg-type]
        await self.messages.put(message)  # type: ignore[arg-type]
        return self.reply

    async def start(self) -> Sink:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: SMTP(self, hostname="sink.test"), "127.0.0.1", self.port
        )
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()

    async def next(self, within: float = 10) -> EmailMessage:
        async with asyncio.timeout(within):
            return await self.messages.get()


def mail(
    text: str,
    *,
    sender: str = "ana@customer.test",
    name: str = "Ana",
    to: str = "complaints@example.com",
    subject: str = "Complaint",
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or f"<{abs(hash((text, sender, subject)))}@customer.test>"
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(text)
    return message


async def send(
    port: int,
    message: EmailMessage | bytes,
    *,
    sender: str = "ana@customer.test",
    recipients: list[str] | None = None,
) -> dict[str, Any]:
    """Send with the standard library's smtplib, as a mail server would; errors propagate."""

    def blocking() -> dict[str, Any]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            if isinstance(message, bytes):
                return client.sendmail(sender, recipients or ["complaints@example.com"], message)
            return client.send_message(message, from_addr=sender, to_addrs=recipients)

    return await asyncio.to_thread(blocking)
