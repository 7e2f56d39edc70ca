"""What intake writes for one message: the message itself with its attachments, the bot's
answer beside it, the event that records its arrival, and the answer's delivery."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from channels.base import Inbound, answer_references, bounded_references, transport_id
from intake.case import Case, event
from store import queries
from store.models import Complaint
from store.queries.events import events_of_kind
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
        "thread": " ".join(bounded_references(inbound.thread_hints)),
        "reply_to": inbound.reply_to,
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


ANSWERED = ("status", "grade", "category", "department", "language")
"""What the sender was answered of the complaint when the message came (`Case.result`): kept
on the message's event so that a resend under the same key is answered the same
(`answered_before`), whatever the complaint became since."""


def received_event(inbound: Inbound, case: Case, message_id: int, now: datetime) -> dict[str, Any]:
    detail = {
        "message": message_id,
        "channel": inbound.channel,
        "source": inbound.source,
        "attachments": len(inbound.attachments),
        **({"automated": inbound.automated} if inbound.automated else {}),
        "status": case.status,
        "grade": case.grade,
        "category": case.category,
        "department": case.department,
        "language": case.language,
    }
    return event(case.id, now, "customer", "message_received", detail)


def answered_before(session: Session, complaint: Complaint, message_id: int) -> Case:
    """The complaint as message `message_id`'s sender was answered of it (its event's
    `ANSWERED`); as it is now for a message received before they were kept."""
    case = Case.of(complaint)
    for received in events_of_kind(session, complaint_id=case.id, kind="message_received"):
        detail = received.detail or {}
        if detail.get("message") == message_id:
            kept = {key: detail[key] for key in ANSWERED if key in detail}
            return replace(case, **kept)
    return case


def queue_reply(
    session: Session,
    inbound: Inbound,
    case: Case,
    reply_id: int,
    kind: str,
    text: str,
    now: datetime,
) -> dict[str, Any]:
    """Queue the answer where the sender asked (`Inbound.answer_address`), threaded to their
    message (the id it carried, even when its dedupe key was made apart from an earlier
    message's); its event."""
    sender, answered = inbound.sender, transport_id(inbound.external_id)
    queries.queue_delivery(
        session,
        {
            "complaint_id": case.id,
            "message_id": reply_id,
            "channel": sender.channel,
            "address": inbound.answer_address,
            "kind": kind,
            "next_attempt_at": now,
            "created_at": now,
            "payload": {
                "complaint": case.number,
                "text": text,
                "language": case.language,
                "subject": inbound.subject,
                "in_reply_to": answered,
                "references": answer_references(inbound.thread_hints, answered),
            },
        },
    )
    detail = {"message": reply_id, "kind": kind, "channel": sender.channel}
    return event(case.id, now, "system", "reply_queued", detail)
