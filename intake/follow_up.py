"""A message that joins its complaint: it fills blank details, answers the survey, asks for
another handler, or reopens a solved case."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from channels.base import Inbound
from complaints.fields import REGISTRATION_FIELDS
from complaints.workflow import SOLVED, WAITING
from intake.case import Case, event
from intake.handler_requests import asks_for_handler, hand_to_senior
from intake.survey import comment_of, record_survey, survey_score
from intake.waiting import customer_answered
from outbox.notify import Notifier
from scheduler.due import DueTimes
from store import queries
from store.models import Complaint


@dataclass(frozen=True)
class FollowUp:
    """What continuing a complaint needs besides the message."""

    notifier: Notifier
    due: DueTimes
    reopen_at_or_below: int
    """A survey answered with this score or lower reopens the complaint."""


def continue_complaint(
    session: Session,
    complaint: Complaint,
    inbound: Inbound,
    now: datetime,
    events: list[dict[str, Any]],
    follow_up: FollowUp,
) -> Case:
    """Join the message to `complaint`; append its events."""
    assert complaint.id is not None
    complaint.updated_at = now
    filled = fill_details(complaint, inbound.details)
    if filled:
        events.append(event(complaint.id, now, "customer", "details_added", {"fields": filled}))
    if inbound.automated:
        return Case.of(complaint)
    notifier = follow_up.notifier
    score = survey_score(complaint, inbound.text)
    if score is not None:
        reopened = record_survey(
            session,
            complaint,
            score,
            now,
            notifier=notifier,
            due=follow_up.due,
            reopen_at_or_below=follow_up.reopen_at_or_below,
            comment=comment_of(inbound.text),
        )
        notifier.tell_customer(session, complaint, "reopened" if reopened else "survey_done", now)
    elif asks_for_handler(inbound.text) and complaint.status not in SOLVED:
        senior = hand_to_senior(session, notifier, complaint, now)
        if senior:
            notifier.tell_customer(session, complaint, "assigned_notice", now, name=senior)
        else:
            notifier.tell_customer(session, complaint, "handler_unavailable", now)
    elif complaint.status in SOLVED:
        queries.change_status(
            session, complaint, "reopened", "customer", "the customer wrote again", now
        )
    if complaint.status in WAITING:  # the desk waited for this answer: the clock runs again
        customer_answered(session, complaint, follow_up.due, now)
    return Case.of(complaint)


def fill_details(complaint: Complaint, details: Mapping[str, str]) -> list[str]:
    """Set the registration fields the complaint does not have yet; never overwrite one."""
    filled = []
    for key in REGISTRATION_FIELDS:
        if details.get(key) and not getattr(complaint, key):
            setattr(complaint, key, details[key])
            filled.append(key)
    return filled
