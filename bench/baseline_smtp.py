"""The bare baseline for `bench/smtp_intake.py`: the least an SMTP intake server must do.

An aiosmtpd server, served with `loop.create_server(lambda: SMTP(handler), ...)` on its own
loop as the bot serves its own, whose `handle_DATA` parses the mail with
`email.message_from_bytes(..., policy=email.policy.default)`, takes From, Subject and the body
text, and inserts one row into SQLite (WAL, synchronous=NORMAL) on a single writer thread, then
answers 250. No charset repair, no attachments, no routing, no customers, no acknowledgements:
whatever the bot costs beyond this is its own work.

    python bench/baseline_smtp.py --port 2526 --db /tmp/baseline.db

It stops on SIGTERM or SIGINT. It needs nothing from the project, only aiosmtpd.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import signal
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS complaints ("
    " id INTEGER PRIMARY KEY,"
    " message_id TEXT NOT NULL UNIQUE,"
    " sender TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " received_at TEXT NOT NULL)"
)


class Store:
    """One connection, used only from the one writer thread: writes never contend for the lock."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.writer = ThreadPoolExecutor(1, thread_name_prefix="baseline-write")
        self.connection: sqlite3.Connection | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        self.connection = await loop.run_in_executor(self.writer, self._open)

    def _open(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(SCHEMA)
        return connection

    async def insert(self, row: tuple[str, str, str, str, str]) -> int:
        return await asyncio.get_running_loop().run_in_executor(self.writer, self._insert, row)

    def _insert(self, row: tuple[str, str, str, str, str]) -> int:
        assert self.connection is not None
        cursor = self.connection.execute(
            "INSERT INTO complaints (message_id, sender, subject, text, received_at)"
            " VALUES (?, ?, ?, ?, ?)",
            row,
        )
        return cursor.lastrowid or 0

    def close(self) -> None:
        self.writer.shutdown(wait=True)
        if self.connection is not None:
            self.connection.close()


def parsed(envelope: Envelope) -> tuple[EmailMessage, str]:
    """The mail as the standard library parses it, and its body text (plain, else HTML): the
    least any mail desk does with a mail, for both bare baselines alike."""
    raw = envelope.original_content or envelope.content
    assert isinstance(raw, bytes)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(("plain", "html"))
    return message, body.get_content() if body is not None else ""  # type: ignore[attr-defined]


class Handler:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message, text = parsed(envelope)
        row = (
            str(message["Message-ID"] or ""),
            str(message["From"] or ""),
            str(message["Subject"] or ""),
            text,
            datetime.now(UTC).isoformat(),
        )
        try:
            row_id = await self.store.insert(row)
        except sqlite3.IntegrityError:
            return "250 2.0.0 duplicate"
        return f"250 2.0.0 stored as {row_id}"


async def serve_until_stopped(handler: object, host: str, port: int) -> None:
    """Serve `handler` with aiosmtpd's protocol on the running loop, as the bot serves its own,
    until SIGTERM or SIGINT; both bare baselines are served so."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="baseline.test", enable_SMTPUTF8=True), host=host, port=port
    )
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()


async def serve(host: str, port: int, database: str) -> None:
    store = Store(database)
    await store.open()
    try:
        await serve_until_stopped(Handler(store), host, port)
    finally:
        store.close()


def arguments(doc: str, port: int, database: str) -> argparse.ArgumentParser:
    """The options both bare SMTP baselines take: where to listen and where to store."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--db", default=database, help="the SQLite file")
    return parser


def main() -> None:
    args = arguments(__doc__, 2526, "baseline-smtp.db").parse_args()
    asyncio.run(serve(args.host, args.port, args.db))


if __name__ == "__main__":
    main()
