"""Staff reopen a finished complaint: the customer phoned to say the fix did not work, or a
supervisor found a rejection wrong. Until now only the customer's own message reopened one
(intake.reopening), and the desk told agents to "reopen it" with no way to.

The rules, decided before anything is written:
- only a resolved, closed or rejected complaint reopens (409 otherwise: an open one is being
  worked already, a merged one carries on as another);
- who: a person who works the complaint's department, as for resolving; a rejected one only
  a supervisor or admin of it, because overturning "this is not a valid complaint" is a
  review of a decision (seed 002; the customer's dispute goes to the supervisor too);
- a reason is required and kept for the desk (the status change's `why`, on the timeline
  with who reopened it): it may say things meant for colleagues ("Li's refund never left
  the bank"), so the customer gets a fixed notice instead; what a person wants to tell them
  goes as a reply.

The effects are the customer's reopening's (`intake.reopening`, `DueTimes.on_reopened`):
fresh deadlines counted from now, a survey round still open or not yet sent ends (the next
resolution starts a new one) and with it the resolution and score shown as current
(`reopen_complaint`; the timeline keeps them), and the handler stays, so the person who
knows the case picks it up again. The customer is told on their own channel, in their
language, by when a person will answer, as the customer's reopening answers them; the
department hears it where it hears of its deadlines, with the reason, since the handler may
not be who reopened it (not twice: `tell_department`)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaints.access import at_least
from complaints.addresses import Address
from complaints.errors import ComplaintBotError, IllegalTransition, NotAllowed, Said, said
from complaints.workflow import SOLVED, check
from outbox.next_step import FormatDue
from outbox.notify import Notifier
from outbox.staff_texts import StaffWord
from scheduler.due import DueTimes
from staff.taking import actor_of
from store.models import Agent, Complaint
from store.queries.accounts import agent_at
from store.queries.complaints import reopen_complaint

REOPENABLE = SOLVED | {"rejected"}
"""What staff may reopen: the statuses the workflow lets become reopened, merged aside."""


def check_reason(reason: str) -> None:
    """Refused before anything is read or written: the desk keeps why it was reopened."""
    if not reason.strip():
        raise ComplaintBotError("say why it is reopened: the reason is kept for the desk")


def may_reopen(complaint: Complaint, agent: Agent) -> bool:
    """Whether the console offers `agent` (who may work `complaint`) its Reopen form: the
    rule `check_reopenable` refuses by, asked before the person writes a reason."""
    try:
        check_reopenable(complaint, agent)
    except ComplaintBotError:
        return False
    return True


def check_reopenable(complaint: Complaint, agent: Agent) -> None:
    """Whether `agent`, who may work `complaint`, may reopen it now."""
    number = complaint.number or ""
    if complaint.status not in REOPENABLE:
        raise IllegalTransition(
            "%(number)s is %(status)s, not finished: there is nothing to reopen",
            number=number,
            status=complaint.status,
        )
    if complaint.status == "rejected" and not at_least(agent, "supervisor"):
        raise NotAllowed(
            "only a supervisor reopens a rejected complaint: ask the supervisor of "
            "%(department)s to review %(number)s",
            department=complaint.department,
            number=number,
        )
    check(complaint.status, "reopened")


def reopen_finished(
    session: Session,
    complaint: Complaint,
    agent: Agent,
    reason: str,
    now: datetime,
    *,
    notifier: Notifier,
    due: DueTimes,
    format_due: FormatDue,
    answered_at: Address | None = None,
) -> Said:
    """Reopen `complaint` for `reason` and tell the customer; the outcome for the person.
    The status change is the first write: a colleague's or the customer's change since this
    read refuses it (ChangedMeanwhile, 409) with nothing written or said, so a reopening
    by the customer at the same moment makes one reopening, not two."""
    check_reopenable(complaint, agent)
    reopen_complaint(session, complaint, actor=actor_of(agent), why=reason.strip(), now=now)
    due.on_reopened(complaint, now)
    complaint.updated_at = now
    answer_by = complaint.first_response_due or now
    told = notifier.tell_customer(
        session,
        complaint,
        "reopened_by_desk",
        now,
        due=format_due(answer_by, complaint.language),
    )
    tell_department(
        session, complaint, agent, reason.strip(), now, notifier=notifier, answered_at=answered_at
    )
    return said("reopened; the customer is told") if told else said("reopened")


def tell_department(
    session: Session,
    complaint: Complaint,
    agent: Agent,
    reason: str,
    now: datetime,
    *,
    notifier: Notifier,
    answered_at: Address | None = None,
) -> None:
    """The department hears that a finished case is back and why, where it hears of its
    deadlines (its Telegram group, else its supervisor): the handler may not be the person
    who reopened it, and the fresh first-response deadline is already running.

    One rule: not where the reopener already has the news, since the notice would only say
    it again: their own address (they did it), and the chat they typed `/reopen` in
    (`answered_at`; the department's group itself, most often), whose answer to the command
    carries the notice's deadline and handler (`deadline_said`) right under the reason they
    typed. An agent's group post right after their own command read as a second reopening."""
    contact = notifier.department_contact(complaint.department)
    if not contact:
        return
    address = Address.parse(contact)
    if address == answered_at:
        return
    own = agent_at(session, channel=address.channel, address=address.address)
    if own is not None and own.id == agent.id:
        return
    due = complaint.first_response_due or now
    notifier.tell_staff(
        session,
        complaint,
        address,
        "reopened_by_staff",
        now,
        actor=agent.name,
        reason=reason,
        due=f"{due:%Y-%m-%d %H:%M}",
        grade=complaint.grade,
        owner=complaint.assignee or StaffWord("nobody_yet"),
    )


def deadline_said(complaint: Complaint, now: datetime) -> Said:
    """The reopened complaint's fresh first-response deadline and handler, as the
    department's notice says them (`tell_department`): the line the chat command's answer
    carries in its place. A complaint nobody has is said with a dash for the handler."""
    due = complaint.first_response_due or now
    return said(
        "First response due %(due)s UTC (%(grade)s, owner: %(owner)s).",
        due=f"{due:%Y-%m-%d %H:%M}",
        grade=complaint.grade,
        owner=complaint.assignee or "—",
    )
