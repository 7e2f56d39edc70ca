"""Solutions proposed on complaints, and their approval."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from store.models import Solution


def solutions_of(session: Session, *, complaint_ids: Sequence[int]) -> list[Solution]:
    return list(session.exec(select(Solution).where(col(Solution.complaint_id).in_(complaint_ids))))
