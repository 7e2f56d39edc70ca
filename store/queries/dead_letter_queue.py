"""Dead letters: input no channel could process, kept whole with the reason."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from store.models import DeadLetter

REASON_LENGTH = 1000


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
    letter.reason = (outcome if not ok else f"{letter.reason} | reprocessed: {outcome}")[
        :REASON_LENGTH
    ]
