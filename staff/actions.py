"""What an agent does to a complaint: answer the customer, note, take, resolve, regrade.

Each action is one transaction that records an event (who, what, why); an answer to the
customer is a message plus an outbox row addressed to the customer's own channel, threaded to
their last message, so it leaves the same way whether the agent wrote from Telegram or, later,
from the console.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from admin.accounts import sees
from complaints.clock import Clock
from complaints.errors import CannotReach, ComplaintBotError, NotAllowed, UnknownComplaint
from complaints.fields import EDITABLE_FIELDS
from complaints.workflow import FINISHED, OPEN_WORK
from outbox.notify import tell_supervisor
from outbox.texts import say
from router import GRADES, RuleSet, ServiceLevel
from staff.views import viewable
from store import queries
from store.database import Database
from store.models import Agent, Complaint, Identity, Message

SURVEY_DELAY = timedelta(days=7)
WARN_BEFORE = timedelta(hours=1)


@dataclass(frozen=True)
class Done:
    number: str
    summary: str
    """One line for the agent: what happened."""


class AgentDesk:
    def __init__(
        self,
        database: Database,
        clock: Clock,
        service_levels: Mapping[str, ServiceLevel],
        can_send: Callable[[str, str], bool],
        on_queued: Callable[[], None] = lambda: None,
        survey_delay: timedelta = SURVEY_DELAY,
        warn_before: timedelta = WARN_BEFORE,
        *,
        rules: Callable[[], RuleSet],
    ) -> None:
        """`rules()` gives the rule set in force now (it changes when an admin publishes)."""
        self.rules = rules
        self.survey_delay = survey_delay
        self.warn_before = warn_before
        self.database = database
        self.clock = clock
        self.service_levels = service_levels
        self.can_send = can_send
        self.on_queued = on_queued

    async def agent_for_name(self, name: str) -> Agent | None:
        return await self.database.read(
            lambda s: s.exec(select(Agent).where(Agent.name == name)).first()
        )

    async def agent_for_telegram(self, user_id: int) -> Agent | None:
        return await self.database.read(
            lambda s: s.exec(select(Agent).where(Agent.telegram_user_id == user_id)).first()
        )

    async def reply(self, number: str, agent: Agent, text: str) -> Done:
        if not text.strip():
            raise ComplaintBotError("write the reply: an empty message is not sent")
        now = self.clock.now()

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            identity = session.get(Identity, complaint.identity_id)
            assert identity is not None and complaint.id is not None
            if not self.can_send(identity.channel, identity.address):
                raise CannotReach(
                    f"{number}: the customer's {identity.channel} channel cannot "
                    "receive later messages; contact them another way"
                )
            last = session.exec(
                select(Message)
                .where(Message.complaint_id == complaint.id, Message.direction == "in")
                .order_by(col(Message.id).desc())
            ).first()
            (reply_id,) = queries.add_messages(
                session,
                [
                    {
                        "complaint_id": complaint.id,
                        "direction": "out",
                        "channel": identity.channel,
                        "identity_id": identity.id,
                        "author": f"agent:{agent.name}",
                        "kind": "reply",
                        "text": text,
                        "language": complaint.language,
                        "created_at": now,
                    }
                ],
            )
            queries.queue_delivery(
                session,
                {
                    "complaint_id": complaint.id,
                    "message_id": reply_id,
                    "channel": identity.channel,
                    "address": identity.address,
                    "kind": "reply",
                    "next_attempt_at": now,
                    "created_at": now,
                    "payload": {
                        "complaint": number,
                        "text": text,
                        "language": complaint.language,
                        "subject": complaint.subject,
                        "in_reply_to": last.external_id if last and last.external_id else "",
                        "references": [last.external_id] if last and last.external_id else [],
                    },
                },
            )
            queries.add_event(
                session,
                complaint.id,
                now,
                f"agent:{agent.name}",
                "agent_replied",
                {"message": reply_id},
            )
            complaint.updated_at = now
            # The customer just heard from a person: the next progress update can wait, and
            # the first-response target is met; the resolution deadline is watched from now.
            complaint.next_update_due = now + self.service_levels[complaint.grade].progress_every
            if complaint.first_response_at is None:
                complaint.first_response_at = now
                _watch(complaint, complaint.resolution_due, self.warn_before)
            return Done(number, f"sent to the customer by {identity.channel}")

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
                f"agent:{agent.name}",
                "note",
                {"text": text},
            )
            return Done(number, "internal note added (the customer does not see it)")

        return await self.database.write(work)

    async def take(self, number: str, agent: Agent) -> Done:
        return await self.assign(number, agent, agent.name)

    async def change_handler(self, number: str, rules: RuleSet) -> Done:
        """The customer asked for someone else (seed 001): a senior agent of the department
        takes the case, the supervisor is told, and so is the customer."""
        now = self.clock.now()

        def work(session: Session) -> Done:
            complaint = queries.complaint_by_number(session, number)
            if complaint is None:
                raise UnknownComplaint(f"there is no complaint {number}")
            senior = hand_to_senior(session, rules, complaint, now)
            if senior is None:
                raise NotAllowed("no senior agent of this department is registered")
            self._tell_customer(session, complaint, "assigned_notice", name=senior)
            return Done(number, f"now handled by {senior}")

        done = await self.database.write(work)
        self.on_queued()
        return done

    async def propose(self, number: str, agent: Agent, solution: str) -> Done:
        """Propose a solution (return, exchange, repair, refund…): the customer is told at once
        and the case waits for their answer."""
        if not solution.strip():
            raise ComplaintBotError("say what you propose: /propose C-… solution")

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            now = self.clock.now()
            queries.change_status(
                session, complaint, "solution_proposed", f"agent:{agent.name}", solution, now
            )
            queries.add_event(
                session,
                complaint.id or 0,
                now,
                f"agent:{agent.name}",
                "solution_proposed",
                {"solution": solution},
            )
            told = self._tell_customer(session, complaint, "proposal_notice", solution=solution)
            return Done(number, "proposed" + ("; the customer is told" if told else ""))

        done = await self.database.write(work)
        self.on_queued()
        return done

    async def reject(self, number: str, agent: Agent, explanation: str) -> Done:
        """Not a valid complaint (seed 002): the customer gets a polite explanation."""
        if not explanation.strip():
            raise ComplaintBotError("say why, politely: /reject C-… explanation")

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            queries.change_status(
                session, complaint, "rejected", f"agent:{agent.name}", explanation, self.clock.now()
            )
            _watch(complaint, None, self.warn_before)
            complaint.next_update_due = None
            told = self._tell_customer(
                session, complaint, "rejected_notice", explanation=explanation
            )
            return Done(number, "rejected" + ("; the customer is told" if told else ""))

        done = await self.database.write(work)
        self.on_queued()
        return done

    def _tell_customer(
        self, session: Session, complaint: Complaint, key: str, **values: str
    ) -> bool:
        return tell_customer(session, complaint, self.can_send, self.clock.now(), key, **values)

    async def resolve(self, number: str, agent: Agent, summary: str, root_cause: str = "") -> Done:
        """Resolve with a summary for the customer and, for the desk's own improvement, the
        root cause; the customer is told at once on their channel, in their language."""
        if not summary.strip():
            raise ComplaintBotError("say how it was resolved: the summary goes to the customer")

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            complaint.resolution_summary = summary.strip()
            complaint.root_cause = root_cause.strip() or complaint.root_cause
            now = self.clock.now()
            queries.change_status(
                session, complaint, "resolved", f"agent:{agent.name}", summary, now
            )
            complaint.resolved_at, complaint.next_update_due = now, None
            _watch(complaint, None, self.warn_before)
            complaint.survey_due = now + self.survey_delay
            identity = session.get(Identity, complaint.identity_id)
            if identity is None or not self.can_send(identity.channel, identity.address):
                return Done(number, "resolved (the customer's channel cannot be written to)")
            queries.queue_message(
                session,
                complaint,
                identity.channel,
                identity.address,
                "progress",
                say(complaint.language, "resolved", number=number, summary=summary),
                now,
            )
            return Done(number, "resolved; the customer is told")

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
        """Correct the routing (recorded as a correction with who and why). A new category
        brings its own department unless one is given; a new grade recomputes the deadlines
        from the complaint's opening."""
        rules = self.rules()
        if grade is not None and grade not in GRADES:
            raise ComplaintBotError(f"grade must be one of {', '.join(GRADES)}")
        if category is not None and category not in rules.categories:
            raise ComplaintBotError(
                f"unknown category {category!r}; categories: {', '.join(rules.categories)}"
            )
        if department is not None and department not in rules.departments:
            raise ComplaintBotError(
                f"unknown department {department!r}; departments: {', '.join(rules.departments)}"
            )
        if department is None and category is not None:
            department = rules.categories[category].department

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            changes: dict[str, dict[str, str]] = {}
            for name, value in (("category", category), ("department", department)):
                if value is not None and getattr(complaint, name) != value:
                    changes[name] = {"from": getattr(complaint, name), "to": value}
                    setattr(complaint, name, value)
            if grade is not None and complaint.grade != grade:
                changes["grade"] = {"from": complaint.grade, "to": grade}
                complaint.grade = grade
                self._reschedule(complaint)
            if not changes:
                return Done(number, "nothing to change")
            complaint.updated_at = self.clock.now()
            queries.add_event(
                session,
                complaint.id or 0,
                self.clock.now(),
                f"agent:{agent.name}",
                "grade_corrected" if set(changes) == {"grade"} else "corrected",
                {**changes, "why": reason} if set(changes) != {"grade"} else changes["grade"],
            )
            return Done(
                number,
                "; ".join(
                    f"{key} {value['from']} → {value['to']}" for key, value in changes.items()
                ),
            )

        return await self.database.write(work)

    def _reschedule(self, complaint: Complaint) -> None:
        complaint.first_response_due, complaint.resolution_due = self.service_levels[
            complaint.grade
        ].due(complaint.created_at)
        if complaint.status not in FINISHED:
            watched = (
                complaint.resolution_due
                if complaint.first_response_at
                else complaint.first_response_due
            )
            _watch(complaint, watched, self.warn_before)

    async def edit_fields(self, number: str, agent: Agent, fields: Mapping[str, str]) -> Done:
        """Fill in or fix the registration details (product, model, serial number…)."""
        unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
        if unknown:
            raise ComplaintBotError(
                f"cannot edit {', '.join(unknown)}; editable: {', '.join(EDITABLE_FIELDS)}"
            )

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            changes = {
                key: {"from": getattr(complaint, key), "to": value.strip()}
                for key, value in fields.items()
                if getattr(complaint, key) != value.strip()
            }
            if not changes:
                return Done(number, "nothing to change")
            for key, change in changes.items():
                setattr(complaint, key, change["to"])
            complaint.updated_at = self.clock.now()
            queries.add_event(
                session,
                complaint.id or 0,
                self.clock.now(),
                f"agent:{agent.name}",
                "fields_edited",
                changes,
            )
            return Done(number, f"updated {', '.join(changes)}")

        return await self.database.write(work)

    async def assign(self, number: str, agent: Agent, to_name: str) -> Done:
        """Give the complaint to another person of its department (or take it: to_name is
        the agent's own name)."""

        def work(session: Session) -> Done:
            complaint = _allowed(session, number, agent)
            target = session.exec(select(Agent).where(Agent.name == to_name)).first()
            if target is None or not target.active:
                raise ComplaintBotError(f"there is no active account named {to_name!r}")
            if not sees(target, complaint.department):
                raise ComplaintBotError(
                    f"{to_name} does not work for {complaint.department}; choose someone who does"
                )
            previous = complaint.assignee
            if previous == target.name:
                return Done(number, f"already assigned to {target.name}")
            complaint.assignee = target.name
            now = self.clock.now()
            if complaint.status not in OPEN_WORK:  # taking a case in progress keeps its stage
                queries.change_status(
                    session, complaint, "assigned", f"agent:{agent.name}", "assigned", now
                )
            queries.add_event(
                session,
                complaint.id or 0,
                now,
                f"agent:{agent.name}",
                "assigned",
                {"from": previous, "to": target.name},
            )
            tell_customer(
                session, complaint, self.can_send, now, "assigned_notice", name=target.name
            )
            return Done(number, f"assigned to {target.name}")

        done = await self.database.write(work)
        self.on_queued()
        return done


def _allowed(session: Session, number: str, agent: Agent) -> Complaint:
    """The complaint, if `agent` may work it: visible to them and not merged away."""
    complaint = viewable(session, agent, number)
    if complaint.status == "merged":
        raise ComplaintBotError(
            f"{number} was merged into {complaint.merged_into}; work on that one instead"
        )
    return complaint


def tell_customer(
    session: Session,
    complaint: Complaint,
    can_send: Callable[[str, str], bool],
    now: datetime,
    key: str,
    **values: str,
) -> bool:
    """Queue one of the chat texts to the customer on their own channel, in their language;
    False when that channel cannot carry later messages."""
    identity = session.get(Identity, complaint.identity_id)
    if identity is None or not can_send(identity.channel, identity.address):
        return False
    queries.queue_message(
        session,
        complaint,
        identity.channel,
        identity.address,
        "progress",
        say(complaint.language, key, number=complaint.number or "", **values),
        now,
    )
    return True


def _watch(complaint: Complaint, due: datetime | None, warn_before: timedelta) -> None:
    """Watch `due` for escalation (None: nothing to watch), with a warning ahead of it."""
    complaint.escalate_due = due
    complaint.warn_due = due - warn_before if due is not None else None


def hand_to_senior(
    session: Session, rules: RuleSet, complaint: Complaint, now: datetime
) -> str | None:
    """Reassign to a senior agent of the complaint's department (not the current handler) and
    tell the supervisor; return the senior's name, or None when there is none (the supervisor
    is told that too)."""
    seniors = [
        agent
        for agent in session.exec(select(Agent).where(col(Agent.senior).is_(True))).all()
        if agent.name != complaint.assignee
        and (not agent.departments or complaint.department in agent.departments)
    ]
    previous = complaint.assignee or "nobody"
    if not seniors:
        tell_supervisor(
            session,
            rules,
            complaint,
            f"{complaint.number}: the customer asked for "
            "another handler, and no senior agent is registered for "
            f"{complaint.department}; {previous} keeps it for now.",
            now,
        )
        return None
    senior = seniors[0].name
    queries.add_event(
        session,
        complaint.id or 0,
        now,
        "customer",
        "handler_changed",
        {"from": complaint.assignee, "to": senior},
    )
    complaint.assignee = senior
    if complaint.status not in OPEN_WORK:
        queries.change_status(
            session, complaint, "assigned", "customer", "asked for another handler", now
        )
    tell_supervisor(
        session,
        rules,
        complaint,
        f"{complaint.number}: the customer asked for "
        f"another handler; {senior} takes over from {previous}.",
        now,
    )
    return senior
