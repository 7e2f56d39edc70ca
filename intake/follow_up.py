"""A message that joins its complaint: it fills blank details, answers the survey, asks for
another handler, reopens a resolved or closed case, or disputes a rejection (which reopens it
too); a mere "thanks" to a finished case reopens nothing. Whatever else it does, a message to
an open complaint, or one it reopened, raises the grade when it is graver (`intake.regrade`):
on every channel, here and nowhere else. A survey answer is a score, not more of the
complaint, and regrades nothing (nor does a late score replying to a survey a reopening ended:
`intake.survey_rounds`); a plainly satisfied answer without a number ("满意", "muy
contento", `intake.courtesy.is_satisfied`) is kept as the open round's comment and thanked,
scoring nothing and reopening nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session

from channels.base import Inbound
from complaints.fields import REGISTRATION_FIELDS
from complaints.workflow import SOLVED, WAITING
from intake.case import Case, event
from intake.chosen_language import adopt_language
from intake.courtesy import is_courtesy, is_satisfied
from intake.disputes import dispute
from intake.handler_requests import asks_for_handler, hand_to_senior
from intake.regrade import raise_grade_from
from intake.reopening import reopen
from intake.status_questions import status_answer
from intake.survey import comment_of, record_comment, record_survey, survey_score
from intake.survey_rounds import ended_round_score, record_late
from intake.waiting import customer_answered
from outbox.next_step import FormatDue
from outbox.notify import Notifier
from router import RuleSet
from scheduler.due import DueTimes, awaits_survey
from store.models import Complaint


@dataclass(frozen=True)
class FollowUp:
    """What continuing a complaint needs besides the message."""

    notifier: Notifier
    due: DueTimes
    reopen_at_or_below: int
    """A survey answered with this score or lower reopens the complaint."""
    rules: RuleSet
    """The rule set in force: a graver message raises the grade by it."""
    format_due: FormatDue
    """How a due time is written in a language (a status answer names them)."""


@dataclass(frozen=True)
class Continued:
    """The complaint a follow-up joined, and how intake answers it: with the generic
    follow-up acknowledgement, with one text of `outbox.texts` instead (`answer`), or not at
    all (`quiet` says why). `case.language` is the answer's: the complaint's, or a bare status
    question's own (`intake.status_questions.answer_language`)."""

    case: Case
    answer: str = ""
    quiet: str = ""
    values: tuple[tuple[str, str], ...] = ()
    """What `answer`'s text names besides the complaint (the new handler's name)."""


def continue_complaint(
    session: Session,
    complaint: Complaint,
    inbound: Inbound,
    now: datetime,
    events: list[dict[str, Any]],
    follow_up: FollowUp,
) -> Continued:
    """Join the message to `complaint`; append its events."""
    assert complaint.id is not None
    complaint.updated_at = now
    changed = adopt_language(complaint, inbound.chosen_language, now)
    events.extend([changed] if changed else [])
    filled = fill_details(complaint, inbound.details)
    if filled:
        events.append(event(complaint.id, now, "customer", "details_added", {"fields": filled}))
    if inbound.automated:
        return Continued(Case.of(complaint))
    notifier = follow_up.notifier
    late = ended_round_score(session, complaint, inbound)
    if late is not None:  # a reply to a survey a reopening ended: not this round's, no reopening
        record_late(session, complaint, late, now)
        return Continued(Case.of(complaint), "survey_stale")
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
        return Continued(Case.of(complaint), reopened or "survey_done")
    if awaits_survey(complaint) and is_satisfied(inbound):
        record_comment(session, complaint, inbound.text, now)
        return Continued(Case.of(complaint), "survey_glad")
    continued = _answered(session, complaint, inbound, now, follow_up)
    if continued.quiet:
        return continued  # a courtesy to a finished complaint: still finished, nothing graver
    raised = raise_grade_from(
        session,
        complaint,
        inbound.text,
        now,
        rules=follow_up.rules,
        due=follow_up.due,
        notifier=notifier,
    )
    if not raised:
        return continued
    # the grade changed; the language stays the answer's (a status question's may differ)
    return replace(continued, case=replace(Case.of(complaint), language=continued.case.language))


def _answered(
    session: Session, complaint: Complaint, inbound: Inbound, now: datetime, follow_up: FollowUp
) -> Continued:
    """What the message does besides adding to the complaint, and how it is answered."""
    if asks_for_handler(inbound.text) and complaint.status not in SOLVED:
        senior = hand_to_senior(session, follow_up.notifier, complaint, now)
        if senior:
            return Continued(Case.of(complaint), "assigned_notice", values=(("name", senior),))
        return Continued(Case.of(complaint), "handler_unavailable")
    if complaint.status in SOLVED | {"rejected"}:
        return _to_finished(session, complaint, inbound, now, follow_up)
    asked = status_answer(session, complaint, inbound, now, follow_up.format_due)
    if asked is not None and asked.listing:  # several open: how each stands; answers nothing
        case = replace(Case.of(complaint), language=asked.language)
        return Continued(case, "open_complaints", values=(("complaints", asked.listing),))
    if complaint.status in WAITING:  # the desk waited for this answer: the clock runs again
        customer_answered(session, complaint, follow_up.due, now)
    language = asked.language if asked is not None else complaint.language
    return Continued(replace(Case.of(complaint), language=language))


def _to_finished(
    session: Session, complaint: Complaint, inbound: Inbound, now: datetime, follow_up: FollowUp
) -> Continued:
    """A message to a resolved, closed or rejected complaint: a mere courtesy ("thanks", "ok")
    or a plainly satisfied word ("满意", "very happy") is noted without an answer; anything else
    reopens it, and to a rejected complaint it is a dispute (`intake.disputes`)."""
    if is_courtesy(inbound) or (complaint.status != "rejected" and is_satisfied(inbound)):
        return Continued(Case.of(complaint), quiet="a courtesy message to a finished complaint")
    if complaint.status != "rejected":
        reopen(session, complaint, "the customer wrote again", now, due=follow_up.due)
        return Continued(Case.of(complaint), "reopened_notice")
    answer = dispute(session, complaint, now, notifier=follow_up.notifier, due=follow_up.due)
    return Continued(Case.of(complaint), answer)


def fill_details(complaint: Complaint, details: Mapping[str, str]) -> list[str]:
    """Set the registration fields the complaint does not have yet; never overwrite one."""
    filled = []
    for key in REGISTRATION_FIELDS:
        if details.get(key) and not getattr(complaint, key):
            setattr(complaint, key, details[key])
            filled.append(key)
    return filled
