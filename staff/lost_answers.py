"""An agent's answer that never reached the customer is no answer: when its delivery fails for
good (the callback refused it, the chat blocked the bot, the address bounces), the first
response it gave is taken back, so the SLA does not read as met and the first-response
deadline still escalates (scheduler.due.on_answer_lost). The desk is told of the failure by
outbox.undelivered; both hooks hear the dispatcher's `given_up`."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from outbox.undelivered import GivenUp
from scheduler.due import DueTimes
from store.models import Message, OutboxItem
from store.queries.complaints import complaint_by_id
from store.queries.messages import next_answer_standing

ANSWER = "reply"
"""The kind of an agent's answer to the customer (staff.actions)."""


def take_back_first_response(due: DueTimes) -> GivenUp:
    """The dispatcher's `given_up` hook that takes back the first response a lost answer
    gave; any other failure leaves the complaint as it is."""

    def given_up(session: Session, item: OutboxItem, reason: str, now: datetime) -> None:
        if item.kind != ANSWER:
            return
        complaint = complaint_by_id(session, complaint_id=item.complaint_id)
        lost = session.get(Message, item.message_id)
        if complaint is None or complaint.id is None or lost is None:
            return
        if complaint.first_response_at != lost.created_at:  # another answer gave it
            return
        due.on_answer_lost(
            complaint, next_answer_standing(session, complaint.id, ANSWER, item.message_id)
        )

    return given_up


def both(first: GivenUp, second: GivenUp) -> GivenUp:
    """One `given_up` hook that runs `first`, then `second`."""

    def given_up(session: Session, item: OutboxItem, reason: str, now: datetime) -> None:
        first(session, item, reason, now)
        second(session, item, reason, now)

    return given_up
