"""What a delivery that went out does, once the dispatcher records it (outbox.dispatcher): the
row marked sent, a `reply_delivered` event, a new complaint moved to acknowledged by its
acknowledgement; and, only after that commit, the log line that calls it delivered.

The line waits for the commit because an operator reads it as "done": written when the
transport took the message, it named messages that a kill -9 before the commit then had sent
again after the restart (same Message-ID, but the log had said delivered)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from outbox.outbound import Counted, Outcome
from store import queries
from store.queries.complaints import change_statuses
from store.queries.outbox import SentDelivery, mark_sent

log = logging.getLogger("outbox.dispatcher")  # where operators have always read it


def record_sent(
    session: Session, outcomes: list[Outcome], now: datetime, marked: list[SentDelivery]
) -> list[Counted]:
    """Mark the sent deliveries still pending (a lease that ran out may have let another
    instance record them), with an event each, and add them to `marked`; an acknowledgement
    moves a new complaint to acknowledged. What to count once committed."""
    sent = {outcome.item: outcome.transport_id for outcome in outcomes if not outcome.failed}
    delivered = mark_sent(session, sent=sent, now=now)
    marked += delivered
    if not delivered:
        return []
    queries.add_events(
        session,
        [
            {
                "complaint_id": d.complaint_id,
                "at": now,
                "actor": "system",
                "kind": "reply_delivered",
                "detail": {"message": d.message_id, "channel": d.channel, "attempts": d.attempts},
            }
            for d in delivered
        ],
    )
    change_statuses(
        session,
        complaint_ids=[d.complaint_id for d in delivered if d.kind == "acknowledgement"],
        source="new",
        target="acknowledged",
        actor="system",
        why="acknowledgement delivered",
        now=now,
    )
    return [Counted(d.channel, d.kind, "sent") for d in delivered]


def log_delivered(delivered: list[SentDelivery], outcomes: list[Outcome]) -> None:
    """One line per delivery `record_sent` marked, once its transaction committed: the
    message, the complaint's number and the channel, never the address or the text."""
    numbers = {outcome.item: outcome.number for outcome in outcomes}
    for sent in delivered:
        number = numbers.get(sent.id, "")
        log.info(
            "delivered message %s of %s via %s",
            sent.message_id,
            number or "?",
            sent.channel,
            extra={"complaint": number},
        )
