"""A score sent as a reply to a survey whose round a reopening ended: late, and never the
current round's. Each resolution asks again (a new survey message, a new round), so after a
reopening the customer's reply to the FIRST survey's mail ("5", weeks later, or a second
thought while the case is worked again) would otherwise score whatever round is open now,
reopen the complaint resolved again ("a message to a resolved complaint reopens it"), or join
it as more of the complaint. It does none of these: it is kept on the timeline (the message,
and a `survey_late` event with its score, for the desk) and the customer is told that survey
is no longer open, as a stale Telegram button answers (`intake.chat_survey`).

Which survey a reply answers is known only where the transport says which message it answers
(an e-mail's In-Reply-To/References: the last of `Inbound.thread_hints`, matched against the
ids the dispatcher stored for each delivery). A score that names no message (a webhook, a typed
chat message) is about the complaint as it stands, as before."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from channels.base import Inbound
from intake.survey import score_in
from store import queries
from store.models import Complaint
from store.queries.events import events_of_kind
from store.queries.messages import messages_of_complaint
from store.queries.outbox import deliveries_by_transport_id


def ended_round_score(session: Session, complaint: Complaint, inbound: Inbound) -> int | None:
    """The score of a reply to one of `complaint`'s surveys that was sent before its latest
    reopening, else None (not a score, not such a reply)."""
    if inbound.automated or not inbound.thread_hints:
        return None
    score = score_in(inbound.text)
    if score is None:
        return None
    answered = {
        item.message_id
        for item in deliveries_by_transport_id(session, inbound.channel, inbound.thread_hints[-1:])
        if item.complaint_id == complaint.id
    }
    surveys = [
        message.created_at
        for message in messages_of_complaint(session, complaint_id=complaint.id or 0)
        if message.id in answered and message.direction == "out" and message.kind == "survey"
    ]
    if not surveys:
        return None
    changes = events_of_kind(session, complaint_id=complaint.id or 0, kind="status_changed")
    reopened = any(
        (change.detail or {}).get("to") == "reopened" and change.at >= surveys[0]
        for change in changes
    )
    return score if reopened else None


def record_late(session: Session, complaint: Complaint, score: int, now: datetime) -> None:
    """Keep the late score on the timeline; nothing of the complaint changes."""
    queries.add_event(session, complaint.id or 0, now, "customer", "survey_late", {"score": score})
