"""A person's answer that never reached the customer is no answer. Whatever message gave the
complaint its first response (`ANSWERS`: an agent's reply, a proposed solution, the resolution
or rejection told to the customer), when its delivery fails for good (the callback refused
it, the chat blocked the bot, the address bounces), the first response it gave is taken back,
so the SLA does not read as met and, on an open complaint, the first-response deadline still
escalates (scheduler.due.on_answer_lost). An answer still standing (sent, or still owed)
written at or after the lost one gives the first response in its place, at its own time; one
that fails later is taken back in turn. The desk is told of the failure by
outbox.undelivered; both hooks hear the dispatcher's `given_up`.

This is the one home of the rule: the actions that give a first response
(staff.actions, staff.solutions through DueTimes.on_answered and on_finished_told) leave
taking it back to this hook, which knows them by the kind of message they queue."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from outbox.undelivered import GivenUp
from scheduler.due import DueTimes
from store.models import Message, OutboxItem
from store.queries.complaints import complaint_by_id
from store.queries.messages import first_answer_standing

ANSWERS = frozenset({"reply", "proposal_notice", "resolved", "rejected_notice"})
"""The stored kinds (`Message.kind`) of the messages that give a first response: a person's
answer (staff.actions' reply; the proposal notice of staff.actions and staff.solutions; the
resolution and the rejection told, DueTimes.on_finished_told). An action that gives the
first response by a message of another kind must add it here."""


def take_back_first_response(due: DueTimes) -> GivenUp:
    """The dispatcher's `given_up` hook that takes back the first response a lost answer
    gave; any other failure leaves the complaint as it is."""

    def given_up(session: Session, item: OutboxItem, reason: str, now: datetime) -> None:
        lost = session.get(Message, item.message_id)
        if lost is None or lost.kind not in ANSWERS or lost.id is None:
            return
        complaint = complaint_by_id(session, complaint_id=item.complaint_id)
        if complaint is None or complaint.id is None:
            return
        if complaint.first_response_at != lost.created_at:  # another answer gave it
            return
        standing = first_answer_standing(
            session,
            complaint_id=complaint.id,
            kinds=ANSWERS,
            since=lost.created_at,
            besides=lost.id,
        )
        due.on_answer_lost(complaint, standing)

    return given_up


def both(first: GivenUp, second: GivenUp) -> GivenUp:
    """One `given_up` hook that runs `first`, then `second`."""

    def given_up(session: Session, item: OutboxItem, reason: str, now: datetime) -> None:
        first(session, item, reason, now)
        second(session, item, reason, now)

    return given_up
