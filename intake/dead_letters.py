"""Dead letters: input no channel could process, kept whole with the reason, so nothing
accepted is lost; once the cause is fixed they are reprocessed through the same channel."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from complaints.clock import Clock
from store import queries
from store.database import Database
from store.models import DeadLetter
from store.queries.dead_letter_queue import mark_dead_letter

log = logging.getLogger(__name__)

Reprocess = Callable[[bytes], Awaitable[str]]
"""A channel's handler that runs a kept letter through intake again."""


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
        self, handlers: Mapping[str, Reprocess], ids: list[int] | None = None
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


async def dead_letters_command(
    letters: DeadLetters, reprocessors: Mapping[str, Reprocess], reprocess: list[int] | None
) -> int:
    """`python bot.py dead-letters [--reprocess [ID…]]`: list kept input, or reprocess it through
    its channel (the replies it queues are sent by the running bot); 1 when any fails."""
    if reprocess is None:
        for letter in await letters.listing():
            print(  # noqa: T201 (a command-line listing)
                f"{letter.id}\t{letter.status}\t{letter.channel}\t"
                f"{letter.received_at:%Y-%m-%d %H:%M}\t{len(letter.raw)} bytes\t{letter.reason}"
            )
        return 0
    results = await letters.reprocess(reprocessors, reprocess or None)
    for result in results:
        print(f"{result.letter}\t{'ok' if result.ok else 'failed'}\t{result.outcome}")  # noqa: T201
    return 0 if all(result.ok for result in results) else 1
