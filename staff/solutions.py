"""Solutions (seed 002): an agent proposes a remedy; above the approval threshold a supervisor
approves it first, and only then is the customer told. Every step is on the timeline. A
complaint nobody took becomes the proposer's first (staff.taking), as /propose in the agents'
chat does (staff.actions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from complaints.access import at_least
from complaints.clock import Clock
from complaints.errors import (
    ChangedMeanwhile,
    ComplaintBotError,
    IllegalTransition,
    NotAllowed,
    Said,
    UnknownComplaint,
    WrongFields,
    said,
)
from complaints.money import Amount
from complaints.workflow import FINISHED
from outbox.names import KIND_NAMES
from outbox.notify import Notifier
from outbox.typography import sentence, written
from scheduler.due import DueTimes
from staff.reopening import may_reopen
from staff.taking import actor_of, take_if_untaken
from staff.views import viewable
from store import queries
from store.database import Database
from store.models import Agent, Complaint, Solution
from store.queries.complaints import hold_status
from store.queries.solutions import (
    add_solution,
    decide_solution,
    solution_by_id,
    solutions_of_complaint,
)

KINDS = ("return", "exchange", "repair", "refund", "discount", "compensation", "apology")
NEEDS_AMOUNT = frozenset({"refund", "compensation"})
MONETARY = NEEDS_AMOUNT | {"discount"}


def check_proposal(kind: str, amount_cents: int | None) -> None:
    """Refuse a solution of an unknown kind, or with an amount its kind cannot have."""
    if kind not in KINDS:
        raise ComplaintBotError("a solution is one of %(kinds)s", kinds=", ".join(KINDS))
    if kind in NEEDS_AMOUNT and amount_cents is None:
        raise ComplaintBotError("a %(kind)s needs an amount", kind=kind)
    if amount_cents is not None and kind not in MONETARY:
        raise ComplaintBotError(
            "a solution of kind '%(kind)s' has no amount; leave it empty", kind=kind
        )
    if amount_cents is not None and amount_cents <= 0:
        raise ComplaintBotError("the amount must be more than zero")


def describe(solution: Solution, language: str) -> str:
    """The solution as the customer reads it, in their language and its typography (Chinese:
    full-width brackets and stop, outbox.typography), wherever it is shown."""
    names = KIND_NAMES.get(language, KIND_NAMES["en"])
    text = names[solution.kind]
    if solution.amount_cents is not None:
        text += f" ({Amount(solution.amount_cents, solution.currency).written(language)})"
    separator = "：" if language.startswith("zh") else ": "
    if solution.description:
        text += separator + solution.description
    return written(sentence(text, language), language)


def check_none_awaiting_approval(session: Session, complaint: Complaint) -> None:
    """Refuse (409) to finish a complaint (resolve, reject) while a solution of it waits for a
    supervisor's approval: the customer would hear it is over, and the approval that follows
    could no longer offer the solution, leaving it waiting for ever. A supervisor approves it
    (the customer is offered it; resolving follows their answer) or rejects it first.

    The complaint is held first (its status as read, else 409): a proposal made at the same
    moment holds it too, so on PostgreSQL this read waits for it and sees its solution, where
    a read, then the status's write, resolved the case with the solution left waiting."""
    hold_status(session, complaint)
    for solution in solutions_of_complaint(session, complaint_id=complaint.id or 0):
        if solution.status == "awaiting_approval":
            raise IllegalTransition(
                "%(number)s has a solution waiting for a supervisor's approval (%(kind)s, "
                "%(amount)s): a supervisor approves or rejects it before the complaint can be "
                "resolved or rejected",
                number=complaint.number or "",
                kind=solution.kind,
                amount=_amount(solution),
            )


def finished_refusal(complaint: Complaint, agent: Agent) -> ComplaintBotError:
    """Why `agent` cannot propose a solution on a finished complaint, naming what they can do
    instead (the rules of staff.reopening): a merged one goes on as the complaint it went
    into; a rejected one an agent asks a supervisor to review, since only a supervisor
    reopens it; any other one they reopen themselves first."""
    number = complaint.number or ""
    if complaint.status == "merged":
        return ComplaintBotError(
            "%(number)s was merged into %(other)s; propose the solution on %(other)s",
            number=number,
            other=complaint.merged_into,
        )
    if not may_reopen(complaint, agent):
        return ComplaintBotError(
            "%(number)s is %(status)s; ask a supervisor of %(department)s to review and "
            "reopen it before a solution is proposed",
            number=number,
            status=complaint.status,
            department=complaint.department,
        )
    return ComplaintBotError(
        "%(number)s is %(status)s; reopen it before proposing a solution",
        number=number,
        status=complaint.status,
    )


@dataclass(frozen=True)
class SolutionOutcome:
    solution: Solution
    summary: Said


class Solutions:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        notifier: Notifier,
        due: DueTimes,
        approval_above_cents: int,
        currency: str,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self.database = database
        self.clock = clock
        self.notifier = notifier
        self.due = due
        self.approval_above_cents = approval_above_cents
        self.currency = currency
        self.on_queued = on_queued

    async def propose(
        self,
        number: str,
        agent: Agent,
        kind: str,
        amount_cents: int | None,
        description: str,
    ) -> SolutionOutcome:
        check_proposal(kind, amount_cents)
        needs_approval = (amount_cents or 0) > self.approval_above_cents
        now = self.clock.now()
        actor = actor_of(agent)

        def work(session: Session) -> SolutionOutcome:
            complaint = viewable(session, agent, number)
            if complaint.status in FINISHED:
                raise finished_refusal(complaint, agent)
            take_if_untaken(session, complaint, agent, now, "taken to propose a solution")
            hold_status(session, complaint)  # changed by a colleague since read: 409, unwritten
            solution = Solution(
                complaint_id=complaint.id or 0,
                kind=kind,
                amount_cents=amount_cents,
                currency=self.currency if amount_cents is not None else "",
                description=description.strip(),
                status="awaiting_approval" if needs_approval else "proposed",
                proposed_by=agent.name,
                proposed_at=now,
            )
            add_solution(session, solution=solution)
            detail = {
                "solution": solution.id,
                "kind": kind,
                "amount": _amount(solution),
                "description": solution.description,
            }
            if needs_approval:
                queries.add_event(
                    session, complaint.id or 0, now, actor, "solution_awaiting_approval", detail
                )
                self.notifier.tell_supervisor(
                    session,
                    complaint,
                    "awaiting_approval",
                    now,
                    agent=agent.name,
                    kind=kind,
                    amount=Amount(amount_cents or 0, solution.currency),
                )
                return SolutionOutcome(
                    solution,
                    said("waiting for a supervisor's approval; the customer is not told yet"),
                )
            told = self._offer(session, complaint, solution, actor, detail)
            return SolutionOutcome(
                solution, said("proposed; the customer is told") if told else said("proposed")
            )

        outcome = await self.database.write(work)
        self.on_queued()
        return outcome

    async def decide(
        self, number: str, solution_id: int, agent: Agent, approve: bool, reason: str
    ) -> SolutionOutcome:
        """A supervisor of the complaint's department approves (the customer is told now) or
        rejects (with the reason, for the agent; the customer hears nothing of it)."""
        if not at_least(agent, "supervisor"):
            raise NotAllowed("only a supervisor or an admin approves solutions")
        if not approve and not reason.strip():
            refusal = ComplaintBotError("say why the solution is rejected")
            raise WrongFields({"reason": refusal})  # the API names the field to fill in
        now = self.clock.now()
        actor = actor_of(agent)

        def work(session: Session) -> SolutionOutcome:
            complaint = viewable(session, agent, number)
            solution = solution_by_id(session, solution_id=solution_id)
            if solution is None or solution.complaint_id != complaint.id:
                raise UnknownComplaint(
                    "%(number)s has no solution %(solution)s", number=number, solution=solution_id
                )
            if solution.status != "awaiting_approval":  # decided already: a conflict (409)
                raise IllegalTransition(
                    "solution %(solution)s is %(solution_status)s, not waiting for approval",
                    solution=solution_id,
                    solution_status=solution.status.replace("_", " "),
                )
            status = "proposed" if approve else "rejected"
            _record_decision(session, complaint, solution, status, agent.name, now, reason)
            detail = {
                "solution": solution.id,
                "kind": solution.kind,
                "amount": _amount(solution),
                "why": solution.decision_reason,
            }
            if not approve:
                queries.add_event(
                    session, complaint.id or 0, now, actor, "solution_rejected", detail
                )
                return SolutionOutcome(
                    solution, said("rejected; the agent sees why on the timeline")
                )
            queries.add_event(session, complaint.id or 0, now, actor, "solution_approved", detail)
            told = self._offer(session, complaint, solution, actor, detail)
            return SolutionOutcome(
                solution, said("approved; the customer is told") if told else said("approved")
            )

        outcome = await self.database.write(work)
        self.on_queued()
        return outcome

    def _offer(
        self,
        session: Session,
        complaint: Complaint,
        solution: Solution,
        actor: str,
        detail: Mapping[str, object],
    ) -> bool:
        """Tell the customer the solution and wait for their answer."""
        now = self.clock.now()
        # its proposer took it on proposing; one waiting for approval since before that rule
        # is theirs now
        take_if_untaken(
            session, complaint, solution.proposed_by, now, "taken to propose a solution"
        )
        queries.change_status(session, complaint, "solution_proposed", actor, solution.kind, now)
        queries.add_event(session, complaint.id or 0, now, actor, "solution_proposed", detail)
        told = self.notifier.tell_customer(
            session,
            complaint,
            "proposal_notice",
            now,
            solution=describe(solution, complaint.language),
        )
        if told:  # a person's answer: the first response is given
            self.due.on_answered(complaint, now)
        return told


def _record_decision(
    session: Session,
    complaint: Complaint,
    solution: Solution,
    status: str,
    by: str,
    now: datetime,
    reason: str,
) -> None:
    """Write the decision before anything else of it, as compare-and-sets: the complaint's
    status as read (a colleague's change since: 409), then the solution still waiting. Of two
    supervisors deciding at the same moment the second is refused (`ChangedMeanwhile`, 409)
    with nothing of theirs written: no event, no offer to the customer. Complaint first, then
    solution: the order in which a merge locks them, so neither waits for the other."""
    try:
        hold_status(session, complaint)
    except ChangedMeanwhile:
        session.refresh(solution)
        if solution.status == "awaiting_approval":
            raise
        raise _decided_meanwhile(solution) from None  # an approval moved the complaint
    decided = decide_solution(
        session, solution=solution, status=status, by=by, at=now, reason=reason.strip()
    )
    if not decided:
        session.refresh(solution)
        raise _decided_meanwhile(solution)


def _decided_meanwhile(solution: Solution) -> ChangedMeanwhile:
    return ChangedMeanwhile(
        "solution %(solution)s was decided by someone else meanwhile (it is now "
        "%(solution_status)s): reload it and decide again",
        solution=solution.id or 0,
        solution_status=solution.status,
    )


def _amount(solution: Solution) -> str:
    """The amount as recorded ("150.00 EUR"): events keep it so, and the console writes it in
    its reader's language (web.console.phrasing, complaint_page.detail_lines)."""
    if solution.amount_cents is None:
        return ""
    return str(Amount(solution.amount_cents, solution.currency))
