"""`outbox.batch.send_batch` records an outcome soon after it is known, not once the whole
batch is done: a bot killed between a transport taking a message and its outcome being
committed sends it again after restart, so that window is kept to `GATHER_FOR` and the commit.
The outcomes that finish within it are recorded together, so records do not multiply with the
sends (each would cost a commit)."""

from __future__ import annotations

import asyncio

from outbox.batch import send_batch
from outbox.outbound import Outcome
from store.models import OutboxItem

WITHIN = 10.0


def item(number: int) -> OutboxItem:
    return OutboxItem(
        id=number,
        complaint_id=1,
        message_id=number,
        channel="email",
        address="x@example.com",
        lane="email",
        kind="acknowledgement",
        attempts=1,
    )


async def no_renewal(_claims: list[tuple[int, int]]) -> None:
    raise AssertionError("no lease runs out within the test")


async def test_an_outcome_is_recorded_while_the_other_sends_of_its_batch_still_run() -> None:
    recorded: list[list[int]] = []
    first_recorded = asyncio.Event()

    async def deliver(outgoing: OutboxItem) -> Outcome:
        assert outgoing.id is not None
        if outgoing.id == 2:  # the relay takes the second only once the first is stored
            await first_recorded.wait()
        return Outcome(outgoing.id, transport_id=f"t{outgoing.id}")

    async def record(outcomes: list[Outcome]) -> None:
        recorded.append(sorted(outcome.item for outcome in outcomes))
        if any(outcome.item == 1 for outcome in outcomes):
            first_recorded.set()

    async with asyncio.timeout(WITHIN):
        await send_batch(
            [item(1), item(2)], deliver=deliver, record=record, renew=no_renewal, renew_every=60
        )
    assert recorded == [[1], [2]]


async def test_the_outcomes_that_finish_together_are_recorded_in_one_record() -> None:
    recorded: list[list[int]] = []
    go = asyncio.Event()

    async def deliver(outgoing: OutboxItem) -> Outcome:
        assert outgoing.id is not None
        await go.wait()
        return Outcome(outgoing.id, transport_id=f"t{outgoing.id}")

    async def record(outcomes: list[Outcome]) -> None:
        recorded.append(sorted(outcome.item for outcome in outcomes))

    async def release() -> None:
        await asyncio.sleep(0)
        go.set()

    async with asyncio.timeout(WITHIN):
        await asyncio.gather(
            send_batch(
                [item(n) for n in (1, 2, 3, 4)],
                deliver=deliver,
                record=record,
                renew=no_renewal,
                renew_every=60,
            ),
            release(),
        )
    assert recorded == [[1, 2, 3, 4]]
