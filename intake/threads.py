"""Which complaint a message continues: the one it names, or one of the sender's that it
replies to or mentions (signed Message-IDs and chat replies first, then numbers in the text,
then In-Reply-To/References, then numbers only a reply's quoted history holds: the sender's
own, as everywhere), or the one the conversation is about (a chat's open complaint:
only when the message points at no other), or, for a survey answer that does none of this,
the sender's one complaint whose survey is open (`intake.survey.open_survey_answered`), or, for
a bare status question ("any news?"), the sender's open complaint, the one last active of
several (`intake.status_questions`)."""

from __future__ import annotations

from sqlmodel import Session

from channels.base import Inbound
from complaints.errors import ComplaintNotYours, UnknownComplaint
from complaints.numbers import numbers_in
from intake.status_questions import open_complaint_asked_about
from intake.survey import open_survey_answered
from store import queries
from store.models import Complaint


def thread_of(session: Session, inbound: Inbound, party: queries.Party) -> Complaint | None:
    """The complaint this message continues, if it names or references one of the sender's;
    a named complaint that does not exist or is another customer's is refused."""
    if inbound.complaint_number:
        named = queries.complaint_by_number(session, inbound.complaint_number)
        if named is None:
            raise UnknownComplaint(
                "there is no complaint %(number)s", number=inbound.complaint_number
            )
        if named.customer_id != party.customer_id:
            raise ComplaintNotYours(
                "complaint %(number)s belongs to another customer",
                number=inbound.complaint_number,
            )
        return named
    mentioned = [
        *inbound.referenced_complaints,
        *numbers_in(f"{inbound.subject}\n{inbound.text}"),
    ]
    return (
        queries.complaint_of_customer(session, party.customer_id, mentioned)
        or queries.complaint_by_references(
            session, inbound.channel, party.customer_id, inbound.thread_hints
        )
        or queries.complaint_of_customer(session, party.customer_id, inbound.quoted_complaints)
        or queries.complaint_of_customer(
            session,
            party.customer_id,
            [inbound.current_complaint] if inbound.current_complaint else [],
        )
        or open_survey_answered(session, party.customer_id, inbound)
        or open_complaint_asked_about(session, party.customer_id, inbound)
    )


def follow_merge(session: Session, complaint: Complaint | None) -> Complaint | None:
    """The complaint that carries on for `complaint`: itself, or the one it was merged into
    (and so on, if that was merged in turn), so a message naming an old number lands there."""
    seen: set[str] = set()
    while complaint is not None and complaint.merged_into and complaint.number not in seen:
        seen.add(complaint.number or "")
        complaint = queries.complaint_by_number(session, complaint.merged_into) or complaint
    return complaint
