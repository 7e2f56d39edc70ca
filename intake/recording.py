"""What intake writes for one message: the message itself with its attachments, the bot's
answer beside it, the event that records its arrival, and the answer's delivery."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from channels.base import Inbound
from intake.case import Case, event
from store import queries
from store.queries.messages import add_exchange


def record_message(
    session: Session,
    inbound: Inbound,
    case: Case,
    party: queries.Party,
    kind: str,
    text: str,
    now: datetime,
) -> tuple[int, int | None]:
    """Store the customer's message, its attachments and, when there is one, the bot's
    answer `text`; (the message's id, the answer's id or None)."""
    incoming = {
        "complaint_id": case.id,
        "direction": "in",
        "channel": inbound.channel,
        "external_id": inbound.external_id,
        "identity_id": party.identity_id,
        "author": "customer",
        "kind": "automated"
        if inbound.automated
        else ("complaint" if kind == "acknowledgement" else "follow-up"),
        "subject": inbound.subject,
        "text": inbound.stored_text,
        "language": case.language,
        "created_at": now,
    }
    answer = {
        "complaint_id": case.id,
        "direction": "out",
        "channel": inbound.sender.channel,
        "identity_id": party.identity_id,
        "author": "bot",
        "kind": kind,
        "text": text,
        "language": case.language,
        "created_at": now,
    }
    message_id, reply_id = add_exchange(session, incoming, answer if text else None)
    queries.add_attachments(
        session,
        [
            {
                "message_id": message_id,
                "filename": item.filename,
                "content_type": item.content_type,
                "size": item.size,
                "data": item.data,
            }
            for item in inbound.attachments
        ],
    )
    return message_id, reply_id


def received_event(inbound: Inbound, case: Case, message_id: int, now: datetime) -> dict[str, Any]:
    detail = {
        "message": message_id,
        "channel": inbound.channel,
        "source": inbound.source,
        "attachments": len(inbound.attachments),
        **({"automated": inbound.automated} if inbound.automated else {}),
    }
    return event(case.id, now, "customer", "message_received", detail)


def queue_reply(
    session: Session,
    inbound: Inbound,
    case: Case,
    reply_id: int,
    kind: str,
    text: str,
    now: datetime,
) -> dict[str, Any]:
    """Queue the answer to the sender's address, threaded to their message; its event."""
    sender = inbound.sender
    queries.queue_delivery(
        session,
        {
            "complaint_id": case.id,
            "message_id": reply_id,
            "channel": sender.channel,
            "address": sender.address,
            "kind": kind,
            "next_attempt_at": now,
            "created_at": now,
            "payload": {
                "complaint": case.number,
                "text": text,
                "language": case.language,
                "subject": inbound.subject,
                "in_reply_to": inbound.external_id,
                "references": [*inbound.thread_hints, inbound.external_id],
            },
        },
    )
    detail = {"message": reply_id, "kind": kind, "channel": sender.channel}
    return event(case.id, now, "system", "reply_queued", detail)
