"""Solutions proposed on complaints, and their approval."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select

from store.models import Solution
from store.queries.tables import SOLUTIONS


def solutions_of(session: Session, *, complaint_ids: Sequence[int]) -> list[Solution]:
    return list(session.exec(select(Solution).where(col(Solution.complaint_id).in_(complaint_ids))))


def solutions_of_complaint(session: Session, *, complaint_id: int) -> list[Solution]:
    """The solutions proposed on the complaint, oldest first."""
    return list(
        session.exec(
            select(Solution).where(Solution.complaint_id == complaint_id).order_by(col(Solution.id))
        )
    )


def solution_by_id(session: Session, *, solution_id: int) -> Solution | None:
    return session.get(Solution, solution_id)


def decide_solution(
    session: Session, *, solution: Solution, status: str, by: str, at: datetime, reason: str
) -> bool:
    """Compare-and-set: record a supervisor's decision only if the solution still waits for
    approval in the database, in ONE conditional UPDATE. Of two supervisors who read it
    waiting (one approving while another rejects), only the first decides: on PostgreSQL the
    second UPDATE waits for the first one's row lock, then finds it decided and writes
    nothing, where a read, then a write, let both through (two events, the customer offered
    a solution that was turned down). False when it was decided meanwhile; `solution`
    carries the decision after True."""
    values = {"status": status, "decided_by": by, "decided_at": at, "decision_reason": reason}
    written = session.execute(
        sa.update(SOLUTIONS)
        .where(SOLUTIONS.c.id == solution.id, SOLUTIONS.c.status == "awaiting_approval")
        .values(values)
    )
    if getattr(written, "rowcount", 0) != 1:
        return False
    for name, value in values.items():
        set_committed_value(solution, name, value)
    return True


def add_solution(session: Session, *, solution: Solution) -> Solution:
    """Insert a proposed solution; flushed, so it has its id."""
    session.add(solution)
    session.flush()
    return solution
