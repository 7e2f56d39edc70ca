"""What intake hands between its steps: the complaint a message belongs to, the result a
channel answers its sender with, and the events that make up the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from store.models import Complaint


@dataclass(frozen=True)
class IntakeResult:
    complaint: str
    status: str
    grade: str
    category: str
    department: str
    language: str
    acknowledgement: str
    created: bool
    """A new complaint was opened (False: the message joined an existing one)."""
    duplicate: bool
    """The message had been received before; nothing was stored this time."""


@dataclass(frozen=True)
class Case:
    """What intake needs of the complaint a message belongs to, new or existing."""

    id: int
    number: str
    status: str
    grade: str
    category: str
    department: str
    language: str
    """The language the sender is answered in: the complaint's, except for a bare status
    question, answered in its own (`intake.status_questions.answer_language`)."""
    first_response_due: datetime

    @classmethod
    def of(cls, complaint: Complaint) -> Case:
        assert complaint.id is not None and complaint.number is not None
        return cls(
            complaint.id,
            complaint.number,
            complaint.status,
            complaint.grade,
            complaint.category,
            complaint.department,
            complaint.language,
            complaint.first_response_due or complaint.created_at,
        )

    def result(self, acknowledgement: str, *, created: bool, duplicate: bool) -> IntakeResult:
        return IntakeResult(
            self.number,
            self.status,
            self.grade,
            self.category,
            self.department,
            self.language,
            acknowledgement,
            created,
            duplicate,
        )


def event(
    complaint_id: int, at: datetime, actor: str, kind: str, detail: dict[str, Any]
) -> dict[str, Any]:
    """One timeline row, written with the others in one statement at the end of intake."""
    return {"complaint_id": complaint_id, "at": at, "actor": actor, "kind": kind, "detail": detail}
