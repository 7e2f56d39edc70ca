"""A backlog on one channel does not hold up the others: with hundreds of webhook callbacks
pending and the callback target holding every request unanswered, a new e-mail complaint's
acknowledgement reaches the relay, and another webhook source's callback its target, while the
backlog is still pending; once the target answers, every callback is delivered exactly once.

The bot runs as deployed (its dispatcher in the background, the real clock), on SQLite and on
PostgreSQL, against real peers on loopback: an HTTP callback target and an SMTP relay."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from store.database import engine_url
from tests.channels.test_webhook import complaint
from tests.conftest import OTHER_SECRET, SECRET, serve, signed
from tests.mailpeers import Sink, mail, send

BACKLOG = 150
"""Webhook complaints queued before the e-mail: several dispatcher batches (32) of callbacks."""
WITHIN = 60.0
"""The longest any single wait may take (a loaded machine, PostgreSQL's slower start)."""


@dataclass
class StalledTarget:
    """A callback endpoint that takes each request and answers none of them until `release`:
    a slow or hung integration, from the bot's side indistinguishable from a blackhole."""

    held: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)
    first: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    all_answered: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int = BACKLOG

    def app(self) -> Starlette:
        async def callback(request: Request) -> JSONResponse:
            key = request.headers["idempotency-key"]
            self.held.append(key)
            self.first.set()
            await self.release.wait()
            self.answered.append(key)
            if len(set(self.answered)) >= self.expected:
                self.all_answered.set()
            return JSONResponse({"ok": True})

        return Starlette(routes=[Route("/callback", callback, methods=["POST"])])


@contextlib.asynccontextmanager
async def stalled_target() -> AsyncIterator[tuple[StalledTarget, str]]:
    target = StalledTarget()
    served = await serve(target.app())
    try:
        yield target, f"{served.url}/callback"
    finally:
        target.release.set()
        await served.stop()


async def post_backlog(bot: Any, count: int) -> None:
    """`count` new complaints from distinct customers of the `shop` source, 16 at a time."""
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=bot.url, timeout=WITHIN) as client:

        async def one(index: int) -> None:
            body, headers = signed(
                complaint(f"b-{index}", f"Parcel {index} arrived damaged.", customer=f"c{index}")
            )
            async with gate:
                response = await client.post("/webhook/shop", content=body, headers=headers)
            assert response.status_code == 202

        await asyncio.gather(*(one(index) for index in range(count)))


def pending_callbacks(store_url: str) -> int:
    """The `shop` source's callbacks not yet delivered."""
    engine = sa.create_engine(engine_url(store_url))
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.text(
                        "SELECT count(*) FROM outbox WHERE channel = 'webhook'"
                        " AND address LIKE 'shop:%' AND status = 'pending'"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def outbox_rows(store_url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(engine_url(store_url))
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT channel, address, status, attempts FROM outbox ORDER BY id")
            )
            return [dict(row) for row in rows.mappings()]
    finally:
        engine.dispose()


async def test_an_email_acknowledgement_overtakes_a_stalled_webhook_backlog(
    start_bot: Any, store_url: str
) -> None:
    relay = await Sink().start()
    async with stalled_target() as (target, callback_url):
        bot = await start_bot(
            {
                "store": {"url": store_url},
                "webhook": {"sources": {"shop": {"secret": SECRET, "callback_url": callback_url}}},
                "email": {"relay": {"port": relay.port}},
                # a hung target holds each send this long: the stall outlasts the test
                "outbox": {"send_timeout": "10m"},
            }
        )
        await post_backlog(bot, BACKLOG)
        async with asyncio.timeout(WITHIN):
            await target.first.wait()  # the dispatcher is sending callbacks, and stuck

        smtp_port = bot.app.state.services.channels["email"].smtp_port
        sender = "ana@customer.test"
        await send(smtp_port, mail("My kettle smokes.", sender=sender), sender=sender)
        acknowledgement = await relay.next(within=WITHIN)

        assert acknowledgement["To"] == sender
        assert not target.answered  # the target has answered nothing yet
        assert pending_callbacks(bot.store_url) == BACKLOG  # the whole backlog still waits
        assert len(target.held) < BACKLOG

        target.release.set()  # the integration recovers: the backlog drains
        async with asyncio.timeout(WITHIN):
            await target.all_answered.wait()
        await bot.stop()
    await relay.stop()

    assert len(relay.received) == 1
    assert sorted(set(target.answered)) == sorted(target.answered)  # each callback once
    assert len(target.answered) == BACKLOG
    rows = outbox_rows(bot.store_url)
    assert {row["status"] for row in rows} == {"sent"}
    (email,) = [row for row in rows if row["channel"] == "email"]
    assert email["attempts"] == 1


async def test_a_stalled_webhook_source_does_not_hold_up_another_source(
    start_bot: Any, callback_receiver: Any
) -> None:
    receiver, served = callback_receiver
    async with stalled_target() as (target, callback_url):
        bot = await start_bot(
            {
                "webhook": {
                    "sources": {
                        "shop": {"secret": SECRET, "callback_url": callback_url},
                        "crm": {
                            "secret": OTHER_SECRET,
                            "callback_url": f"{served.url}/callback",
                        },
                    }
                },
                "outbox": {"send_timeout": "10m"},
            }
        )
        await post_backlog(bot, BACKLOG)
        async with asyncio.timeout(WITHIN):
            await target.first.wait()

        body, headers = signed(complaint("crm-1", "Invoice charged twice."), OTHER_SECRET)
        async with httpx.AsyncClient(base_url=bot.url, timeout=WITHIN) as client:
            response = await client.post("/webhook/crm", content=body, headers=headers)
        assert response.status_code == 202
        delivered = await asyncio.wait_for(receiver.arrivals.get(), timeout=WITHIN)

        assert delivered["complaint"] == response.json()["complaint"]
        assert not target.answered
        assert pending_callbacks(bot.store_url) == BACKLOG
        target.release.set()
        async with asyncio.timeout(WITHIN):
            await target.all_answered.wait()
        await bot.stop()

    assert len(receiver.received) == 1
    assert len(target.answered) == len(set(target.answered)) == BACKLOG
    assert {row["status"] for row in outbox_rows(bot.store_url)} == {"sent"}
    assert json.loads(receiver.received[0][1])["kind"] == "acknowledgement"
