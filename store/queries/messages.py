"""Messages in and out, and their attachments."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, col, select

from store.direct import Direct, DirectInsert
from store.models import Attachment, Message, OutboxItem
from store.queries.tables import ATTACHMENTS, CUSTOMERS, IDENTITIES, MESSAGES, with_defaults

_FIND_INBOUND = Direct(
    sa.select(MESSAGES.c.id, MESSAGES.c.complaint_id).where(
        MESSAGES.c.channel == sa.bindparam("channel"),
        MESSAGES.c.external_id == sa.bindparam("external_id"),
    )
)
_INSERT_MESSAGES = sa.insert(MESSAGES).returning(MESSAGES.c.id, sort_by_parameter_order=True)
_INSERT_EXCHANGE = DirectInsert(MESSAGES, returning=[MESSAGES.c.id, MESSAGES.c.direction])
_INSERT_ATTACHMENTS = DirectInsert(ATTACHMENTS)
_REPLIES_SINCE = Direct(
    sa.select(sa.func.count())
    .select_from(MESSAGES)
    .where(
        MESSAGES.c.identity_id == sa.bindparam("identity_id"),
        MESSAGES.c.created_at >= sa.bindparam("since", type_=MESSAGES.c.created_at.type),
        MESSAGES.c.direction == "out",
        MESSAGES.c.author == "bot",
        # what intake writes beside a message of the sender's (intake.recording): not the
        # notices that staff or the schedule cause (their kinds are "progress", "survey", ...)
        sa.or_(MESSAGES.c.kind == "acknowledgement", MESSAGES.c.kind == "followup"),
    )
)

_SAID_SINCE = Direct(
    sa.select(MESSAGES.c.complaint_id)
    .where(
        MESSAGES.c.identity_id == sa.bindparam("identity_id"),
        MESSAGES.c.created_at >= sa.bindparam("since", type_=MESSAGES.c.created_at.type),
        MESSAGES.c.direction == "in",
        MESSAGES.c.text == sa.bindparam("text"),
    )
    .order_by(MESSAGES.c.id.desc())
    .limit(1)
)


class Origin(NamedTuple):
    """Who sent a stored inbound message and what it said (`erased`: the sender's personal
    data was erased, so neither is known any more)."""

    channel: str
    address: str
    text: str
    erased: bool


class AttachmentRow(NamedTuple):
    """What a timeline shows of an attachment: everything but its contents."""

    id: int
    message_id: int
    filename: str
    content_type: str
    size: int


def find_inbound(session: Session, channel: str, external_id: str) -> tuple[int, int] | None:
    """(message id, complaint id) of a message already received with this dedupe key."""
    row = _FIND_INBOUND.first(session, {"channel": channel, "external_id": external_id})
    return None if row is None else (row[0], row[1])


def origin_of(session: Session, message_id: int) -> Origin:
    """Who sent the inbound message `message_id` and what it said: a message repeating its
    dedupe key is a resend only when it is the same (intake.receive)."""
    row = session.execute(
        sa.select(
            IDENTITIES.c.channel,
            IDENTITIES.c.address,
            MESSAGES.c.text,
            CUSTOMERS.c.erased_at.is_not(None),
        )
        .select_from(MESSAGES)
        .outerjoin(IDENTITIES, IDENTITIES.c.id == MESSAGES.c.identity_id)
        .outerjoin(CUSTOMERS, CUSTOMERS.c.id == IDENTITIES.c.customer_id)
        .where(MESSAGES.c.id == message_id)
    ).one()
    return Origin(row[0] or "", row[1] or "", row[2], bool(row[3]))


def add_messages(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert messages in one statement; return their ids in the order given."""
    result = session.connection().execute(
        _INSERT_MESSAGES, [with_defaults(Message, row) for row in rows]
    )
    return list(result.scalars())


def add_exchange(
    session: Session, incoming: Mapping[str, Any], answer: Mapping[str, Any] | None
) -> tuple[int, int | None]:
    """Insert a customer's message and the bot's answer to it (if any) in ONE statement (the
    ordered form of `add_messages` needs one per row); (the message's id, the answer's id).
    The two are told apart by direction, which is why this takes exactly one of each."""
    rows = [with_defaults(Message, incoming)]
    if answer is not None:
        assert incoming["direction"] == "in" and answer["direction"] == "out"
        rows.append(with_defaults(Message, answer))
    ids = dict(
        (direction, message_id) for message_id, direction in _INSERT_EXCHANGE.rows(session, rows)
    )
    return ids["in"], ids.get("out")


def add_attachments(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    _INSERT_ATTACHMENTS.rows(session, rows)


def first_reply_after(session: Session, complaint_id: int, message_id: int) -> str:
    """The text of the bot's first message on this complaint after message `message_id`."""
    text = session.execute(
        sa.select(MESSAGES.c.text)
        .where(
            MESSAGES.c.complaint_id == complaint_id,
            MESSAGES.c.direction == "out",
            MESSAGES.c.id > message_id,
        )
        .order_by(MESSAGES.c.id)
        .limit(1)
    ).scalar()
    return text or ""


def replies_since(session: Session, identity_id: int, since: datetime) -> int:
    """How many automatic answers to its own messages the bot wrote to this identity since
    `since`: acknowledgements and follow-up confirmations (the survey's thanks and a
    reopening's notice are follow-up confirmations too), the only mail a loop can cause."""
    return int(_REPLIES_SINCE.scalar(session, {"identity_id": identity_id, "since": since}))


def reply_times_since(session: Session, identity_id: int, since: datetime) -> list[datetime]:
    """When the answers `replies_since` counts were written, oldest first: when the hourly
    limit next has room (outbox.reply_limit)."""
    query = (
        select(Message.created_at)
        .where(
            Message.identity_id == identity_id,
            col(Message.created_at) >= since,
            Message.direction == "out",
            Message.author == "bot",
            col(Message.kind).in_(("acknowledgement", "followup")),
        )
        .order_by(col(Message.created_at))
    )
    return list(session.exec(query).all())


def acknowledgement_written(session: Session, *, complaint_id: int) -> bool:
    """Whether the bot ever wrote the complaint's acknowledgement (queued, delivered or not):
    intake writes none when the hourly limit withholds it."""
    query = (
        select(Message.id)
        .where(
            Message.complaint_id == complaint_id,
            Message.direction == "out",
            Message.kind == "acknowledgement",
        )
        .limit(1)
    )
    return session.exec(query).first() is not None


def said_since(session: Session, identity_id: int, text: str, since: datetime) -> int | None:
    """The complaint of this identity's latest message with exactly `text` since `since`, or
    None if it sent no such message."""
    found = _SAID_SINCE.scalar(session, {"identity_id": identity_id, "text": text, "since": since})
    return None if found is None else int(found)


def last_said(session: Session, *, complaint_id: int, kind: str, since: datetime) -> str | None:
    """The text of the bot's latest message of `kind` on the complaint written since `since`,
    or None if it wrote none."""
    query = (
        select(Message.text)
        .where(
            Message.complaint_id == complaint_id,
            Message.direction == "out",
            Message.kind == kind,
            col(Message.created_at) >= since,
        )
        .order_by(col(Message.created_at).desc(), col(Message.id).desc())
        .limit(1)
    )
    return session.exec(query).first()


def messages_of(
    session: Session, *, complaint_ids: Sequence[int], identity_ids: Sequence[int]
) -> list[Message]:
    """The messages on these complaints or written by these identities, oldest first."""
    return list(
        session.exec(
            select(Message)
            .where(
                sa.or_(
                    col(Message.complaint_id).in_(complaint_ids),
                    col(Message.identity_id).in_(identity_ids),
                )
            )
            .order_by(col(Message.id))
        )
    )


def attachments_of(session: Session, *, message_ids: Sequence[int]) -> list[Attachment]:
    return list(session.exec(select(Attachment).where(col(Attachment.message_id).in_(message_ids))))


def delete_attachments(session: Session, *, message_ids: Sequence[int]) -> int:
    """Delete the attachments of these messages; how many there were."""
    result = session.connection().execute(
        sa.delete(ATTACHMENTS).where(ATTACHMENTS.c.message_id.in_(message_ids))
    )
    return result.rowcount


def messages_of_complaint(session: Session, *, complaint_id: int) -> list[Message]:
    """The complaint's messages in both directions, in the order they were written."""
    return list(
        session.exec(
            select(Message)
            .where(Message.complaint_id == complaint_id)
            .order_by(col(Message.created_at), col(Message.id))
        )
    )


def last_inbound(
    session: Session, *, complaint_id: int, channel: str | None = None, written: bool = False
) -> Message | None:
    """The customer's latest message on the complaint, or on it by `channel` (an answer
    going out on that channel threads to it); `written`: by a person, not an autoresponder's
    mail (kind "automated")."""
    query = select(Message).where(Message.complaint_id == complaint_id, Message.direction == "in")
    if channel is not None:
        query = query.where(Message.channel == channel)
    if written:
        query = query.where(Message.kind != "automated")
    return session.exec(query.order_by(col(Message.id).desc())).first()


def attachment_rows(session: Session, *, message_ids: Sequence[int]) -> list[AttachmentRow]:
    """The attachments of these messages without their contents, which stay in the database
    until downloaded."""
    if not message_ids:
        return []
    rows = session.connection().execute(
        sa.select(
            ATTACHMENTS.c.id,
            ATTACHMENTS.c.message_id,
            ATTACHMENTS.c.filename,
            ATTACHMENTS.c.content_type,
            ATTACHMENTS.c.size,
        ).where(ATTACHMENTS.c.message_id.in_(list(message_ids)))
    )
    return [AttachmentRow(*row) for row in rows]


def attachment_of_complaint(
    session: Session, *, complaint_id: int, attachment_id: int
) -> Attachment | None:
    """The attachment, if it came with a message on this complaint."""
    return session.exec(
        select(Attachment)
        .join(Message, col(Message.id) == col(Attachment.message_id))
        .where(Attachment.id == attachment_id, Message.complaint_id == complaint_id)
    ).first()


def first_answer_standing(
    session: Session, *, complaint_id: int, kinds: Collection[str], since: datetime, besides: int
) -> datetime | None:
    """When the earliest message of `kinds` to the customer written at or after `since`, other
    than message `besides`, was written, among those whose delivery did not fail for good nor
    was cancelled (sent, or still owed)."""
    standing = (
        select(Message.created_at)
        .join(OutboxItem, col(OutboxItem.message_id) == col(Message.id))
        .where(
            Message.complaint_id == complaint_id,
            Message.direction == "out",
            col(Message.kind).in_(list(kinds)),
            col(Message.created_at) >= since,
            Message.id != besides,
            col(OutboxItem.status).not_in(["failed", "cancelled"]),
        )
        .order_by(col(Message.created_at), col(Message.id))
        .limit(1)
    )
    return session.exec(standing).first()
