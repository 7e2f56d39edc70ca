"""Acknowledgements leave through one kept-open connection to the relay (a real aiosmtpd server
on loopback), and a connection the relay drops loses no mail and sends none twice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import SMTP, Envelope, Session

from complaints.clock import ManualClock
from tests.conftest import START
from tests.mailpeers import Sink, mail, send


@dataclass
class CountingRelay(Sink):
    """The test relay, counting connections; the RCPTs numbered in `drop_at_rcpt` (1-based,
    over the whole test) close the connection instead of answering."""

    connections: list[SMTP] = field(default_factory=list)
    drop_at_rcpt: set[int] = field(default_factory=set)
    rcpts: int = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if not any(server is seen for seen in self.connections):
            self.connections.append(server)
        self.rcpts += 1
        if self.rcpts in self.drop_at_rcpt:
            assert server.transport is not None
            server.transport.close()
            return "421 4.3.0 closing"  # never reaches the bot: the connection is gone
        envelope.rcpt_tos.append(address)
        return "250 OK"

    def drop_connections(self) -> None:
        """Close every connection, as a relay does with idle ones."""
        for server in self.connections:
            if server.transport is not None:
                server.transport.close()


@pytest.fixture
async def relay() -> AsyncIterator[CountingRelay]:
    found = CountingRelay()
    await found.start()
    yield found
    await found.stop()


def rows(bot: Any, sql: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(bot.store_url)
    with engine.connect() as connection:
        result = [dict(row) for row in connection.execute(sa.text(sql)).mappings()]
    engine.dispose()
    return result


def outbox(bot: Any) -> list[dict[str, Any]]:
    return rows(bot, "SELECT status, last_error FROM outbox ORDER BY id")


async def queued_acknowledgements(start_bot: Any, relay: Sink, count: int) -> Any:
    """A bot whose dispatcher runs only when the test says, with `count` acknowledgements
    queued by mails through its SMTP server."""
    clock = ManualClock(START)
    bot = await start_bot({"email": {"relay": {"port": relay.port}}}, clock, background=False)
    port = bot.app.state.services.channels["email"].smtp_port
    for index in range(count):
        await complain(port, index)
    bot.clock = clock
    return bot


async def complain(port: int, index: int) -> None:
    """A complaint from a customer of its own, so that no reply limit per sender applies."""
    text, sender = f"Complaint {index}: it broke.", f"c{index}@customer.test"
    await send(port, mail(text, sender=sender, message_id=f"<r{index}@c.test>"), sender=sender)


def message_ids(relay: Sink) -> list[str]:
    return [str(message["Message-ID"]) for message in relay.received]


async def test_one_connection_carries_every_acknowledgement_across_batches(
    start_bot: Any, relay: CountingRelay
) -> None:
    bot = await queued_acknowledgements(start_bot, relay, 5)
    dispatcher = bot.app.state.services.dispatcher
    assert await dispatcher.dispatch_due() == 5
    await complain(bot.app.state.services.channels["email"].smtp_port, 5)
    assert await dispatcher.dispatch_due() == 1
    assert len(set(message_ids(relay))) == len(relay.received) == 6
    assert len(relay.connections) == 1
    assert [row["status"] for row in outbox(bot)] == ["sent"] * 6
    # Recorded for the whole batch at once, each complaint's timeline still reads in order.
    assert {row["status"] for row in rows(bot, "SELECT status FROM complaints")} == {"acknowledged"}
    timelines: dict[int, list[str]] = {}
    for event in rows(bot, "SELECT complaint_id, kind FROM events ORDER BY id"):
        timelines.setdefault(event["complaint_id"], []).append(event["kind"])
    assert len(timelines) == 6
    for kinds in timelines.values():
        assert kinds.count("reply_delivered") == kinds.count("status_changed") == 1
        assert kinds.index("status_changed") > kinds.index("reply_delivered")


async def test_a_relay_dropping_the_connection_mid_batch_loses_none_and_sends_none_twice(
    start_bot: Any, relay: CountingRelay
) -> None:
    relay.drop_at_rcpt = {3}
    bot = await queued_acknowledgements(start_bot, relay, 5)
    dispatcher = bot.app.state.services.dispatcher
    assert await dispatcher.dispatch_due() == 5
    assert len(relay.received) == 4  # the rest of the batch went on a new connection
    statuses = outbox(bot)
    assert [row["status"] for row in statuses].count("sent") == 4
    (dropped,) = [row for row in statuses if row["status"] == "pending"]
    assert "relay unreachable" in dropped["last_error"]
    assert len(relay.connections) == 2

    bot.clock.advance(timedelta(minutes=1))  # the retry falls due
    assert await dispatcher.dispatch_due() == 1
    assert await dispatcher.dispatch_due() == 0
    assert len(set(message_ids(relay))) == len(relay.received) == 5
    assert [row["status"] for row in outbox(bot)] == ["sent"] * 5


async def test_a_connection_the_relay_closed_while_idle_is_replaced_without_a_retry(
    start_bot: Any, relay: CountingRelay
) -> None:
    bot = await queued_acknowledgements(start_bot, relay, 2)
    dispatcher = bot.app.state.services.dispatcher
    assert await dispatcher.dispatch_due() == 2
    relay.drop_connections()
    await complain(bot.app.state.services.channels["email"].smtp_port, 9)
    assert await dispatcher.dispatch_due() == 1
    assert [row["status"] for row in outbox(bot)] == ["sent"] * 3
    assert len(set(message_ids(relay))) == len(relay.received) == 3
    assert len(relay.connections) == 2
