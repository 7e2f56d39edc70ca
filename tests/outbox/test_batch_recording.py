"""`outbox.batch.send_batch` records an outcome as soon as it is known and no record is being
committed: never after a timer. A bot killed between a transport taking a message and its
outcome being committed sends it again after restart, so that window is only as long as the
commits themselves (a kill -9 under load once sent 22 acknowledgements twice, each finished
within the quarter second the batch used to wait for its other sends). Under load the outcomes
that finish while a record commits are recorded together in the next one, so records do not
multiply with the sends.

The batch runs on an event loop whose clock stands still: a timer set there never fires, so a
record that waited for one would never come, and the thread running the loop would not end."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

from outbox.batch import send_batch
from outbox.outbound import Outcome
from store.models import OutboxItem

WITHIN = 10.0


class StillLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock never moves: its timers never fire."""

    def time(self) -> float:
        return 0.0


def on_still_loop(scenario: Callable[[], Awaitable[Any]]) -> Any:
    """Run `scenario` on a `StillLoop` in a thread, for at most WITHIN seconds."""
    loop = StillLoop()
    done: list[Any] = []

    def run() -> None:
        done.append(loop.run_until_complete(scenario()))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WITHIN)
    stuck = thread.is_alive()
    if stuck:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(WITHIN)
    loop.close()
    assert not stuck, "the batch waited for a timer before recording"
    return done[0]


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
    raise AssertionError("no lease runs out on a still clock")


def test_an_outcome_is_recorded_while_the_other_sends_of_its_batch_still_run() -> None:
    async def scenario() -> list[list[int]]:
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

        await send_batch(
            [item(1), item(2)], deliver=deliver, record=record, renew=no_renewal, renew_every=60
        )
        return recorded

    assert on_still_loop(scenario) == [[1], [2]]


def test_the_outcomes_that_finish_while_a_record_commits_are_recorded_together() -> None:
    async def scenario() -> list[list[int]]:
        recorded: list[list[int]] = []
        committing = asyncio.Event()
        others_done = asyncio.Event()
        finished: list[int] = []

        async def deliver(outgoing: OutboxItem) -> Outcome:
            assert outgoing.id is not None
            if outgoing.id != 1:
                await committing.wait()
                finished.append(outgoing.id)
                if len(finished) == 3:
                    others_done.set()
            return Outcome(outgoing.id, transport_id=f"t{outgoing.id}")

        async def record(outcomes: list[Outcome]) -> None:
            recorded.append(sorted(outcome.item for outcome in outcomes))
            if len(recorded) == 1:  # the first commit lasts until the other sends are done
                committing.set()
                await others_done.wait()

        await send_batch(
            [item(n) for n in (1, 2, 3, 4)],
            deliver=deliver,
            record=record,
            renew=no_renewal,
            renew_every=60,
        )
        return recorded

    assert on_still_loop(scenario) == [[1], [2, 3, 4]]
