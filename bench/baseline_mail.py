"""The bare baseline for `bench/mail_e2e.py`: the least a mail desk must do to answer a mail.

`bench/baseline_smtp.py`'s server (aiosmtpd on its own loop; parse with
`email.message_from_bytes(..., policy=email.policy.default)`, From, Subject and the body text;
one SQLite insert on a writer thread; 250), plus one reply per stored mail: a short UTF-8
acknowledgement with a complaint number, queued in memory and sent by one task over one
persistent aiosmtplib connection to the relay. No charset repair, no routing, no customers, no
outbox table, no retries: whatever the bot costs beyond this is its own work.

    python bench/baseline_mail.py --port 2527 --db /tmp/baseline.db --relay-port 2528
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from pathlib import Path

import aiosmtplib
from aiosmtpd.smtp import SMTP, Envelope, Session

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script, `bench` is importable only from the root
    sys.path.insert(0, str(ROOT))

from bench.baseline_smtp import Store, arguments, parsed, serve_until_stopped  # noqa: E402

ADDRESS = "complaints@example.com"


class Replying:
    def __init__(self, store: Store, replies: asyncio.Queue[EmailMessage]) -> None:
        self.store = store
        self.replies = replies

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message, text = parsed(envelope)
        subject = str(message["Subject"] or "")
        sender = parseaddr(str(message["From"] or ""))[1] or str(envelope.mail_from)
        row = (str(message["Message-ID"] or ""), sender, subject, text, now())
        try:
            row_id = await self.store.insert(row)
        except sqlite3.IntegrityError:
            return "250 2.0.0 duplicate"
        reply = EmailMessage()
        reply["From"] = ADDRESS
        reply["To"] = sender
        reply["Subject"] = f"Re: {subject} [B-{row_id:06d}]"
        reply["Message-ID"] = make_msgid(domain="baseline.test")
        reply.set_content(f"We received your complaint B-{row_id:06d}.\n", charset="utf-8")
        self.replies.put_nowait(reply)
        return f"250 2.0.0 stored as {row_id}"


def now() -> str:
    return datetime.now(UTC).isoformat()


async def send_replies(replies: asyncio.Queue[EmailMessage], relay_port: int) -> None:
    """One persistent connection to the relay, reopened if it drops."""
    client: aiosmtplib.SMTP | None = None
    while True:
        reply = await replies.get()
        if client is None or not client.is_connected:
            client = aiosmtplib.SMTP(hostname="127.0.0.1", port=relay_port, start_tls=False)
            await client.connect()
        await client.send_message(reply)


async def serve(host: str, port: int, database: str, relay_port: int) -> None:
    store = Store(database)
    await store.open()
    replies: asyncio.Queue[EmailMessage] = asyncio.Queue()
    sender = asyncio.create_task(send_replies(replies, relay_port), name="baseline-replies")
    try:
        await serve_until_stopped(Replying(store, replies), host, port)
    finally:
        sender.cancel()
        store.close()


def main() -> None:
    parser = arguments(__doc__, 2527, "baseline-mail.db")
    parser.add_argument("--relay-port", type=int, required=True, help="where replies go")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.db, args.relay_port))


if __name__ == "__main__":
    main()
