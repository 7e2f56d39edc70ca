"""One lane's batch on its way out: every item sent at once, the lease of those still in flight
renewed while they are, and each outcome recorded soon after it is known.

A send cannot be atomic with the database: a bot killed between a transport taking a message
and the commit that records it sends the message again when its lease runs out. Recording the
outcomes as they come, not once the whole batch is done, keeps that window short; recording
each one alone would cost a commit per send (`bench/mail_cpu.py`: 1.06 ms of CPU per
acknowledgement with the outcomes gathered, 2.9 ms with each recorded alone). So the outcomes
that finish within `GATHER_FOR` of the first one not recorded, or while a record is being
committed, are recorded together, and each record joins the writer's group commit
(`Database.write_batched`). A kill -9 sends again at most what finished in that window (a
walkthrough once saw 22 acknowledgements twice with a quarter-second window), besides what was
in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from outbox.outbound import Outcome
from store.models import OutboxItem

GATHER_FOR = 0.1
"""How long a finished send waits for the others of its batch before its outcome is recorded
with theirs: one commit for the outcomes of a tenth of a second, not one per send."""

Deliver = Callable[[OutboxItem], Awaitable[Outcome]]
Record = Callable[[list[Outcome]], Awaitable[None]]
Renew = Callable[[list[tuple[int, int]]], Awaitable[None]]


async def send_batch(
    items: list[OutboxItem], *, deliver: Deliver, record: Record, renew: Renew, renew_every: float
) -> None:
    """Send `items` at once; `record` the outcomes in the order they finish, a few at a time;
    `renew` every `renew_every` seconds the leases of the items not recorded yet. A record
    that fails (the store is down) is raised once the sends are over: what it could not record
    is sent again when its lease runs out."""
    if not items:
        return
    unrecorded = {item.id: (item.id, item.attempts) for item in items if item.id is not None}
    finished: list[Outcome] = []
    arrived = asyncio.Event()

    async def send(item: OutboxItem) -> None:
        finished.append(await deliver(item))
        arrived.set()

    async def recording() -> None:
        left = len(items)
        while left:
            await arrived.wait()
            await asyncio.wait({sending}, timeout=GATHER_FOR)  # the batch may end meanwhile
            arrived.clear()
            outcomes = finished.copy()
            finished.clear()
            await record(outcomes)
            for outcome in outcomes:
                unrecorded.pop(outcome.item, None)
            left -= len(outcomes)

    sending = asyncio.gather(*(send(item) for item in items))
    recorder = asyncio.create_task(recording())
    try:
        while not (await asyncio.wait({sending}, timeout=renew_every))[0]:
            await renew(list(unrecorded.values()))
        sending.result()  # a send that raised leaves outcomes the recorder would wait for
        await recorder
    except BaseException:
        sending.cancel()  # this call is cancelled (the bot stops), or recording failed
        recorder.cancel()
        for task in (sending, recorder):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task  # taken, so asyncio does not report it as never retrieved
        raise
