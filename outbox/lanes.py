"""The dispatcher's lanes: deliveries sent apart from the others, so that a backlog or a slow
peer on one does not hold up the rest. A lane is a channel; webhook callbacks have a lane per
source, since each source has a callback target of its own that may hang while another's
answers. `Sending` counts the lanes with a batch in flight, which the next claims leave alone."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable

from store.models import OutboxItem
from store.queries.outbox import Lane, lane_of


def by_lane(items: Iterable[OutboxItem]) -> dict[Lane, list[OutboxItem]]:
    """The items of each lane, in the order given (oldest first, as claimed)."""
    lanes: dict[Lane, list[OutboxItem]] = {}
    for item in items:
        lanes.setdefault(lane_of(item.channel, item.address), []).append(item)
    return lanes


class Sending:
    """The lanes with a batch in flight (one each in the background loop; a test's
    `dispatch_due` beside it may add another)."""

    def __init__(self) -> None:
        self._batches: Counter[Lane] = Counter()
        self.freed = asyncio.Event()
        """Set when a lane is done; whoever waits for it clears it."""

    def __bool__(self) -> bool:
        return bool(self._batches)

    def lanes(self) -> tuple[Lane, ...]:
        return tuple(self._batches)

    def start(self, lane: Lane) -> None:
        self._batches[lane] += 1

    def done(self, lane: Lane) -> None:
        self._batches[lane] -= 1
        if self._batches[lane] <= 0:
            del self._batches[lane]
        self.freed.set()
