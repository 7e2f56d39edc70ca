"""The complaint's status workflow: which status may follow which, and the event that records
every change (seed 003's flow: receive, acknowledge, assign, investigate, propose a solution,
resolve, archive; seed 002: a complaint found not valid is rejected with an explanation).

    new → acknowledged → assigned → investigating → solution_proposed → awaiting_customer
        → resolved → closed;   assigned/reopened → awaiting_customer (an agent asks);
    solution_proposed/awaiting_customer → investigating (the customer answered);
    resolved/closed/rejected → reopened → (work again);
    any open status → rejected;   any open status or reopened → merged (into another
    complaint, which carries on; nothing follows merged)
"""

from __future__ import annotations

from collections.abc import Mapping

from complaints.errors import IllegalTransition

ALLOWED: Mapping[str, frozenset[str]] = {
    "new": frozenset({"acknowledged", "assigned", "rejected", "merged"}),
    "acknowledged": frozenset({"assigned", "investigating", "rejected", "merged"}),
    "assigned": frozenset(
        {
            "investigating",
            "solution_proposed",
            "awaiting_customer",
            "resolved",
            "rejected",
            "merged",
        }
    ),
    "investigating": frozenset(
        {"solution_proposed", "awaiting_customer", "resolved", "rejected", "merged"}
    ),
    "solution_proposed": frozenset({"awaiting_customer", "investigating", "resolved", "merged"}),
    "awaiting_customer": frozenset({"investigating", "solution_proposed", "resolved", "merged"}),
    "resolved": frozenset({"closed", "reopened"}),
    "closed": frozenset({"reopened"}),
    "rejected": frozenset({"reopened"}),
    "reopened": frozenset(
        {
            "assigned",
            "investigating",
            "solution_proposed",
            "awaiting_customer",
            "resolved",
            "rejected",
            "merged",
        }
    ),
    "merged": frozenset(),
}
STATUSES = tuple(ALLOWED)

FINISHED = frozenset({"resolved", "closed", "rejected", "merged"})
"""Nobody works on it and nothing is due: no deadlines, warnings or progress updates."""
OPEN = frozenset(STATUSES) - FINISHED
"""Someone should be working on it; its deadlines are watched."""
OPEN_WORK = frozenset({"assigned", "investigating", "solution_proposed", "awaiting_customer"})
"""A person has taken it up; taking it over keeps its stage."""
WAITING = frozenset({"solution_proposed", "awaiting_customer"})
"""The desk waits for the customer (to accept a proposal, or to answer a question): the SLA
clock stops (no warnings, escalations or progress updates) until they write."""
CLOCK_STOPPED = FINISHED | WAITING
"""Its deadlines do not run: nothing is due any more (finished), or the clock is paused while
the desk waits for the customer (WAITING). The one rule of "does its clock run" that the sweeps
(no warning, escalation or progress update), the queue's overdue and due-within filters and
its sort, and the reports' misses read: a stopped clock is never overdue."""
UNTAKEN = frozenset({"new", "acknowledged"})
"""Nobody has taken it up yet: resolving it makes the resolver its handler first."""
SOLVED = frozenset({"resolved", "closed"})
"""A solution was reached: the customer's next message reopens it; reports count it resolved."""


def check(current: str, target: str) -> None:
    if target not in ALLOWED:
        raise IllegalTransition(
            "unknown status '%(status)s'; statuses: %(known)s",
            status=target,
            known=", ".join(STATUSES),
        )
    allowed = ALLOWED.get(current, frozenset())
    if target not in allowed:
        if not allowed:
            raise IllegalTransition(
                "a complaint that is %(status)s cannot become %(new_status)s (from %(status)s: "
                "nothing)",
                status=current,
                new_status=target,
            )
        raise IllegalTransition(
            "a complaint that is %(status)s cannot become %(new_status)s (from %(status)s: "
            "%(choices)s)",
            status=current,
            new_status=target,
            choices=", ".join(sorted(allowed)),
        )
