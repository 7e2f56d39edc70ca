"""Solutions proposed on complaints, and their approval."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from store.models import Solution


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


def add_solution(session: Session, *, solution: Solution) -> Solution:
    """Insert a proposed solution; flushed, so it has its id."""
    session.add(solution)
    session.flush()
    return solution
