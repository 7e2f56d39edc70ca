"""Canned replies (seed 004): one script per key and language; the pair is unique."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from complaints.errors import AlreadyExists
from store.models import CannedReply


def canned_replies(session: Session, *, language: str | None = None) -> list[CannedReply]:
    """Every script (of `language`, when given), by key and language."""
    query = select(CannedReply).order_by(col(CannedReply.key), col(CannedReply.language))
    if language:
        query = query.where(CannedReply.language == language)
    return list(session.exec(query))


def canned_reply(session: Session, *, reply_id: int) -> CannedReply | None:
    return session.get(CannedReply, reply_id)


def canned_reply_versions(session: Session, *, key: str) -> dict[str, CannedReply]:
    """The script `key` in each language it exists in, by language."""
    found = session.exec(select(CannedReply).where(CannedReply.key == key))
    return {reply.language: reply for reply in found}


def save_canned_reply(session: Session, *, reply: CannedReply) -> CannedReply:
    """Insert `reply`, or keep the changes made to it; flushed, so a new one has its id.

    Raises AlreadyExists when another script has the same key and language; the transaction
    cannot be used further and must be rolled back, as it is when the error leaves the work."""
    key, language = reply.key, reply.language  # read before a failed flush can expire them
    session.add(reply)
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyExists(
            "there is already a %(language)s canned reply with the key '%(key)s'",
            language=language,
            key=key,
        ) from None
    return reply


def delete_canned_reply(session: Session, *, reply_id: int) -> bool:
    """Delete the script; False when there is none with that id."""
    found = session.get(CannedReply, reply_id)
    if found is None:
        return False
    session.delete(found)
    return True
