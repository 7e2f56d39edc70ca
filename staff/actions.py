"""What an agent does to a complaint: answer the customer, note, take, resolve, regrade.

Each action is one transaction that records an event (who, what, why); an answer to the
customer is a message plus an outbox row addressed to the customer's own channel, threaded to
their last message, so it leaves the same way whether the agent wrote from Telegram or, later,
from the console.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlmodel import Session

from complaints.access import sees
from complaints.addresses import Address
from complaints.clock import Clock
from complaints.errors import ComplaintBotError, IllegalTransition, Said, said
from complaints.workflow import OPEN_WORK, check
from outbox.next_step import FormatDue
from outbox.notify import Notifier
from router import RuleSet
from scheduler.due import DueTimes
from staff.corrections import Correction, check_editable, correct_routing, edit_fields
from staff.reopening import check_reason, deadline_said, reopen_finished
from staff.replies import queue_reply, reply_address
from staff.solutions import check_none_awaiting_approval
from staff.taking import actor_of, check_may_assign, hand_over, take_if_untaken
from staff.views import viewable
from store import queries
from store.database import Database
from store.models import Agent, Complaint
from store.queries.accounts import agent_by_telegram, agent_named


@dataclass(frozen=True)
class Done:
    number: str
    summary: Said
    """One line for the agent: what happened."""
    detail: Said | None = None
    """A line more for an agent in a chat, where the outcome is read in place of a notice
    (`staff.reopening.tell_department`): the deadline and handler of a reopening."""


class AgentDesk:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        notifier: Notifier,
        due: DueTimes,
        *,
        rules: Callable[[], RuleSet],
        format_due: FormatDue,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        """`rules()` gives the rule set in force now (it changes when an admin publishes);
        `format_due` writes a due time in a language (a reopening tells the customer one)."""
        self.format_due = format_due
        self.database = database
        self.clock = clock
        self.notifier = notifier
        self.due = due
        self.rules = rules
        self.on_queued = on_queued

    async def agent_for_name(self, name: str) -> Agent | None:
        return await self.database.read(lambda s: agent_named(s, name=name))

    async def agent_for_telegram(self, user_id: int) -> Agent | None:
        return await self.database.read(lambda s: agent_by_telegram(s, user_id=user_id))

    async def reply(
        self, number: str, agent: Agent, text: str, *, wait_for_customer: bool = False
    ) -> Done:
        """Answer the customer; with `wait_for_customer` the answer is a question and the case
        waits for theirs (awaiting_customer: its SLA clock stops until they write). An answer
        to a complaint nobody holds makes the agent its handler first, whichever way it was
        written (console, API, a reply in the Telegram group): `staff.taking`."""
        if not text.strip():
            raise ComplaintBotError("write the reply: an empty message is not sent")
        now = self.clock.now()

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            identity = reply_address(session, complaint, self.notifier)
            assert complaint.id is not None
            why = "taken to ask the customer" if wait_for_customer else "taken to answer"
            take_if_untaken(session, complaint, agent, now, why)
            if wait_for_customer:
                queries.change_status(
                    session, complaint, "awaiting_customer", actor_of(agent), "asked", now
                )
            # framed as the acknowledgement is: greeting (unless the agent wrote one), closing
            framed = self.notifier.letter(session, complaint, text, signer=agent.name)
            reply_id = queue_reply(session, complaint, identity, actor_of(agent), framed, now)
            queries.add_event(
                session,
                complaint.id,
                now,
                actor_of(agent),
                "agent_replied",
                {"message": reply_id},
            )
            complaint.updated_at = now
            self.due.on_answered(complaint, now)
            if wait_for_customer:
                return Done(
                    number,
                    said(
                        "queued for the customer by %(channel)s; waiting for their answer",
                        channel=identity.channel,
                    ),
                )
            return Done(
                number, said("queued for the customer by %(channel)s", channel=identity.channel)
            )

        done = await self.database.write(work)
        self.on_queued()
        return done

    async def note(self, number: str, agent: Agent, text: str) -> Done:
        if not text.strip():
            raise ComplaintBotError("write the note: an empty note is not kept")

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            queries.add_event(
                session,
                complaint.id or 0,
                self.clock.now(),
                actor_of(agent),
                "note",
                {"text": text},
            )
            return Done(number, said("internal note added (the customer does not see it)"))

        return await self.database.write(work)

    async def take(self, number: str, agent: Agent) -> Done:
        """Take a complaint nobody holds (staff.taking): one a colleague holds is refused."""
        return await self._assign(number, agent, agent.name, taking=True)

    async def propose(self, number: str, agent: Agent, solution: str) -> Done:
        """Propose a solution (return, exchange, repair, refund…): the customer is told at once
        and the case waits for their answer. A complaint nobody took becomes the agent's first
        (staff.taking), as a solution proposed by the API or console (staff.solutions) does."""
        if not solution.strip():
            raise ComplaintBotError("say what you propose: /propose C-… solution")

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            now = self.clock.now()
            take_if_untaken(session, complaint, agent, now, "taken to propose a solution")
            queries.change_status(
                session, complaint, "solution_proposed", actor_of(agent), solution, now
            )
            queries.add_event(
                session,
                complaint.id or 0,
                now,
                actor_of(agent),
                "solution_proposed",
                {"solution": solution},
            )
            told = self.notifier.tell_customer(
                session, complaint, "proposal_notice", now, solution=solution
            )
            if told:  # a person's answer: the first response is given
                self.due.on_answered(complaint, now)
            return Done(
                number, said("proposed; the customer is told") if told else said("proposed")
            )

        done = await self.database.write(work)
        self.on_queued()
        return done

    async def reject(self, number: str, agent: Agent, explanation: str) -> Done:
        """Not a valid complaint (seed 002): the customer gets a polite explanation."""
        if not explanation.strip():  # the chat says it its own way (staff/chat_commands.py)
            raise ComplaintBotError(
                "write a polite explanation for the customer in the explanation field"
            )

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            check(complaint.status, "rejected")  # rejected again: refused, nothing sent twice
            check_none_awaiting_approval(session, complaint)
            now = self.clock.now()
            queries.change_status(session, complaint, "rejected", actor_of(agent), explanation, now)
            self.due.on_rejected(complaint)
            told = self.notifier.tell_customer(
                session, complaint, "rejected_notice", now, explanation=explanation
            )
            if told:
                self.due.on_finished_told(complaint, now)
            return Done(
                number, said("rejected; the customer is told") if told else said("rejected")
            )

        done = await self.database.write(work)
        self.on_queued()
        return done

    async def resolve(self, number: str, agent: Agent, summary: str, root_cause: str = "") -> Done:
        """Resolve with a summary for the customer and, for the desk's own improvement, the
        root cause; the customer is told at once on their channel, in their language."""
        if not summary.strip():
            raise ComplaintBotError("say how it was resolved: the summary goes to the customer")

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            now = self.clock.now()
            check_none_awaiting_approval(session, complaint)  # before anything is written
            take_if_untaken(session, complaint, agent, now, "taken to resolve")
            check(complaint.status, "resolved")  # resolved again: refused before any write
            # first: a colleague's change since this read refuses it (409) before any write
            queries.change_status(session, complaint, "resolved", actor_of(agent), summary, now)
            complaint.resolution_summary = summary.strip()
            complaint.root_cause = root_cause.strip() or complaint.root_cause
            complaint.resolved_at = now
            self.due.on_resolved(complaint, now)
            if not self.notifier.tell_customer(
                session, complaint, "resolved", now, summary=summary
            ):
                return Done(number, said("resolved (the customer's channel cannot be written to)"))
            self.due.on_finished_told(complaint, now)
            return Done(number, said("resolved; the customer is told"))

        done = await self.database.write(work)
        self.on_queued()
        return done

    async def reopen(
        self, number: str, agent: Agent, reason: str, *, answered_at: Address | None = None
    ) -> Done:
        """Reopen a finished complaint for `reason` (kept for the desk; staff.reopening says
        who may and what follows); the customer is told by when a person will answer.
        `answered_at`: the chat where the agent typed the command and reads the outcome,
        which the department's notice then skips (the outcome's `detail` says the same)."""
        check_reason(reason)

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            now = self.clock.now()
            summary = reopen_finished(
                session,
                complaint,
                agent,
                reason,
                now,
                notifier=self.notifier,
                due=self.due,
                format_due=self.format_due,
                answered_at=answered_at,
            )
            return Done(number, summary, deadline_said(complaint, now))

        done = await self.database.write(work)
        self.on_queued()
        return done

    async def grade(self, number: str, agent: Agent, grade: str) -> Done:
        return await self.correct(number, agent, grade=grade)

    async def correct(
        self,
        number: str,
        agent: Agent,
        *,
        category: str | None = None,
        grade: str | None = None,
        department: str | None = None,
        reason: str = "",
    ) -> Done:
        """Correct the routing (recorded as a correction with who and why)."""
        correction = Correction(category, grade, department, reason).checked(self.rules())

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            correction.check_reach(agent, complaint)
            now = self.clock.now()
            summary = correct_routing(
                session, complaint, correction, actor_of(agent), now, self.due
            )
            if not summary:  # nothing given, or only what it already is
                raise ComplaintBotError(
                    "nothing to correct: give a category, grade or department other than the "
                    "complaint's (now %(category)s, %(grade)s, %(department)s)",
                    category=complaint.category,
                    grade=complaint.grade,
                    department=complaint.department,
                )
            return Done(number, Said(summary))

        return await self.database.write(work)

    async def edit_fields(
        self,
        number: str,
        agent: Agent,
        fields: Mapping[str, str],
        was: Mapping[str, str] | None = None,
    ) -> Done:
        """Fill in or fix the registration details (product, model, serial number…); `was`:
        the values the person's form was loaded with (staff.corrections.edit_fields)."""
        check_editable(fields)
        check_editable(was or {})

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            changed = edit_fields(
                session, complaint, fields, actor_of(agent), self.clock.now(), was
            )
            if not changed:
                return Done(number, said("nothing to change"))
            return Done(number, said("updated %(fields)s", fields=", ".join(changed)))

        return await self.database.write(work)

    async def assign(
        self, number: str, agent: Agent, to_name: str, *, was: str | None = None
    ) -> Done:
        """Give the complaint to another person of its department (staff.taking says who may
        give whose). `was`: the handler the person saw when they chose ("" for nobody); if
        another took it since, the reassignment is refused rather than made blind."""
        return await self._assign(number, agent, to_name, taking=False, was=was)

    async def _assign(
        self, number: str, agent: Agent, to_name: str, *, taking: bool, was: str | None = None
    ) -> Done:
        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            target = agent_named(session, name=to_name)
            if target is None or not target.active:
                raise ComplaintBotError("there is no active account named '%(name)s'", name=to_name)
            if not sees(target, complaint.department):
                raise ComplaintBotError(
                    "%(name)s does not work for %(department)s; choose someone who does",
                    name=to_name,
                    department=complaint.department,
                )
            holder = complaint.assignee or ""
            if was is not None and holder and holder not in (was, agent.name):  # taken since
                raise IllegalTransition("already assigned to %(name)s", name=holder)
            check_may_assign(complaint, agent, target.name, taking=taking)
            if complaint.status not in OPEN_WORK:  # taking a case in progress keeps its stage
                check(complaint.status, "assigned")
            previous = hand_over(session, complaint, target.name)  # the first write
            now = self.clock.now()
            if complaint.status not in OPEN_WORK:
                queries.change_status(
                    session, complaint, "assigned", actor_of(agent), "assigned", now
                )
            queries.add_event(
                session,
                complaint.id or 0,
                now,
                actor_of(agent),
                "assigned",
                {"from": previous, "to": target.name},
            )
            self.notifier.tell_customer(
                session, complaint, "assigned_notice", now, name=target.name
            )
            return Done(number, said("assigned to %(name)s", name=target.name))

        done = await self.database.write(work)
        self.on_queued()
        return done


def _allowed(session: Session, number: str, agent: Agent) -> Complaint:
    """The complaint, if `agent` may work it: visible to them and not merged away."""
    complaint = viewable(session, agent, number)
    if complaint.status == "merged":
        raise IllegalTransition(
            "%(number)s was merged into %(other)s; work on that one instead",
            number=number,
            other=complaint.merged_into or "",
        )
    return complaint
