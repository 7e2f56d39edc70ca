"""The log says a message was delivered only once the store says so. An operator who read
"delivered message 424 …" before a kill -9 saw that acknowledgement go out again after the
restart: the line came when the relay took the mail, before the outcome was committed. Now it
comes after the commit, so a message the log calls delivered is one the restart never sends
again; one the relay took in the last moment before a kill has no such line (it is sent again,
with the same Message-ID)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from complaints.clock import ManualClock
from tests.conftest import START
from tests.mailpeers import Sink, mail, send


class StoreAtEachLine(logging.Handler):
    """On each "delivered" line of the dispatcher, the status the store shows another reader
    for that message at that very moment."""

    def __init__(self, store_url: str) -> None:
        super().__init__()
        self.engine = sa.create_engine(store_url)
        self.seen: list[tuple[int, str]] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.msg.startswith("delivered message"):
            return
        self.lines.append(record.getMessage())
        message_id = int(record.args[0])  # type: ignore[index]
        with self.engine.connect() as connection:
            status = connection.execute(
                sa.text("SELECT status FROM outbox WHERE message_id = :m"), {"m": message_id}
            ).scalar_one()
        self.seen.append((message_id, status))


@pytest.fixture
def watching() -> Iterator[list[StoreAtEachLine]]:
    handlers: list[StoreAtEachLine] = []
    logger = logging.getLogger("outbox.dispatcher")
    level = logger.level
    logger.setLevel(logging.INFO)
    yield handlers
    for handler in handlers:
        logger.removeHandler(handler)
        handler.engine.dispose()
    logger.setLevel(level)


async def test_delivered_is_logged_only_once_the_store_shows_the_message_sent(
    start_bot: Any, sink: Sink, watching: list[StoreAtEachLine]
) -> None:
    bot = await start_bot(
        {"email": {"relay": {"port": sink.port}}}, ManualClock(START), background=False
    )
    port = bot.app.state.services.channels["email"].smtp_port
    customers = ["ana@customer.test", "bo@customer.test", "cai@customer.test"]
    for n, sender in enumerate(customers):
        text = f"Parcel {n} arrived crushed and the receipt is missing."
        await send(port, mail(text, sender=sender, message_id=f"<p{n}@c.test>"), sender=sender)
    handler = StoreAtEachLine(bot.store_url)
    watching.append(handler)
    logging.getLogger("outbox.dispatcher").addHandler(handler)

    assert await bot.app.state.services.dispatcher.dispatch_due() == 3  # one batch

    assert sorted(mail["To"] for mail in sink.received) == customers
    assert len(handler.seen) == 3
    assert [status for _message, status in handler.seen] == ["sent"] * 3
    for line in handler.lines:  # the same fields as before, and no personal data
        assert " of C-" in line and line.endswith("via email")
        assert "customer.test" not in line and "crushed" not in line
