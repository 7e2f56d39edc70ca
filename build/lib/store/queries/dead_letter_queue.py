"""Dead letters: input no channel could process, kept whole with the reason.

Statuses: kept (can be reprocessed), ignored (machine mail, nothing to do), reprocessing (claimed
by one reprocessing run; `reprocessed_at` holds when), reprocessed (done; never run again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, select

from store.models import DeadLetter

REASON_LENGTH = 1000
DEAD_LETTERS = SQLModel.metadata.tables["dead_letters"]


@dataclass(frozen=True)
class DeadLetterRow:
    """A dead letter for a listing: everything but the raw bytes, and their size."""

    id: int
    channel: str
    status: str
    received_at: datetime
    reprocessed_at: datetime | None
    size: int
    reason: str


def keep_dead_letter(
    session: Session, channel: str, raw: bytes, reason: str, now: datetime, status: str = "kept"
) -> int:
    letter = DeadLetter(
        channel=channel, raw=raw, reason=reason[:REASON_LENGTH], status=status, received_at=now
    )
    session.add(letter)
    session.flush()
    assert letter.id is not None
    return letter.id


def dead_letters(session: Session, status: str | None = None) -> list[DeadLetter]:
    query = select(DeadLetter).order_by(col(DeadLetter.id))
    if status is not None:
        query = query.where(DeadLetter.status == status)
    return list(session.exec(query))


def dead_letter_page(
    session: Session, *, status: str | None, limit: int, offset: int
) -> tuple[list[DeadLetterRow], int]:
    """One page of dead letters (of one status, or all), newest first, and how many there are
    in all; the raw bytes stay in the store, only their size is read."""
    table = DEAD_LETTERS
    where = [table.c.status == status] if status else []
    total = session.connection().execute(
        sa.select(sa.func.count()).select_from(table).where(*where)
    )
    rows = session.connection().execute(
        sa.select(
            table.c.id,
            table.c.channel,
            table.c.status,
            table.c.received_at,
            table.c.reprocessed_at,
            sa.func.coalesce(sa.func.length(table.c.raw), 0).label("size"),
            table.c.reason,
        )
        .where(*where)
        .order_by(table.c.received_at.desc(), table.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [DeadLetterRow(**row._mapping) for row in rows], int(total.scalar_one())


def dead_letter(session: Session, *, letter_id: int) -> DeadLetter | None:
    return session.get(DeadLetter, letter_id)


def claim_dead_letter(
    session: Session, *, letter_id: int, now: datetime, stale_before: datetime
) -> bool:
    """Take a kept letter (or one whose reprocessing claim is older than `stale_before`, left by
    a run that died) for one reprocessing run; False when it is not there to take, so two runs
    at once never process the same letter twice."""
    table = DEAD_LETTERS
    claimable = sa.or_(
        table.c.status == "kept",
        sa.and_(table.c.status == "reprocessing", table.c.reprocessed_at < stale_before),
    )
    result = session.connection().execute(
        sa.update(table)
        .where(table.c.id == letter_id, claimable)
        .values(status="reprocessing", reprocessed_at=now)
    )
    return result.rowcount == 1


def mark_dead_letter(
    session: Session, *, letter_id: int, ok: bool, outcome: str, now: datetime
) -> None:
    """Record a reprocessing: a success marks the letter reprocessed (its reason keeps the
    outcome too); a failure replaces the reason with the outcome and keeps the letter."""
    letter = session.get(DeadLetter, letter_id)
    if letter is None:
        return
    if ok:
        letter.status, letter.reprocessed_at = "reprocessed", now
    else:
        letter.status, letter.reprocessed_at = "kept", None
    letter.reason = (outcome if not ok else f"{letter.reason} | reprocessed: {outcome}")[
        :REASON_LENGTH
    ]
