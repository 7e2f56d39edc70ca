"""Who holds a complaint, and how it changes hands; one rule for the API, the console and the
agents' chat.

Taking a complaint takes one nobody holds: taking one a colleague holds is refused ("already
assigned to Wang", 409), so two agents who take the same complaint at the same moment, or one
whose page was opened before a colleague took it, do not both become its handler and the
customer does not hear of two. An agent may give their own complaint, or one nobody holds, to a
colleague; only a supervisor or admin reassigns a colleague's complaint (naming who gets it).

Every change of handler is a compare-and-set on the assignee and the status read in the same
transaction (`store.queries.complaints.set_if_unchanged`), made
before anything else is written: under PostgreSQL's concurrent writers, of two transactions
that read the same handler only the first writes; the other is refused and writes nothing. So
is one whose complaint a colleague resolved or rejected meanwhile.

An agent of the department who acts on a complaint nobody has taken yet (answers or asks its
customer, resolves it, proposes a solution; from the console, the API or the Telegram group
alike) takes it first (`take_if_untaken`); a note is no action on it. Refusing instead
would make them take it in a second step that adds nothing; acting without taking would leave a
case in work with nobody answerable for it."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from complaints.access import at_least
from complaints.errors import IllegalTransition
from complaints.workflow import UNTAKEN
from store import queries
from store.models import Agent, Complaint
from store.queries.complaints import changed_meanwhile, set_if_unchanged


def actor_of(person: Agent) -> str:
    """How the timeline names a person acting on a complaint: "agent:Wang",
    "supervisor:Sofia", "admin:alice" (the role they act with)."""
    return f"{person.role}:{person.name}"


def check_may_assign(complaint: Complaint, person: Agent, to_name: str, *, taking: bool) -> None:
    """Refuse (409, before anything is written) what would take a complaint from its handler
    without a supervisor's say: taking one somebody holds, or an agent giving a colleague's."""
    holder = complaint.assignee
    if holder == to_name or (taking and holder):
        raise IllegalTransition("already assigned to %(name)s", name=holder)
    if holder and holder != person.name and not at_least(person, "supervisor"):
        raise IllegalTransition("already assigned to %(name)s", name=holder)


def hand_over(session: Session, complaint: Complaint, to_name: str) -> str:
    """Make `to_name` the handler if the assignee and the status are still the ones this
    transaction read; refused (409) when either changed meanwhile: a new handler is refused
    with the name, a complaint resolved or rejected meanwhile with `ChangedMeanwhile` (it is
    not handed over, nor its customer told of a handler). The previous handler ("" for
    nobody)."""
    previous, status = complaint.assignee or "", complaint.status
    if not set_if_unchanged(
        session, complaint, {"assignee": (previous, to_name), "status": (status, status)}
    ):
        session.refresh(complaint, ["assignee", "status"])
        if (complaint.assignee or "") != previous:
            raise IllegalTransition("already assigned to %(name)s", name=complaint.assignee or "")
        raise changed_meanwhile(session, complaint)
    return previous


def take_if_untaken(
    session: Session, complaint: Complaint, person: Agent | str, now: datetime, why: str
) -> None:
    """When nobody took `complaint` yet, `person` takes it (its events say so); the customer
    hears of what they did, not of a handler besides."""
    if complaint.status not in UNTAKEN:
        return
    name = person if isinstance(person, str) else person.name
    actor = f"agent:{name}" if isinstance(person, str) else actor_of(person)
    taken = complaint.assignee != name
    previous = hand_over(session, complaint, name) if taken else name
    queries.change_status(session, complaint, "assigned", actor, why, now)
    if taken:
        queries.add_event(
            session, complaint.id or 0, now, actor, "assigned", {"from": previous, "to": name}
        )
