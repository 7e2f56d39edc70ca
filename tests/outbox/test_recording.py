"""Each delivery's outcome is recorded as soon as it is known, not once its whole batch is done:
a bot killed while one send of a batch still hangs has already recorded the others as sent, so a
restart sends only what was still in flight, never the batch's finished acknowledgements again
(an operator's kill -9 during intake sent a dozen customers their acknowledgement twice)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from complaints.clock import ManualClock
from tests.channels.test_webhook import complaint, post
from tests.conftest import START, serve
from tests.outbox.test_dispatcher import callback_settings, free_port, outbox_rows

WITHIN = 30.0


@dataclass
class OneSlowTarget:
    """A callback target that answers at once, except for the complaint of customer `slow`,
    which it holds until `release`."""

    answered: list[str] = field(default_factory=list)
    holding: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> Starlette:
        async def callback(request: Request) -> JSONResponse:
            body = json.loads(await request.body())
            if body["customer"]["id"] == "slow":
                self.holding.set()
                await self.release.wait()
            self.answered.append(body["customer"]["id"])
            return JSONResponse({"ok": True})

        return Starlette(routes=[Route("/callback", callback, methods=["POST"])])


async def test_the_finished_sends_of_a_batch_are_recorded_while_one_still_hangs(
    start_bot: Any,
) -> None:
    port = free_port()
    settings = callback_settings(port, send_timeout="5m")  # the held send must not time out
    bot = await start_bot(settings, ManualClock(START), background=False)
    for number, customer in enumerate(["quick-1", "slow", "quick-2", "quick-3"]):
        text = f"Order {number} arrived with the box torn open."
        response = await post(bot, complaint(f"o-{number}", text, customer=customer))
        assert response.status_code == 202
    target = OneSlowTarget()
    served = await serve(target.app(), port)
    dispatcher = bot.app.state.services.dispatcher
    committed = asyncio.Event()
    loop = asyncio.get_running_loop()
    sa.event.listen(
        dispatcher.database.writer, "commit", lambda _: loop.call_soon_threadsafe(committed.set)
    )
    dispatching = asyncio.create_task(dispatcher.dispatch_due())
    try:
        async with asyncio.timeout(WITHIN):
            await target.holding.wait()
            while True:  # what another process reads in the store after each commit
                committed.clear()
                statuses = sorted(row["status"] for row in outbox_rows(bot.store_url))
                if statuses == ["pending", "sent", "sent", "sent"]:
                    break
                await committed.wait()
        assert sorted(target.answered) == ["quick-1", "quick-2", "quick-3"]
    finally:
        target.release.set()
        claimed = await asyncio.wait_for(dispatching, WITHIN)
        await served.stop()
    assert claimed == 4  # one batch
    assert [row["status"] for row in outbox_rows(bot.store_url)] == ["sent"] * 4
    assert sorted(target.answered) == ["quick-1", "quick-2", "quick-3", "slow"]
