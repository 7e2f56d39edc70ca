"""Survey rounds on Telegram: the buttons under a survey message answer that message's round.
Each resolution sends a new survey message (a new round); a tap counts only on the complaint's
latest survey while its round is open, so a button of an earlier round answers clearly that it
is stale instead of scoring the new round or silently doing nothing. A guided-intake question
left pending when the complaint was finished, or when a person of the desk has written to the
customer since, is dropped (`outlived`), so a survey answer typed in the chat, or the answer to
an agent's question or to a reopening, reaches intake (`intake.follow_up`) instead of filling
that question. The comment invited after a survey button is dropped as well once a reopening
ended its round, or a person of the desk wrote since (`comment_window_open`): "Sí, ya lo veo"
after an agent's question answers the question, not the survey that round asked."""

from __future__ import annotations

from sqlmodel import Session

from complaints.workflow import FINISHED
from intake.chat_link import CHANNEL
from scheduler.due import awaits_survey
from store.models import ChatState, Complaint, Message
from store.queries.events import events_of_kind
from store.queries.messages import messages_of_complaint
from store.queries.outbox import deliveries_by_transport_id


def refusal(session: Session, chat_id: int, message_id: int | None, complaint: Complaint) -> str:
    """ "" when a tap on the survey message `message_id` (Telegram's id in the chat; None when
    Telegram did not say) may score `complaint`; else the key of the text to answer with:
    "survey_done" (this round is answered already) or "survey_stale" (an earlier round's
    button, or a round that ended unanswered)."""
    latest = _latest_survey(session, complaint)
    if message_id is not None and _survey_of_button(session, chat_id, message_id, complaint) != (
        latest.id if latest else None
    ):
        return "survey_stale"
    if awaits_survey(complaint):
        return ""
    # the round's answer is on the timeline even once a low score reopened the complaint (which
    # clears survey_answered_at with the rest of the round: `reopen_complaint`)
    answers = events_of_kind(session, complaint_id=complaint.id or 0, kind="survey_answered")
    if latest is not None and answers and answers[-1].at >= latest.created_at:
        return "survey_done"
    return "survey_stale"


def _latest_survey(session: Session, complaint: Complaint) -> Message | None:
    """The complaint's latest survey message: its buttons are the open round's."""
    surveys = [
        message
        for message in messages_of_complaint(session, complaint_id=complaint.id or 0)
        if message.direction == "out" and message.kind == "survey"
    ]
    return surveys[-1] if surveys else None


def _survey_of_button(
    session: Session, chat_id: int, message_id: int, complaint: Complaint
) -> int | None:
    """The id of the bot's message that Telegram message `message_id` in the chat delivered."""
    for item in deliveries_by_transport_id(session, CHANNEL, [str(message_id)]):
        if item.address == str(chat_id) and item.complaint_id == complaint.id:
            return item.message_id
    return None


DESK_SPOKE = frozenset(
    {"reply", "proposal_notice", "rejected_notice", "resolved", "merged_notice", "reopened_by_desk"}
)
"""The stored kinds (`Message.kind`) of what a person of the desk said to the customer: an
answer, a proposal, a rejection, a resolution, a merge, a reopening. The customer's next
words answer that person."""


def outlived(session: Session, state: ChatState, complaint: Complaint) -> bool:
    """Whether the pending question is a guided-intake one of a complaint finished since, or
    one a person of the desk has written to the customer after (then it is dropped: "满意"
    typed after the survey is no order number, and "yes, both charges" answers the agent's
    question, not "which product?"). The comment invited after a survey button is dropped
    once its round ended (`comment_window_open`)."""
    if state.pending_field == "survey_comment":
        if comment_window_open(session, complaint):
            return False
    elif complaint.status not in FINISHED and not _desk_spoke_since_question(session, complaint):
        return False
    state.pending_field = ""
    return True


def comment_window_open(session: Session, complaint: Complaint) -> bool:
    """Whether a text may still be the comment of the round the customer's latest score
    answered: not once a reopening (any: that score's own, the customer's, the desk's) ended
    that round, nor once a person of the desk wrote to the customer after it (the customer's
    next words answer that person: "Sí, ya lo veo" to an agent's question is no comment)."""
    answers = events_of_kind(session, complaint_id=complaint.id or 0, kind="survey_answered")
    if not answers:
        return False
    answered = answers[-1]
    changes = events_of_kind(session, complaint_id=complaint.id or 0, kind="status_changed")
    if any(
        (change.id or 0) > (answered.id or 0) and (change.detail or {}).get("to") == "reopened"
        for change in changes
    ):
        return False
    return not any(
        message.direction == "out"
        and message.kind in DESK_SPOKE
        and message.created_at >= answered.at
        for message in messages_of_complaint(session, complaint_id=complaint.id or 0)
    )


def _desk_spoke_since_question(session: Session, complaint: Complaint) -> bool:
    """Whether a person's message to the customer (an answer, a proposal, a resolution, a
    reopening…) went out after the bot's latest guided-intake question."""
    spoke = False
    for message in messages_of_complaint(session, complaint_id=complaint.id or 0):
        if message.direction != "out":
            continue
        if message.kind == "question":
            spoke = False
        elif message.kind in DESK_SPOKE:
            spoke = True
    return spoke
