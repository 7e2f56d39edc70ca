"""The outbox: callbacks to a webhook source are delivered once, retried with backoff while the
receiver is down, also across a restart of the bot, and given up loudly after the bound."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from channels.webhook.adapter import sign
from complaints.clock import ManualClock
from outbox.dispatcher import Dispatcher
from outbox.settings import OutboxSettings
from tests.channels.test_webhook import complaint, post
from tests.conftest import SECRET, START, CallbackReceiver, serve


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def callback_settings(port: int, **outbox: Any) -> dict[str, Any]:
    return {
        "webhook": {
            "sources": {
                "shop": {"secret": SECRET, "callback_url": f"http://127.0.0.1:{port}/callback"}
            }
        },
        "outbox": {"retry_base": "5s", "retry_max": "1m", **outbox},
    }


def outbox_rows(store_url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        rows = (
            connection.execute(
                sa.text(
                    "SELECT status, attempts, next_attempt_at, last_error, kind"
                    " FROM outbox ORDER BY id"
                )
            )
            .mappings()
            .all()
        )
    engine.dispose()
    return [dict(row) for row in rows]


def event_kinds(store_url: str) -> list[str]:
    engine = sa.create_engine(store_url)
    with engine.connect() as connection:
        kinds = [
            row[0] for row in connection.execute(sa.text("SELECT kind FROM events ORDER BY id"))
        ]
    engine.dispose()
    return kinds


async def test_the_acknowledgement_is_posted_to_the_callback_signed_and_once(
    start_bot: Any, callback_receiver: Any
) -> None:
    receiver, served = callback_receiver
    bot = await start_bot(callback_settings(served.port))
    response = await post(
        bot, complaint("o-1", "My parcel arrived with the box torn open.", customer="cust-9")
    )
    assert response.status_code == 202
    delivered = await asyncio.wait_for(receiver.arrivals.get(), timeout=30)
    headers, body = receiver.received[0]
    # signed with the time, as a request may be: a callback replayed later is told apart
    stamp = headers["x-signature-timestamp"]
    assert headers["x-signature"] == sign(SECRET, stamp.encode() + b"." + body)
    assert abs(int(stamp) - time.time()) < 300  # the window a receiver allows (system clock)
    assert delivered["complaint"] == response.json()["complaint"]
    assert delivered["kind"] == "acknowledgement"
    assert delivered["customer"] == {"id": "cust-9"}
    assert delivered["text"] == response.json()["acknowledgement"]
    assert headers["idempotency-key"] == delivered["message_id"]
    await bot.stop()
    assert len(receiver.received) == 1
    assert outbox_rows(bot.store_url)[0]["status"] == "sent"
    assert "reply_delivered" in event_kinds(bot.store_url)


async def test_a_callback_that_is_down_is_retried_with_backoff_until_it_is_back(
    start_bot: Any,
) -> None:
    clock = ManualClock(START)
    port = free_port()
    bot = await start_bot(callback_settings(port), clock, background=False)
    dispatcher = bot.app.state.services.dispatcher
    assert (await post(bot, complaint("o-1", "Wrong item delivered."))).status_code == 202

    assert await dispatcher.dispatch_due() == 1  # connection refused
    row = outbox_rows(bot.store_url)[0]
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert "unreachable" in row["last_error"]
    assert await dispatcher.dispatch_due() == 0  # not due before the backoff
    clock.advance(timedelta(seconds=5))
    assert await dispatcher.dispatch_due() == 1  # refused again, now waits 10 s
    clock.advance(timedelta(seconds=9))
    assert await dispatcher.dispatch_due() == 0

    receiver = CallbackReceiver()
    served = await serve(receiver.app(), port)
    clock.advance(timedelta(seconds=1))
    assert await dispatcher.dispatch_due() == 1
    assert await dispatcher.dispatch_due() == 0
    clock.advance(timedelta(hours=1))
    assert await dispatcher.dispatch_due() == 0
    await served.stop()
    assert len(receiver.received) == 1
    row = outbox_rows(bot.store_url)[0]
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, "")


async def test_delivery_resumes_after_a_restart_and_happens_once(start_bot: Any) -> None:
    clock = ManualClock(START)
    port = free_port()
    first = await start_bot(callback_settings(port), clock, background=False)
    assert (await post(first, complaint("o-1", "Refund not received."))).status_code == 202
    assert await first.app.state.services.dispatcher.dispatch_due() == 1  # refused
    await first.stop()

    receiver = CallbackReceiver()
    served = await serve(receiver.app(), port)
    clock.advance(timedelta(minutes=5))
    second = await start_bot(callback_settings(port), clock, background=False)
    assert second.store_url == first.store_url
    assert await second.app.state.services.dispatcher.dispatch_due() == 1
    assert await second.app.state.services.dispatcher.dispatch_due() == 0
    await second.stop()
    await served.stop()
    assert len(receiver.received) == 1
    assert json.loads(receiver.received[0][1])["kind"] == "acknowledgement"


async def test_the_background_dispatcher_delivers_after_a_restart_without_help(
    start_bot: Any,
) -> None:
    port = free_port()
    first = await start_bot(callback_settings(port), background=False)
    assert (await post(first, complaint("o-1", "Refund not received."))).status_code == 202
    await first.stop()
    receiver = CallbackReceiver()
    served = await serve(receiver.app(), port)
    await start_bot(callback_settings(port))  # real clock, dispatcher running
    delivered = await asyncio.wait_for(receiver.arrivals.get(), timeout=30)
    assert delivered["kind"] == "acknowledgement"
    await served.stop()


async def test_a_refusing_callback_fails_at_once_and_a_down_one_after_the_bound(
    start_bot: Any, callback_receiver: Any
) -> None:
    receiver, served = callback_receiver
    receiver.status = 410
    clock = ManualClock(START)
    bot = await start_bot(callback_settings(served.port, max_attempts=3), clock, background=False)
    await post(bot, complaint("o-1", "Late delivery."))
    assert await bot.app.state.services.dispatcher.dispatch_due() == 1
    assert outbox_rows(bot.store_url)[0]["status"] == "failed"
    assert "410" in outbox_rows(bot.store_url)[0]["last_error"]

    receiver.status = 503
    await post(bot, complaint("o-2", "Late delivery again.", customer="c-2"))
    for _ in range(3):
        assert await bot.app.state.services.dispatcher.dispatch_due() == 1
        clock.advance(timedelta(minutes=1))
    assert await bot.app.state.services.dispatcher.dispatch_due() == 0
    row = outbox_rows(bot.store_url)[1]
    assert (row["status"], row["attempts"]) == ("failed", 3)
    assert "503" in row["last_error"]
    assert event_kinds(bot.store_url).count("delivery_failed") == 2


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [
        (1, timedelta(seconds=5)),
        (2, timedelta(seconds=10)),
        (3, timedelta(seconds=20)),
        (7, timedelta(seconds=320)),
        (8, timedelta(seconds=600)),
        (30, timedelta(seconds=600)),
    ],
)
def test_backoff_doubles_from_the_base_up_to_the_cap(attempts: int, wait: timedelta) -> None:
    settings = OutboxSettings(retry_base=timedelta(seconds=5), retry_max=timedelta(minutes=10))
    dispatcher = Dispatcher(None, {}, settings, ManualClock(START))  # type: ignore[arg-type]
    assert dispatcher.backoff(attempts) == wait
