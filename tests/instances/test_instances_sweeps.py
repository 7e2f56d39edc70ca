"""Two bots on one PostgreSQL store sweeping and sending at the same moment: the sweeps and the
dispatcher claim rows with FOR UPDATE SKIP LOCKED, so each piece of due work is done once and
each message is sent once, however the two interleave."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

from complaints.clock import ManualClock
from tests.channels.test_webhook import complaint, post
from tests.conftest import SECRET, START, CallbackReceiver, Served
from tests.instances.processes import query

COMPLAINTS = 24


async def send_everything(bot: Any) -> None:
    while await bot.app.state.services.dispatcher.dispatch_due():
        pass


async def test_two_instances_sweeping_and_sending_at_once_never_do_the_same_work_twice(
    start_bot: Any, callback_receiver: tuple[CallbackReceiver, Served], shared_store: str
) -> None:
    receiver, served = callback_receiver
    every_day = {"progress_every": "1d"}
    overrides = {
        "store": {"url": shared_store},
        "webhook": {
            "sources": {"shop": {"secret": SECRET, "callback_url": f"{served.url}/callback"}}
        },
        "grades": {grade: every_day for grade in ("urgent", "important", "general")},
        "scheduler": {"batch": 5},  # many small claims, interleaved between the two
    }
    clock = ManualClock(START)
    bots = [await start_bot(overrides, clock, background=False) for _ in range(2)]
    for index in range(COMPLAINTS):
        body = complaint(f"sw-{index}", "The parcel came two weeks late.", customer=f"c-{index}")
        assert (await post(bots[index % 2], body)).status_code == 202

    await asyncio.gather(*(send_everything(bot) for bot in bots))
    clock.advance(timedelta(days=1, minutes=1))
    swept = await asyncio.gather(*(bot.app.state.services.sweeps.run_all() for bot in bots))
    await asyncio.gather(*(send_everything(bot) for bot in bots))

    assert sum(done["progress"] for done in swept) == COMPLAINTS
    kinds = Counter(row["kind"] for row in query(shared_store, "SELECT kind FROM outbox"))
    assert kinds == {"acknowledgement": COMPLAINTS, "progress": COMPLAINTS}
    statuses = {row["status"] for row in query(shared_store, "SELECT status FROM outbox")}
    assert statuses == {"sent"}
    delivered = Counter((body["complaint"], body["kind"]) for body in _bodies(receiver))
    assert len(delivered) == 2 * COMPLAINTS and set(delivered.values()) == {1}


def _bodies(receiver: CallbackReceiver) -> list[dict[str, Any]]:
    found = []
    while not receiver.arrivals.empty():
        found.append(receiver.arrivals.get_nowait())
    return found
