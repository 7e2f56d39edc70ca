"""Dead letters: input no channel could process, kept whole with the reason, so nothing
accepted is lost; once the cause is fixed they are reprocessed through the same channel."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from complaints.clock import Clock
from store import queries
from store.database import Database
from store.models import DeadLetter
from store.queries.dead_letter_queue import mark_dead_letter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reprocessed:
    letter: int
    ok: bool
    outcome: str


class DeadLetters:
    def __init__(self, database: Database, clock: Clock) -> None:
        self.database = database
        self.clock = clock

    async def keep(self, channel: str, raw: bytes, reason: str, status: str = "kept") -> int:
        now = self.clock.now()
        letter = await self.database.write(
            lambda s: queries.keep_dead_letter(s, channel, raw, reason, now, status)
        )
        log.warning("%s input kept as dead letter %d (%s)", channel, letter, status)
        return letter

    async def listing(self, status: str | None = None) -> list[DeadLetter]:
        return await self.database.read(lambda s: queries.dead_letters(s, status))

    async def reprocess(
        self, handlers: dict[str, Callable[[bytes], Awaitable[str]]], ids: list[int] | None = None
    ) -> list[Reprocessed]:
        """Run kept letters through their channel's handler again; a success marks the letter
        reprocessed, a failure updates its reason and keeps it."""
        results = []
        for letter in await self.listing("kept"):
            if ids is not None and letter.id not in ids:
                continue
            assert letter.id is not None
            handler = handlers.get(letter.channel)
            if handler is None:
                results.append(Reprocessed(letter.id, False, f"{letter.channel} is not enabled"))
                continue
            try:
                outcome, ok = await handler(letter.raw), True
            except Exception as error:  # the reason is what the admin needs to see
                outcome, ok = f"{type(error).__name__}: {error}", False
            await self._record(letter.id, ok, outcome)
            results.append(Reprocessed(letter.id, ok, outcome))
        return results

    async def _record(self, letter_id: int, ok: bool, outcome: str) -> None:
        now = self.clock.now()
        await self.database.write(
            lambda s: mark_dead_letter(s, letter_id=letter_id, ok=ok, outcome=outcome, now=now)
        )
