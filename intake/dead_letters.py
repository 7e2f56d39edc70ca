"""Dead letters: input no channel could process, kept whole with the reason, so nothing
accepted is lost; once the cause is fixed they are reprocessed through the same channel."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from complaints.cleaning import without_nul
from complaints.clock import Clock
from complaints.errors import ComplaintBotError, NotReprocessable, UnknownDeadLetter
from observe.metrics import Metrics
from store import queries
from store.database import Database
from store.models import DeadLetter
from store.queries.dead_letter_queue import (
    DeadLetterRow,
    claim_dead_letter,
    dead_letter,
    dead_letter_page,
    mark_dead_letter,
)

log = logging.getLogger(__name__)

Reprocess = Callable[[bytes], Awaitable[str]]
"""A channel's handler that runs a kept letter through intake again."""


CLAIM_LEASE = timedelta(minutes=10)
"""A reprocessing claim older than this was left by a run that died; the letter may be taken
again (the intake's duplicate check still holds for what that run may have stored)."""


@dataclass(frozen=True)
class DeadLetterPage:
    items: list[DeadLetterRow]
    total: int


def _not_kept(letter: DeadLetter) -> NotReprocessable:
    if letter.status == "reprocessed":
        return NotReprocessable(
            "dead letter %(id)s was reprocessed already; it is not run twice, so nothing is "
            "answered twice",
            id=letter.id or 0,
        )
    if letter.status == "ignored":
        return NotReprocessable(
            "dead letter %(id)s is machine mail that was ignored: nothing to reprocess",
            id=letter.id or 0,
        )
    return NotReprocessable(
        "dead letter %(id)s is being reprocessed right now; reload in a moment", id=letter.id or 0
    )


@dataclass(frozen=True)
class Reprocessed:
    letter: int
    ok: bool
    outcome: str


class DeadLetters:
    def __init__(self, database: Database, clock: Clock, metrics: Metrics | None = None) -> None:
        self.database = database
        self.clock = clock
        self.metrics = metrics or Metrics()

    async def keep(self, channel: str, raw: bytes, reason: str, status: str = "kept") -> int:
        now, reason = self.clock.now(), without_nul(reason)  # the raw bytes are kept whole
        letter = await self.database.write(
            lambda s: queries.keep_dead_letter(s, channel, raw, reason, now, status)
        )
        self.metrics.dead_letters.labels(channel, status).inc()
        # What is kept waits for a person; what is ignored (an autoresponder, bulk mail) is
        # recorded only in case, so it is no warning.
        level = logging.WARNING if status == "kept" else logging.INFO
        log.log(level, "%s input kept as dead letter %d (%s)", channel, letter, status)
        return letter

    async def listing(self, status: str | None = None) -> list[DeadLetter]:
        return await self.database.read(lambda s: queries.dead_letters(s, status))

    async def page(self, status: str | None, limit: int, offset: int) -> DeadLetterPage:
        """Newest first, without the raw bytes (their size instead)."""
        items, total = await self.database.read(
            lambda s: dead_letter_page(s, status=status, limit=limit, offset=offset)
        )
        return DeadLetterPage(items, total)

    async def get(self, letter_id: int) -> DeadLetter:
        letter = await self.database.read(lambda s: dead_letter(s, letter_id=letter_id))
        if letter is None:
            raise UnknownDeadLetter("there is no dead letter %(id)s", id=letter_id)
        return letter

    async def reprocess(
        self, handlers: Mapping[str, Reprocess], ids: list[int] | None = None, by: str = ""
    ) -> list[Reprocessed]:
        """Run kept letters through their channel's handler again; a success marks the letter
        reprocessed, a failure updates its reason and keeps it. A letter another run took
        meanwhile is left to that run."""
        results = []
        for letter in await self.listing("kept"):
            if ids is not None and letter.id not in ids:
                continue
            result = await self._run(handlers, letter, by)
            if result is not None:
                results.append(result)
        return results

    async def reprocess_one(
        self, handlers: Mapping[str, Reprocess], letter_id: int, by: str = ""
    ) -> Reprocessed:
        """Reprocess one letter; NotReprocessable unless it is kept (or its run died), so what
        was accepted once is never run, and answered, twice."""
        letter = await self.get(letter_id)
        result = await self._run(handlers, letter, by)
        if result is None:
            raise _not_kept(await self.get(letter_id))
        return result

    async def _run(
        self, handlers: Mapping[str, Reprocess], letter: DeadLetter, by: str
    ) -> Reprocessed | None:
        """Claim the letter, run it, record the outcome; None when it could not be claimed."""
        assert letter.id is not None
        letter_id = letter.id
        handler = handlers.get(letter.channel)
        if handler is None:
            return Reprocessed(letter_id, False, f"{letter.channel} is not enabled")
        now = self.clock.now()
        claimed = await self.database.write(
            lambda s: claim_dead_letter(
                s, letter_id=letter_id, now=now, stale_before=now - CLAIM_LEASE
            )
        )
        if not claimed:
            return None
        try:
            outcome, ok = await handler(letter.raw), True
        except ComplaintBotError as error:  # a refusal: its reason, as first intake kept it
            outcome, ok = str(error), False
        except Exception as error:  # the reason is what the admin needs to see
            outcome, ok = f"{type(error).__name__}: {error}", False
        await self._record(letter_id, ok, outcome)
        log.info(  # the outcome text may quote the input: only whether it worked
            "dead letter %d (%s) reprocessed by %s: %s",
            letter_id,
            letter.channel,
            by or "the command line",
            "ok" if ok else "failed",
        )
        return Reprocessed(letter_id, ok, outcome)

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
