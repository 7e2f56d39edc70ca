"""One lane's batch on its way out: every item sent at once, the lease of those still in flight
renewed while they are, and each outcome recorded as soon as it is known.

A send cannot be atomic with the database: a bot killed between a transport taking a message
and the commit that records it sends the message again when its lease runs out. So an outcome
is recorded the moment it is known and no record of the batch is being committed, never after
a timer: the window is the commit itself, or two when a record was already under way (a kill
-9 under load once sent 22 acknowledgements twice, each finished within the quarter second
the batch then waited for its other sends). Batching is kept where it pays: the outcomes that
finish while a record commits are recorded together in the next one, so the slower the store
(the busier the bot), the more outcomes each record takes; and each record joins the writer's
group commit (`Database.write_batched`), sharing intake's fsync under load.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from outbox.outbound import Outcome
from store.models import OutboxItem

Deliver = Callable[[OutboxItem], Awaitable[Outcome]]
Record = Callable[[list[Outcome]], Awaitable[None]]
Renew = Callable[[list[tuple[int, int]]], Awaitable[None]]


async def send_batch(
    items: list[OutboxItem], *, deliver: Deliver, record: Record, renew: Renew, renew_every: float
) -> None:
    """Send `items` at once; `record` the outcomes in the order they finish, one record at a
    time, each taking all that finished since the last one started; `renew` every
    `renew_every` seconds the leases of the items not recorded yet. A record that fails (the
    store is down) is raised once the sends are over: what it could not record is sent again
    when its lease runs out."""
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
            arrived.clear()
            outcomes = finished.copy()
            finished.clear()
            await record(outcomes)  # what finishes meanwhile waits for the next record
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
